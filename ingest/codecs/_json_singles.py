"""A whole batch of one-number-sample JSON records, parsed in one call and checked by column.

The common high-rate shape, one numeric sample a record
(``{"signal": ..., "time": ..., "value": ...}``, the twin from the record's
key), costs the codec's per-record Python most. Here the payloads are joined
into one JSON array and parsed by one ``orjson.loads``; every check is then a
pass in C over a column (``map``, ``set``, ``min``, ``max``), not Python per
record.

Each record keeps its own boundaries: every payload starts with ``{`` and ends
with ``}``, and they are joined with ``",\\n"``. A raw newline cannot be inside
a JSON string (orjson refuses control characters there), so no string spans
two records; a separator inside one array element would leave a nested object
in it (one record's closing ``}`` before it), and every element must be a flat
object of scalars; and the array must hold exactly one element per record. So
each element is its record's own document. Anything else (one record malformed,
another shape, a value out of range) returns None: the caller takes the
per-record path, which keeps every good sample and refuses each bad record
with its own position and reason.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from itertools import chain, repeat
from operator import attrgetter
from typing import Any

import numpy as np
import orjson

from ingest.codecs._record import CodecLimits, RawRecord
from ingest.codecs._time import MAX_EPOCH_MS
from ingest.frame import FrameBuilder

MIN_RECORDS = 16
"""Fewer records than this take the per-record path (nothing to gain)."""
_KEYS = frozenset({"twin", "signal", "time", "value", "quality"})
_INT = frozenset({int})
_STR = frozenset({str})
_NUMBERS = frozenset({int, float})
_FLOAT_MAX = sys.float_info.max
_SEPARATOR = b",\n"
_OPEN, _CLOSE = ord("{"), ord("}")
_payload = attrgetter("payload")
_twin = attrgetter("twin")
_signal = attrgetter("signal")
_position = attrgetter("position")


def decode_singles(
    records: Sequence[RawRecord], limits: CodecLimits, builder: FrameBuilder
) -> bool:
    """Add every record's sample to ``builder`` and return True, or add nothing and return
    False unless every record is one valid numeric sample (see the module docstring)."""
    n = len(records)
    if n < MIN_RECORDS:
        return False
    payloads = list(map(_payload, records))
    if not _first_is_single(payloads[0], limits.max_record_bytes):
        return False  # e.g. records of columns: not worth joining and parsing them all
    joined = b"[" + _SEPARATOR.join(payloads) + b"]"
    if not _objects_within(payloads, joined, limits.max_record_bytes):
        return False
    try:
        docs = orjson.loads(joined)
    except orjson.JSONDecodeError:
        return False
    if len(docs) != n or set(map(type, docs)) != {dict}:
        return False
    if not set(chain.from_iterable(docs)) <= _KEYS:
        return False
    columns = _columns(docs, records, limits)
    if columns is None:
        return False
    twin, signal, at, value, quality = columns
    builder.add_number_rows(twin, signal, at, value, quality, list(map(_position, records)))
    return True


def _first_is_single(payload: bytes, max_bytes: int) -> bool:
    """Whether the first record alone could be one sample: within ``max_bytes``, an object,
    no key but a sample's. One that is not fails the whole batch's checks below anyway (its
    element would be its own document), so looking at it first changes no answer; it spares
    parsing a batch of another shape twice (here whole, then record by record)."""
    if len(payload) > max_bytes:
        return False
    try:
        document = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return False
    return isinstance(document, dict) and document.keys() <= _KEYS


def _objects_within(payloads: list[bytes], joined: bytes, max_bytes: int) -> bool:
    """Every payload within ``max_bytes``, starting with ``{`` and ending with ``}``: read
    at the payloads' places in ``joined`` (``[`` + payloads joined by ``_SEPARATOR`` + ``]``),
    a few numpy passes instead of a method call per payload."""
    lengths = np.fromiter(map(len, payloads), np.int64, len(payloads))
    if int(lengths.max()) > max_bytes:
        return False
    last = np.cumsum(lengths + len(_SEPARATOR)) - len(_SEPARATOR)  # after the leading "["
    first = last - lengths + 1  # an empty payload: its separator's "," or the closing "]"
    view = np.frombuffer(joined, np.uint8)
    return bool((view[first] == _OPEN).all() and (view[last] == _CLOSE).all())


def _columns(
    docs: list[dict[str, Any]], records: Sequence[RawRecord], limits: CodecLimits
) -> tuple[list[str], list[str], list[int], list[float], list[int]] | None:
    """The five columns, each checked as the per-record path checks a sample; None if a
    value is missing or wrong anywhere (so every element is a flat object of scalars)."""
    get = dict.get
    twin: list[Any] = list(map(get, docs, repeat("twin"), map(_twin, records)))
    signal: list[Any] = list(map(get, docs, repeat("signal"), map(_signal, records)))
    at: list[Any] = list(map(get, docs, repeat("time")))
    value: list[Any] = list(map(get, docs, repeat("value")))
    quality: list[Any] = list(map(get, docs, repeat("quality"), repeat(0)))
    if not (_names(twin, limits) and _names(signal, limits)):
        return None
    if set(map(type, at)) != _INT or min(at) < 0 or max(at) >= MAX_EPOCH_MS:
        return None
    kinds = set(map(type, value))
    if not kinds <= _NUMBERS:
        return None
    if int in kinds and not (min(value) >= -_FLOAT_MAX and max(value) <= _FLOAT_MAX):
        return None
    if set(map(type, quality)) != _INT or min(quality) < 0 or max(quality) > 3:
        return None
    return twin, signal, at, value, quality


def _names(names: list[Any], limits: CodecLimits) -> bool:
    """Every name a non-empty string within the length limit (each distinct name once)."""
    if set(map(type, names)) != _STR:
        return False
    distinct = set(names)
    return min(map(len, distinct)) > 0 and max(map(len, distinct)) <= limits.max_name_length
