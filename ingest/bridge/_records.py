"""Decoded MQTT samples -> Kafka records keyed by twin: one JSON record per message and twin.

Each record is a JSON batch the JSON codec reads back (``{"samples": [...]}``,
the twin in the record's key): per sample the raw signal name (the worker
converts units), the event time (milliseconds, or ISO 8601 where it has
microseconds), the value (number, boolean, text or null: a Sparkplug death's
stale mark) and the quality. A twin name the aliases do not resolve keeps its
raw name as the key, so the worker refuses it as ``unknown_twin``, with a
reason, in history.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np
import orjson

from ingest.frame import Frame, Kind

KeyedRecord = tuple[str, bytes]


def keyed_records(frame: Frame, keys: Sequence[str]) -> list[KeyedRecord]:
    """``keys[c]`` is the Kafka key of the frame's twin code ``c``; in message order."""
    if not len(frame):
        return []
    order = np.lexsort((frame.twin, frame.position))  # by message, then twin; stable
    position = frame.position[order]
    twin = frame.twin[order]
    cut = np.flatnonzero((np.diff(position) != 0) | (np.diff(twin) != 0)) + 1
    out: list[KeyedRecord] = []
    for rows in np.split(order, cut):
        samples = [_sample(frame, int(row)) for row in rows.tolist()]
        out.append((keys[int(frame.twin[rows[0]])], orjson.dumps({"samples": samples})))
    return out


def finite_only(frame: Frame) -> tuple[Frame, int]:
    """The frame without NaN or infinite numbers (JSON cannot carry them), and how many went;
    the worker would refuse them as ``not_finite``."""
    odd = (frame.kind == Kind.NUMBER) & ~np.isfinite(frame.value)
    dropped = int(odd.sum())
    return (frame.take(~odd), dropped) if dropped else (frame, 0)


def _sample(frame: Frame, row: int) -> dict[str, object]:
    kind = int(frame.kind[row])
    value: object
    if kind == Kind.NULL:
        value = None
    elif kind == Kind.TEXT:
        value = str(frame.text[row])
    elif kind == Kind.BOOLEAN:
        value = bool(frame.value[row] != 0.0)
    else:
        value = float(frame.value[row])
    return {
        "signal": frame.signals[int(frame.signal[row])],
        "time": _time(int(frame.time[row])),
        "value": value,
        "quality": int(frame.quality[row]),
    }


def _time(micros: int) -> int | str:
    if micros % 1000 == 0:
        return micros // 1000
    moment = datetime.fromtimestamp(micros // 1_000_000, UTC)
    return moment.replace(microsecond=micros % 1_000_000).isoformat()
