"""The columnar codec: Arrow IPC stream records -> Frame columns, with no Python per sample.

A record is one Arrow IPC stream (media type ``application/vnd.apache.arrow.stream``)
whose columns are found by name (see docs/ingest.md, "Codecs"):

- ``twin`` (string; default: the record's key), ``signal`` (string; default: the
  source's), plain or dictionary-encoded;
- ``time``: int64 milliseconds since the Unix epoch, or a timestamp with a time zone;
- ``value``: a number or boolean column (null: no value), and/or ``text`` (string);
- ``quality`` (integer 0-3, null: 0), optional. Other columns are ignored.

Consecutive records with one schema are decoded together: their batches
become one table, each column is converted once, names are coded per
distinct name. A record that is not a stream, breaks a size limit or has a
column of the wrong type is refused whole; a bad row alone, counted per
record and reason, its detail naming the first such row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from ingest.codecs._arrow_read import StreamError, StreamReader
from ingest.codecs._columnar_plan import Plan, PlanError, plan_of
from ingest.codecs._record import CodecLimits, Decoded, RawRecord
from ingest.codecs._time import MAX_EPOCH_MS
from ingest.frame import FrameBuilder, Kind, RecordReject, RejectReason

ARROW_STREAM = "application/vnd.apache.arrow.stream"
"""The media type of a columnar record (a Kafka ``content-type`` header selects this codec)."""
_MAX_US = MAX_EPOCH_MS * 1000
_INT64_MAX = 2**63 - 1


@dataclass(slots=True)
class _Run:
    """Consecutive records sharing one schema: decoded as one table."""

    plan: Plan
    records: list[RawRecord] = field(default_factory=list)
    batches: list[pa.RecordBatch] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)


class ColumnarCodec:
    """Decodes Arrow IPC stream records straight into a Frame (see the module docstring)."""

    def __init__(self, limits: CodecLimits | None = None) -> None:
        self._limits = limits or CodecLimits()
        self._reader = StreamReader()
        self._plans: dict[object, Plan | PlanError] = {}

    @property
    def limits(self) -> CodecLimits:
        return self._limits

    def decode(self, records: Sequence[RawRecord]) -> Decoded:
        builder = FrameBuilder()
        rejects: list[RecordReject] = []
        run: _Run | None = None
        for record in records:
            read = self._read(record, rejects)
            if read is None:
                continue
            plan, batches, n = read
            if run is None or run.plan is not plan:
                if run is not None:
                    _RunDecoding(self._limits, builder, rejects, run).decode()
                run = _Run(plan)
            run.records.append(record)
            run.batches.extend(batches)
            run.rows.append(n)
        if run is not None:
            _RunDecoding(self._limits, builder, rejects, run).decode()
        return Decoded(builder.build(), tuple(rejects))

    def _read(
        self, record: RawRecord, rejects: list[RecordReject]
    ) -> tuple[Plan, list[pa.RecordBatch], int] | None:
        limits, payload = self._limits, record.payload

        def refuse(reason: RejectReason, detail: str, count: int = 1) -> None:
            rejects.append(RecordReject(record.position, reason, detail, count))

        if len(payload) > limits.max_record_bytes:
            refuse(
                RejectReason.TOO_LARGE,
                f"record of {len(payload)} bytes; expected at most {limits.max_record_bytes} bytes",
            )
            return None
        try:
            key, schema, batches = self._reader.read(payload)
        except StreamError as error:
            refuse(RejectReason.MALFORMED, f"record is {error}")
            return None
        n = sum(b.num_rows for b in batches)
        if n > limits.max_samples_per_record:
            refuse(
                RejectReason.TOO_LARGE,
                f"record holds {n} samples; expected at most {limits.max_samples_per_record}",
                n,
            )
            return None
        plan = self._plan(key, schema, record)
        if isinstance(plan, PlanError):
            refuse(plan.reason, plan.detail, max(n, 1))
            return None
        return (plan, batches, n) if n else None

    def _plan(self, key: object, schema: pa.Schema, record: RawRecord) -> Plan | PlanError:
        """The schema's plan, remembered by the reader's key for it (cheaper to hash)."""
        plan = self._plans.get(key)
        if plan is None:
            if len(self._plans) >= 64:
                self._plans.clear()
            plan = self._plans[key] = plan_of(schema)
        if isinstance(plan, Plan):
            for name, default in (("twin", record.twin), ("signal", record.signal)):
                if getattr(plan, name) is None and default is None:
                    return PlanError(
                        RejectReason.BAD_SHAPE,
                        f"no {name!r} column and no default {name} from the source; expected "
                        f"a {name!r} string column",
                    )
        return plan


class _RunDecoding:
    """One run's rows: columns converted once, each bad row refused with its reason."""

    def __init__(
        self,
        limits: CodecLimits,
        builder: FrameBuilder,
        rejects: list[RecordReject],
        run: _Run,
    ) -> None:
        self.limits = limits
        self.builder = builder
        self.rejects = rejects
        self.run = run
        self.table = pa.Table.from_batches(run.batches, run.batches[0].schema).combine_chunks()
        rows = np.asarray(run.rows, dtype=np.int64)
        self.n = int(rows.sum())
        self.record_of_row = np.repeat(np.arange(rows.shape[0]), rows)
        self.first_row = np.concatenate(([0], np.cumsum(rows)[:-1]))
        self.code = np.zeros(self.n, dtype=np.uint8)
        self.why: list[tuple[RejectReason, Callable[[int], str]]] = []

    def refuse(
        self, mask: npt.NDArray[np.bool_], reason: RejectReason, detail: Callable[[int], str]
    ) -> None:
        """Rows in ``mask`` not refused yet get ``reason``; ``detail(row)`` describes one."""
        fresh = mask & (self.code == 0)
        if fresh.any():
            self.why.append((reason, detail))
            self.code[fresh] = len(self.why)

    def column(self, index: int) -> pa.Array:
        return self.table.column(index).combine_chunks()  # one chunk already: no copy

    def decode(self) -> None:
        plan = self.plan = self.run.plan
        twin = self.names("twin", plan.twin, self.builder.twin_code)
        signal = self.names("signal", plan.signal, self.builder.signal_code)
        time_us = self.times()
        quality = self.qualities()
        value, kind, text = self.values()
        good = self.code == 0
        positions = np.asarray([r.position for r in self.run.records], dtype=np.int64)
        position = positions[self.record_of_row]
        self.report(position)
        if good.all():
            self.builder.add_columns(twin, signal, time_us, value, kind, text, quality, position)
            return
        rows = np.flatnonzero(good)
        self.builder.add_columns(
            twin[rows],
            signal[rows],
            time_us[rows],
            value[rows],
            kind[rows],
            None if text is None else text[rows],
            quality[rows],
            position[rows],
        )

    # ------------------------------------------------------------------ names
    def names(
        self, field: str, index: int | None, code: Callable[[str], int]
    ) -> npt.NDArray[np.int32]:
        """Codes of a name column (each distinct name checked once), or of the record defaults."""
        limit = self.limits.max_name_length
        if index is None:
            defaults = [getattr(r, field) for r in self.run.records]
            per_record = np.asarray(
                [code(d) if d and len(d) <= limit else -1 for d in defaults], dtype=np.int32
            )
            defaulted: npt.NDArray[np.int32] = per_record[self.record_of_row]
            self.refuse(
                defaulted < 0,
                RejectReason.TOO_LARGE,
                lambda row: f"default {field} of over {limit} characters; expected at most {limit}",
            )
            return defaulted
        encoded = pc.dictionary_encode(self.column(index))
        distinct = encoded.dictionary.to_pylist()
        indices = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)
        table = np.asarray([code(n) if 0 < len(n) <= limit else -1 for n in distinct] + [-1])
        codes: npt.NDArray[np.int32] = table[indices].astype(np.int32)  # -1 (null): the last
        lengths = np.asarray([len(n) for n in distinct] + [0])[indices]
        null = indices < 0
        self.refuse(null, RejectReason.BAD_SHAPE, lambda row: f"{field!r} is null; expected a name")
        self.refuse(
            lengths == 0,
            RejectReason.WRONG_TYPE,
            lambda row: f"{field!r} is ''; expected a non-empty string",
        )
        self.refuse(
            codes < 0,
            RejectReason.TOO_LARGE,
            lambda row: f"{field!r} of {lengths[row]} characters; expected at most {limit}",
        )
        return codes

    # ------------------------------------------------------------------ times
    def times(self) -> npt.NDArray[np.int64]:
        plan = self.plan
        column = self.column(plan.time)
        raw = column if column.type == pa.int64() else pc.cast(column, pa.int64())
        null = raw.is_null().to_numpy(zero_copy_only=False)
        ticks = raw.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
        # to microseconds: ms * 1000, s * 10**6, us * 1, ns // 1000 (bounded first: no overflow)
        scale, divide = plan.time_scale, plan.time_divide
        limit = min(_MAX_US * divide // scale, _INT64_MAX)
        outside = (ticks < 0) | (ticks >= limit)
        safe = np.where(outside, 0, ticks)
        time_us = safe * scale // divide if divide > 1 else safe * scale
        self.refuse(null, RejectReason.BAD_SHAPE, lambda row: "'time' is null; expected the time")
        self.refuse(
            outside,
            RejectReason.BAD_TIME,
            lambda row: (
                f"'time' is {int(ticks[row])} {plan.time_unit}; expected a time from "
                "1970 to before the year 5138"
            ),
        )
        return time_us

    # --------------------------------------------------------------- quality
    def qualities(self) -> npt.NDArray[np.uint8]:
        index = self.plan.quality
        if index is None:
            return np.zeros(self.n, dtype=np.uint8)
        column = pc.cast(self.column(index), pa.int64()).fill_null(0)
        q = column.to_numpy(zero_copy_only=False)
        bad = (q < 0) | (q > 3)
        self.refuse(
            bad,
            RejectReason.WRONG_TYPE,
            lambda row: (
                f"'quality' is {int(q[row])}; expected 0 (good), 1 (uncertain), "
                "2 (bad) or 3 (stale)"
            ),
        )
        return np.where(bad, 0, q).astype(np.uint8)

    # ----------------------------------------------------------------- values
    def values(
        self,
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.uint8], npt.NDArray[np.object_] | None]:
        plan, n = self.plan, self.n
        value = np.full(n, np.nan)
        has_value = np.zeros(n, dtype=np.bool_)
        kind = np.full(n, Kind.NULL, dtype=np.uint8)
        if plan.value is not None:
            column = self.column(plan.value)
            has_value = column.is_valid().to_numpy(zero_copy_only=False)
            if has_value.any():
                cast = pc.cast(column, pa.float64(), safe=False)
                value = cast.to_numpy(zero_copy_only=False).astype(np.float64, copy=False)
                number = np.uint8(Kind.BOOLEAN if plan.value_boolean else Kind.NUMBER)
                kind[has_value] = number
        if plan.text is None:
            return value, kind, None
        column = self.column(plan.text)
        has_text = column.is_valid().to_numpy(zero_copy_only=False)
        if not has_text.any():
            return value, kind, None
        limit = self.limits.max_text_length
        lengths = pc.utf8_length(column).fill_null(0).to_numpy(zero_copy_only=False)
        self.refuse(
            has_text & has_value,
            RejectReason.WRONG_TYPE,
            lambda row: "both 'value' and 'text' are set; expected one of them (or neither: null)",
        )
        self.refuse(
            lengths > limit,
            RejectReason.TOO_LARGE,
            lambda row: f"text value of {int(lengths[row])} characters; expected at most {limit}",
        )
        text = np.empty(n, dtype=object)
        rows = np.flatnonzero(has_text & (lengths <= limit))
        text[rows] = column.take(pa.array(rows)).to_numpy(zero_copy_only=False)
        kind[has_text] = Kind.TEXT
        value = np.where(has_text, np.nan, value)
        return value, kind, text

    # ---------------------------------------------------------------- rejects
    def report(self, position: npt.NDArray[np.int64]) -> None:
        """One reject per record and reason: the count, and the first such row described."""
        bad = np.flatnonzero(self.code)
        if not bad.size:
            return
        reasons = list(RejectReason)
        reason_of = np.asarray([0] + [reasons.index(r) for r, _ in self.why], dtype=np.int64)
        key = self.record_of_row[bad].astype(np.int64) * len(reasons) + reason_of[self.code[bad]]
        _, first, counts = np.unique(key, return_index=True, return_counts=True)
        for row, count in zip(bad[first].tolist(), counts.tolist(), strict=True):
            reason, detail = self.why[self.code[row] - 1]
            within = row - int(self.first_row[self.record_of_row[row]])
            self.rejects.append(
                RecordReject(
                    int(position[row]),
                    reason,
                    f"{count} sample(s); row {within}: {detail(row)}",
                    count,
                )
            )
