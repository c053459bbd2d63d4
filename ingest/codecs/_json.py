"""The JSON codec: records of one sample, a batch of samples, or columns -> one Frame.

A record is one of (see docs/ingest.md for examples):

- a sample: ``{"twin": "...", "signal": "...", "time": ..., "value": ..., "quality": 0}``;
- a batch: ``{"twin": ..., "time": ..., "samples": [sample, ...]}`` (the batch's
  ``twin``, ``time`` and ``quality`` are defaults for its samples), or a JSON array of samples;
- one twin's signals at one time: ``{"twin": ..., "time": ..., "signals": {"speed": 1.5}}``;
- columns, for high-rate feeds: ``{"columns": {"twin": ..., "signal": [...], "time": [...],
  "value": [...]}}`` (``twin``/``signal``/``time`` may be one value for all rows).

``time`` is milliseconds since the Unix epoch or an ISO 8601 string with a
zone. ``value`` is a number, a boolean, a string or null. The record's own
defaults (a Kafka key, an MQTT topic) fill ``twin`` and ``signal`` where a
sample has none. Nothing here raises on bad input: a record that is not JSON
or breaks a size limit is refused whole, a bad sample alone, each with a reason.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import orjson

from ingest._errors import IngestError
from ingest.codecs._json_singles import decode_singles
from ingest.codecs._record import CodecLimits, Decoded, RawRecord, RecordDecoding
from ingest.codecs._time import MAX_EPOCH_MS, time_us
from ingest.frame import FrameBuilder, RecordReject, RejectReason

_QUALITIES = range(4)
_INT = frozenset({int})
_NUMBERS = frozenset({int, float})
_ONE_KEYS = frozenset({"twin", "signal", "time", "value", "quality"})
_FLOAT_MAX = sys.float_info.max
SINGLES_CHUNK = 8192
"""Records parsed in one call on the batch path at most: all of a big batch's objects
alive at once cost more (memory, the garbage collector) than the calls saved."""


def _types(items: list[Any]) -> set[type]:
    """The exact types of the items (``bool`` is not ``int`` here)."""
    return set(map(type, items))


class _RefusedError(IngestError):
    """Internal: a sample (or record) is refused; carries the reason and detail."""

    def __init__(self, reason: RejectReason, detail: str, count: int = 1) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
        self.count = count


class JsonCodec:
    """Decodes JSON telemetry records straight into a Frame (see the module docstring)."""

    def __init__(self, limits: CodecLimits | None = None) -> None:
        self._limits = limits or CodecLimits()

    @property
    def limits(self) -> CodecLimits:
        return self._limits

    def decode(self, records: Sequence[RawRecord]) -> Decoded:
        builder = FrameBuilder()
        limits = self._limits
        rejects: list[RecordReject] = []
        one_number = _OneNumber(limits, builder)
        for start in range(0, len(records), SINGLES_CHUNK):
            chunk = records[start : start + SINGLES_CHUNK]
            if decode_singles(chunk, limits, builder):  # one numeric sample in every record
                continue
            self._each(chunk, builder, rejects, one_number)
        return Decoded(builder.build(), tuple(rejects))

    def _each(
        self,
        records: Sequence[RawRecord],
        builder: FrameBuilder,
        rejects: list[RecordReject],
        one_number: _OneNumber,
    ) -> None:
        """Record by record: each bad record refused alone, with its position and reason."""
        limits = self._limits
        max_bytes = limits.max_record_bytes
        add = one_number.add
        for record in records:
            if len(record.payload) <= max_bytes:
                try:
                    document = orjson.loads(record.payload)
                except orjson.JSONDecodeError:
                    pass  # the full path below says why
                else:
                    if add(document, record):
                        continue
                    one_number.flush()  # what came before goes first
                    _Record(limits, builder, rejects, record).parsed(document)
                    continue
            one_number.flush()
            _Record(limits, builder, rejects, record).decode()
        one_number.flush()


class _OneNumber:
    """The common record of one numeric sample, added without the general path's steps.

    Anything else (or anything wrong) returns False and takes the general path,
    which decodes it, or refuses it with its reason, the same as always.
    """

    __slots__ = ("builder", "max_name", "position", "quality", "signal", "time", "twin", "value")

    def __init__(self, limits: CodecLimits, builder: FrameBuilder) -> None:
        self.builder = builder
        self.max_name = limits.max_name_length
        self._reset()

    def _reset(self) -> None:
        self.twin: list[str] = []
        self.signal: list[str] = []
        self.time: list[int] = []
        self.value: list[float] = []
        self.quality: list[int] = []
        self.position: list[int] = []

    def add(self, document: Any, record: RawRecord) -> bool:
        """Hold the record's sample if it is one; False (nothing held) if not."""
        if type(document) is not dict or len(document) > 5 or not document.keys() <= _ONE_KEYS:
            return False
        twin = document.get("twin", record.twin)
        signal = document.get("signal", record.signal)
        at = document.get("time")
        value = document.get("value")
        quality = document.get("quality", 0)
        if not (
            type(twin) is str
            and type(signal) is str
            and 0 < len(twin) <= self.max_name
            and 0 < len(signal) <= self.max_name
            and type(at) is int
            and 0 <= at < MAX_EPOCH_MS
            and (type(value) is float or (type(value) is int and abs(value) <= _FLOAT_MAX))
            and type(quality) is int
            and 0 <= quality <= 3
        ):
            return False
        self.twin.append(twin)
        self.signal.append(signal)
        self.time.append(at)
        self.value.append(value)
        self.quality.append(quality)
        self.position.append(record.position)
        return True

    def flush(self) -> None:
        """The samples held, to the builder at once (before any other record's)."""
        if self.time:
            self.builder.add_number_rows(
                self.twin, self.signal, self.time, self.value, self.quality, self.position
            )
            self._reset()


class _Record(RecordDecoding):
    """Decoding one JSON record under the codec's limits."""

    def __init__(
        self,
        limits: CodecLimits,
        builder: FrameBuilder,
        rejects: list[RecordReject],
        record: RawRecord,
    ) -> None:
        super().__init__(builder, rejects, record)
        self.limits = limits

    def decode(self) -> None:
        payload = self.record.payload
        if len(payload) > self.limits.max_record_bytes:
            self.refuse(
                RejectReason.TOO_LARGE,
                f"record of {len(payload)} bytes; expected at most "
                f"{self.limits.max_record_bytes} bytes",
            )
            return
        try:
            document = orjson.loads(payload)
        except orjson.JSONDecodeError as error:
            self.refuse(RejectReason.MALFORMED, _not_json(error))
            return
        self.parsed(document)

    def parsed(self, document: Any) -> None:
        """A record within the byte limit, parsed."""
        try:
            self.document(document)
        except _RefusedError as refused:
            self.refuse(refused.reason, refused.detail, refused.count)

    def document(self, document: Any) -> None:
        defaults: Mapping[str, Any] = {}
        if isinstance(document, list):
            self.samples(document, defaults)
        elif not isinstance(document, dict):
            raise _RefusedError(
                RejectReason.BAD_SHAPE,
                f"record is a JSON {type(document).__name__}; expected an object or an array",
            )
        elif "samples" in document:
            samples = document["samples"]
            if not isinstance(samples, list):
                raise _RefusedError(
                    RejectReason.BAD_SHAPE,
                    f"'samples' is a {type(samples).__name__}; expected an array of samples",
                )
            self.samples(samples, document)
        elif "signals" in document:
            self.signals(document)
        elif "columns" in document:
            self.columns(document)
        else:
            self.samples([document], defaults)

    # ---------------------------------------------------------------- samples
    def check_count(self, n: int) -> None:
        if n > self.limits.max_samples_per_record:
            raise _RefusedError(
                RejectReason.TOO_LARGE,
                f"record holds {n} samples; expected at most {self.limits.max_samples_per_record}",
                count=n,
            )

    def samples(self, samples: list[Any], defaults: Mapping[str, Any]) -> None:
        self.check_count(len(samples))
        for i, sample in enumerate(samples):
            if not isinstance(sample, dict):
                self.refuse(
                    RejectReason.BAD_SHAPE,
                    f"sample {i} is a JSON {type(sample).__name__}; expected an object",
                )
                continue
            try:
                self.sample(sample, defaults)
            except _RefusedError as refused:
                self.refuse(refused.reason, f"sample {i}: {refused.detail}")

    def sample(self, sample: Mapping[str, Any], defaults: Mapping[str, Any]) -> None:
        twin = self.name("twin", sample.get("twin", defaults.get("twin", self.record.twin)))
        signal = self.name(
            "signal", sample.get("signal", defaults.get("signal", self.record.signal))
        )
        at = self.time(sample.get("time", defaults.get("time")))
        quality = self.quality(sample.get("quality", defaults.get("quality", 0)))
        if "value" not in sample:
            raise _RefusedError(RejectReason.BAD_SHAPE, "no 'value'; expected a sample's value")
        self.add(twin, signal, at, sample["value"], quality)

    def signals(self, document: Mapping[str, Any]) -> None:
        signals = document["signals"]
        if not isinstance(signals, dict):
            raise _RefusedError(
                RejectReason.BAD_SHAPE,
                f"'signals' is a {type(signals).__name__}; expected an object of signal: value",
            )
        self.check_count(len(signals))
        twin = self.name("twin", document.get("twin", self.record.twin))
        at = self.time(document.get("time"))
        quality = self.quality(document.get("quality", 0))
        for name, value in signals.items():
            try:
                self.add(twin, self.name("signal", name), at, value, quality)
            except _RefusedError as refused:
                self.refuse(refused.reason, f"signal {name!r:.80}: {refused.detail}")

    # ---------------------------------------------------------------- columns
    def columns(self, document: Mapping[str, Any]) -> None:
        columns = document["columns"]
        if not isinstance(columns, dict) or not isinstance(columns.get("value"), list):
            raise _RefusedError(
                RejectReason.BAD_SHAPE,
                "'columns' needs an object with a 'value' array (and twin, signal, time)",
            )
        values: list[Any] = columns["value"]
        n = len(values)
        self.check_count(n)
        full: dict[str, Any] = {"value": values}  # a list per row, or one value for all rows
        for field in ("twin", "signal", "time", "quality"):
            column = columns.get(field, document.get(field))
            if column is None and field in ("twin", "signal"):
                column = getattr(self.record, field)
            if isinstance(column, list) and len(column) != n:
                raise _RefusedError(
                    RejectReason.BAD_SHAPE,
                    f"column {field!r} has {len(column)} rows; expected {n} like 'value'",
                    count=n,
                )
            full[field] = 0 if column is None and field == "quality" else column
        if not self.fast_columns(full, n):
            lists = [c if isinstance(c, list) else [c] * n for c in full.values()]
            rows = [dict(zip(full, row, strict=True)) for row in zip(*lists, strict=True)]
            self.samples(rows, {})

    def fast_columns(self, full: Mapping[str, Any], n: int) -> bool:
        """Numbers with integer millisecond times and one quality: whole lists at once.

        Every check is a pass in C over a list (``set(map(type, ...))``, ``min``,
        ``max``); the builder turns the lists of all such records into numpy once.
        """
        values, times, quality = full["value"], full["time"], full["quality"]
        if isinstance(quality, list):
            if n and not (_types(quality) == _INT and quality.count(quality[0]) == n):
                return False
            quality = quality[0] if n else 0
        if type(quality) is not int or quality not in _QUALITIES:
            return False
        if not n:
            return True
        kinds = _types(values)
        if not kinds <= _NUMBERS:
            return False
        if int in kinds and not (min(values) >= -_FLOAT_MAX and max(values) <= _FLOAT_MAX):
            return False
        if isinstance(times, list):
            if _types(times) != _INT or min(times) < 0 or max(times) >= MAX_EPOCH_MS:
                return False
            ms = times
        elif type(times) is int and 0 <= times < MAX_EPOCH_MS:
            ms = [times] * n
        else:
            return False
        builder = self.builder
        twin = self.codes("twin", full["twin"], builder.twin_code)
        signal = self.codes("signal", full["signal"], builder.signal_code)
        if twin is None or signal is None:  # a bad name: the row path refuses exactly those rows
            return False
        builder.add_number_lists(twin, signal, ms, values, quality, self.record.position)
        return True

    def codes(self, field: str, names: Any, code: Callable[[str], int]) -> int | list[int] | None:
        """A name column (or one name for all rows) as codes, each distinct name checked and
        coded once; None if one is bad."""
        try:
            if not isinstance(names, list):
                return code(self.name(field, names))
            if names and type(names[0]) is str and names.count(names[0]) == len(names):
                return code(self.name(field, names[0]))  # one name in every row: a C pass
            try:
                distinct = dict.fromkeys(names)
            except TypeError:  # an unhashable value: not a name
                return None
            table = {name: code(self.name(field, name)) for name in distinct}
        except _RefusedError:
            return None
        if len(table) == 1:
            return next(iter(table.values()))
        return list(map(table.__getitem__, names))

    # ----------------------------------------------------------------- fields
    def name(self, field: str, value: Any) -> str:
        if not isinstance(value, str) or not value:
            what = "missing" if value is None else f"{value!r:.80}"
            raise _RefusedError(
                RejectReason.BAD_SHAPE if value is None else RejectReason.WRONG_TYPE,
                f"{field!r} is {what}; expected a non-empty string",
            )
        if len(value) > self.limits.max_name_length:
            raise _RefusedError(
                RejectReason.TOO_LARGE,
                f"{field!r} of {len(value)} characters; expected at most "
                f"{self.limits.max_name_length}",
            )
        return value

    def time(self, value: Any) -> int:
        if value is None:
            raise _RefusedError(RejectReason.BAD_SHAPE, "no 'time'; expected the event time")
        at = time_us(value)
        if at is None:
            raise _RefusedError(
                RejectReason.BAD_TIME,
                f"'time' is {value!r:.80}; expected milliseconds since the Unix epoch or "
                "an ISO 8601 time with a zone",
            )
        return at

    def quality(self, value: Any) -> int:
        if type(value) is not int or value not in _QUALITIES:
            raise _RefusedError(
                RejectReason.WRONG_TYPE,
                f"'quality' is {value!r:.80}; expected 0 (good), 1 (uncertain), 2 (bad) "
                "or 3 (stale)",
            )
        return int(value)

    def add(self, twin: str, signal: str, at: int, value: Any, quality: int) -> None:
        builder = self.builder
        kind = type(value)
        position = self.record.position
        if kind is float:
            builder.add_number(
                builder.twin_code(twin), builder.signal_code(signal), at, value, quality, position
            )
        elif kind is int:
            try:
                number = float(value)
            except OverflowError:
                raise _RefusedError(
                    RejectReason.WRONG_TYPE, f"'value' {value!r:.40} does not fit a float"
                ) from None
            builder.add_number(
                builder.twin_code(twin), builder.signal_code(signal), at, number, quality, position
            )
        elif kind is bool:
            builder.add_boolean(
                builder.twin_code(twin), builder.signal_code(signal), at, value, quality, position
            )
        elif kind is str:
            if len(value) > self.limits.max_text_length:
                raise _RefusedError(
                    RejectReason.TOO_LARGE,
                    f"text value of {len(value)} characters; expected at most "
                    f"{self.limits.max_text_length}",
                )
            builder.add_text(
                builder.twin_code(twin), builder.signal_code(signal), at, value, quality, position
            )
        elif value is None:
            builder.add_null(
                builder.twin_code(twin), builder.signal_code(signal), at, quality, position
            )
        else:
            raise _RefusedError(
                RejectReason.WRONG_TYPE,
                f"'value' is a JSON {kind.__name__}; expected a number, boolean, string or null",
            )


def _not_json(error: orjson.JSONDecodeError) -> str:
    """A refused record's detail: what the parser found where, and what a record is. A
    one-line record's place is its column (a replay file's line is the record's position)."""
    where = (
        f"column {error.colno}"
        if error.lineno == 1
        else f"line {error.lineno}, column {error.colno} of the record"
    )
    return (
        f"record is not JSON: {error.msg} at {where}; expected a JSON object (a sample, "
        "or one with 'samples', 'signals' or 'columns') or an array of samples"
    )
