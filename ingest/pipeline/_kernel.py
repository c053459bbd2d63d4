"""The fusion kernel: one batch's Frame -> history rows, changed state, events, rejects.

Every step works on whole columns (see docs/ingest.md, "The fusion kernel"):

1. validate: identity, retired twins, signal, type, NaN/inf, unit conversion,
   valid range, time limits; a refused row keeps the first reason it met;
2. order by event time (a stable sort of ``time << bits | key``: near-linear
   on the nearly ordered frames sources deliver) and drop exact duplicates;
3. the last value per key (a late sample goes to history, never over a newer
   state), deadband against the state value: the changed keys;
4. the mode machine over the rule signals' rows, events for its transitions.

The kernel reads ``FusionState`` and never writes it: ``commit`` runs after
the stores committed the batch.

Two implementations give the same ``Fused``: the compiled loops
(``_kernel_compiled``, numba; the default: a pass or two per step) and the
numpy steps below (whole-column passes; the reference the tests compare with).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from ingest._errors import IngestError
from ingest.frame import Frame, Kind, RejectReason
from ingest.pipeline import _mode
from ingest.pipeline._config import Pipeline, SignalType
from ingest.pipeline._kernel_compiled import CompiledKernel, Limits, Steps, commit_numbers, warm
from ingest.pipeline._state import NO_MODE, NO_TIME, FusionState
from ontology.history import Quality

REASONS: tuple[RejectReason, ...] = tuple(RejectReason)
"""Reject codes: ``REASONS[code - 1]``; code 0 is accepted."""
CODE = {reason: i + 1 for i, reason in enumerate(REASONS)}
_TYPE_CODE = {SignalType.NUMBER: 0, SignalType.BOOLEAN: 1, SignalType.TEXT: 2}
_US = 1_000_000
MAX_FRAME_ROWS = 2**31 - 1
"""Rows of one frame the kernel takes (row numbers are int32 in its scratch)."""
_STALE = int(Quality.STALE)
_I64_MAX = int(np.iinfo(np.int64).max)


@dataclass(frozen=True, slots=True)
class RawEvent:
    """An event with the twin as its index (the worker names it)."""

    twin: int
    time: int
    kind: str
    code: str
    message: str = ""
    data: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ModeMoves:
    """Transitions of the mode machine, one row each, in (twin, time) order."""

    twin: npt.NDArray[np.int32]
    time: npt.NDArray[np.int64]
    before: npt.NDArray[np.int16]
    after: npt.NDArray[np.int16]

    def __len__(self) -> int:
        return int(self.time.shape[0])


NO_MOVES = ModeMoves(
    np.empty(0, np.int32), np.empty(0, np.int64), np.empty(0, np.int16), np.empty(0, np.int16)
)


@dataclass(frozen=True, slots=True)
class Fused:
    """A batch after the kernel; twin and signal columns are worker-wide indexes."""

    # history: accepted rows without duplicates, in event-time order
    twin: npt.NDArray[np.int32]
    signal: npt.NDArray[np.int32]
    time: npt.NDArray[np.int64]
    value: npt.NDArray[np.float64]
    kind: npt.NDArray[np.uint8]
    text: npt.NDArray[np.object_]
    quality: npt.NDArray[np.uint8]
    # state: the keys whose value changed (derived mode values included)
    update: npt.NDArray[np.intp]
    """Rows of the history columns whose value becomes state."""
    mode_twin: npt.NDArray[np.int32]
    mode_state: npt.NDArray[np.int16]
    mode_time: npt.NDArray[np.int64]
    """Twins the machine moved (or met first): new state index, time of its last move."""
    mode_changed: npt.NDArray[np.bool_]
    """Where the new state differs from the one before the batch (a state write)."""
    moves: ModeMoves
    """Every transition, as columns (the worker turns them into ``mode`` events)."""
    seen: npt.NDArray[np.intp]
    """Rows of the history columns that are each key's newest in this batch."""
    seen_key: npt.NDArray[np.int64]
    """The state key of each ``seen`` row."""
    seen_newer: npt.NDArray[np.bool_]
    """Where a ``seen`` row is newer than anything seen for its key before the batch."""
    events: tuple[RawEvent, ...]
    reject_rows: npt.NDArray[np.intp]
    """Frame rows refused, with ``reject_code`` (``REASONS[code - 1]``)."""
    reject_code: npt.NDArray[np.uint8]
    watermark: int
    derived_rows: int = 0
    """History rows the pipeline derived (features, uptime, OEE, faults), not received."""

    def reject_counts(self) -> dict[str, int]:
        counts = np.bincount(self.reject_code, minlength=len(REASONS) + 1)
        return {str(REASONS[c - 1]): int(counts[c]) for c in np.flatnonzero(counts) if c}


class SignalTable:
    """The pipeline's signals as arrays (type, range, deadband), growable for pass-through."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.names: list[str] = []
        self.index: dict[str, int] = {}
        self._type: list[int] = []
        self._low: list[float] = []
        self._high: list[float] = []
        self._deadband: list[float] = []
        for spec in pipeline.signals:
            self._add(spec.name, _TYPE_CODE[spec.type], spec.low, spec.high, spec.deadband)
        self._arrays()

    def _add(self, name: str, kind: int, low: float, high: float, deadband: float) -> int:
        self.index[name] = len(self.names)
        self.names.append(name)
        self._type.append(kind)
        self._low.append(low)
        self._high.append(high)
        self._deadband.append(deadband)
        return self.index[name]

    def _arrays(self) -> None:
        self.type = np.asarray(self._type, dtype=np.uint8)
        self.low = np.asarray(self._low, dtype=np.float64)
        self.high = np.asarray(self._high, dtype=np.float64)
        self.deadband = np.asarray(self._deadband, dtype=np.float64)
        names = np.empty(len(self.names), dtype=object)
        names[:] = self.names
        self.name_array = names

    def add_passthrough(self, name: str, kind: Kind) -> int:
        """A signal the pipeline does not list (``unknown_signals: accept``), typed by first use."""
        found = self.index.get(name)
        if found is not None:
            return found
        code = {Kind.TEXT: 2, Kind.BOOLEAN: 1}.get(kind, 0)
        index = self._add(name, code, -math.inf, math.inf, 0.0)
        self._arrays()
        return index


class FusionKernel:
    """Runs the steps of the module docstring for one pipeline.

    ``compiled`` (the default): the numba loops, compiled (or loaded from numba's
    cache) here if this process has not yet: ``compile_seconds`` says how long
    that took (0.0 when it had). ``compiled=False``: the numpy steps.
    """

    def __init__(self, pipeline: Pipeline, signals: SignalTable, *, compiled: bool = True) -> None:
        self.pipeline = pipeline
        self.signals = signals
        self.max_future_us = round(pipeline.max_future_s * _US)
        self.lateness_us = round(pipeline.allowed_lateness_s * _US)
        mode = pipeline.mode
        self.mode_signal = -1 if mode is None else signals.index[mode.signal]
        self.initial_mode = 0 if mode is None else mode.states.index(mode.initial)
        self.compiled = CompiledKernel(mode, signals.index) if compiled else None
        self.compile_seconds = warm() if compiled else 0.0

    def fuse(
        self,
        frame: Frame,
        twin_map: npt.NDArray[np.int32],
        retired: npt.NDArray[np.bool_],
        signal_map: npt.NDArray[np.int32],
        scale: npt.NDArray[np.float64],
        offset: npt.NDArray[np.float64],
        state: FusionState,
        now_us: int,
    ) -> Fused:
        """``twin_map``/``signal_map``/``scale``/``offset`` are per entry of the frame's tables;
        ``retired`` per worker twin index."""
        n = len(frame)
        if n > MAX_FRAME_ROWS:
            msg = f"a frame of {n} rows; expected at most {MAX_FRAME_ROWS} (fuse it in parts)"
            raise IngestError(msg)
        if self.compiled is not None:
            limits = Limits(
                self.signals.type,
                self.signals.low,
                self.signals.high,
                self.signals.deadband,
                min(now_us + self.max_future_us, _I64_MAX),
                self.lateness_us,
            )
            steps = self.compiled.run(
                frame, twin_map, retired, signal_map, scale, offset, limits, state
            )
            return self._fused(frame, twin_map, steps)
        twin = twin_map[frame.twin] if n else np.empty(0, dtype=np.int32)
        signal = signal_map[frame.signal] if n else np.empty(0, dtype=np.int32)
        kind = frame.kind
        code = np.zeros(n, dtype=np.uint8)

        def refuse(mask: npt.NDArray[np.bool_], reason: RejectReason) -> None:
            code[mask & (code == 0)] = CODE[reason]

        refuse(twin < 0, RejectReason.UNKNOWN_TWIN)
        safe_twin = np.where(twin < 0, 0, twin)
        if retired.shape[0]:
            refuse(retired[safe_twin] & (twin >= 0), RejectReason.RETIRED_TWIN)
        refuse(signal < 0, RejectReason.UNKNOWN_SIGNAL)
        safe_signal = np.where(signal < 0, 0, signal)
        expected = self.signals.type[safe_signal] if n else np.empty(0, dtype=np.uint8)
        is_number = kind == Kind.NUMBER
        fits = (
            (kind == Kind.NULL)
            | ((expected == 0) & is_number)
            | ((expected == 2) & (kind == Kind.TEXT))
            | (
                (expected == 1)
                & ((kind == Kind.BOOLEAN) | (is_number & np.isin(frame.value, (0.0, 1.0))))
            )
        )
        refuse(~fits, RejectReason.WRONG_TYPE)
        kind = np.where((expected == 1) & is_number, np.uint8(Kind.BOOLEAN), kind)
        convert = is_number & (expected == 0)
        value = frame.value
        if n:
            with np.errstate(invalid="ignore", over="ignore"):
                scaled = value * scale[frame.signal] + offset[frame.signal]
            value = np.where(convert, scaled, value)
        refuse(is_number & ~np.isfinite(value), RejectReason.NOT_FINITE)
        with np.errstate(invalid="ignore"):
            outside = (
                (value < self.signals.low[safe_signal]) | (value > self.signals.high[safe_signal])
                if n
                else np.zeros(0, dtype=np.bool_)
            )
        refuse(convert & outside, RejectReason.OUT_OF_RANGE)
        time = frame.time
        refuse(time > now_us + self.max_future_us, RejectReason.TOO_FAR_FUTURE)
        ok = code == 0
        watermark = state.watermark
        if ok.any():
            watermark = max(watermark, int(time[ok].max()))
        if watermark != NO_TIME:
            refuse(time < watermark - self.lateness_us, RejectReason.TOO_LATE)
            ok = code == 0
        events = _retired_events(frame, twin, code)

        # 2. order by event time, drop duplicates
        rows = np.flatnonzero(ok)
        keys = twin[rows].astype(np.int64) * state.signals + signal[rows]
        rows, keys, duplicate = _order(rows, keys, time[rows])
        code[rows[duplicate]] = CODE[RejectReason.DUPLICATE]
        rows, keys = rows[~duplicate], keys[~duplicate]

        h_twin, h_signal, h_time = twin[rows], signal[rows], time[rows]
        h_value, h_kind = value[rows], kind[rows]
        if (frame.kind == Kind.TEXT).any():
            h_text = frame.text[rows]
        else:  # a gather of an object array costs a reference count per row: skip it
            h_text = np.empty(rows.shape[0], dtype=object)

        # 3. newest row per key, then what changed
        h_quality = frame.quality[rows]
        seen, seen_key, newer, update = self._changes(
            keys, h_signal, h_time, h_value, h_kind, h_text, h_quality, state
        )

        # 4. the mode machine
        mode_twin, mode_state, mode_time, mode_changed, moves = self._mode(
            h_twin, h_signal, h_time, h_value, h_kind, h_text, state
        )
        bad = np.flatnonzero(code)
        return Fused(
            twin=h_twin,
            signal=h_signal,
            time=h_time,
            value=h_value,
            kind=h_kind,
            text=h_text,
            quality=h_quality,
            update=update,
            mode_twin=mode_twin,
            mode_state=mode_state,
            mode_time=mode_time,
            mode_changed=mode_changed,
            moves=moves,
            seen=seen,
            seen_key=seen_key,
            seen_newer=newer,
            events=tuple(events),
            reject_rows=bad,
            reject_code=code[bad],
            watermark=watermark,
        )

    def _fused(self, frame: Frame, twin_map: npt.NDArray[np.int32], steps: Steps) -> Fused:
        """The compiled loops' results as a batch."""
        code = steps.code
        bad = np.flatnonzero(code)
        events: list[RawEvent] = []
        if (code[bad] == CODE[RejectReason.RETIRED_TWIN]).any():
            events = _retired_events(frame, twin_map[frame.twin], code)
        mode_twin, mode_state, mode_time, mode_changed, *moves = steps.mode or (
            np.empty(0, np.int32),
            np.empty(0, np.int16),
            np.empty(0, np.int64),
            np.empty(0, np.bool_),
        )
        return Fused(
            twin=steps.twin,
            signal=steps.signal,
            time=steps.time,
            value=steps.value,
            kind=steps.kind,
            text=steps.text,
            quality=steps.quality,
            update=steps.update,
            mode_twin=mode_twin,
            mode_state=mode_state,
            mode_time=mode_time,
            mode_changed=mode_changed,
            moves=ModeMoves(*moves) if moves else NO_MOVES,
            seen=steps.seen,
            seen_key=steps.seen_key,
            seen_newer=steps.newer,
            events=tuple(events),
            reject_rows=bad,
            reject_code=code[bad],
            watermark=steps.watermark,
        )

    def _changes(
        self,
        keys: npt.NDArray[np.int64],
        signal: npt.NDArray[np.int32],
        time: npt.NDArray[np.int64],
        value: npt.NDArray[np.float64],
        kind: npt.NDArray[np.uint8],
        text: npt.NDArray[np.object_],
        quality: npt.NDArray[np.uint8],
        state: FusionState,
    ) -> tuple[
        npt.NDArray[np.intp], npt.NDArray[np.int64], npt.NDArray[np.bool_], npt.NDArray[np.intp]
    ]:
        """Each key's newest row, its key, whether it is newer than the key's state, and the
        rows whose value changes the state."""
        m = keys.shape[0]
        if not m:
            empty = np.empty(0, dtype=np.intp)
            return empty, np.empty(0, dtype=np.int64), np.empty(0, dtype=np.bool_), empty
        positions = np.arange(m, dtype=np.int32)  # int32: half the scattered bytes
        scratch = state.scratch
        np.maximum.at(scratch, keys, positions)  # rows are in time order: the last is newest
        seen = np.flatnonzero(scratch[keys] == positions)
        k = keys[seen]
        scratch[k] = -1  # every key touched is some row's newest: reset those only
        newer = time[seen] > state.seen_time[k]
        v, old = value[seen], state.state_value[k]
        band = self.signals.deadband[signal[seen]]
        seen_kind = kind[seen]
        with np.errstate(invalid="ignore"):
            # NaN compares false: a key without a number (no state, text) has moved; a NaN
            # value is a text or null row, decided below
            moved = ~(np.abs(v - old) <= band)
        texts = np.flatnonzero(seen_kind == Kind.TEXT)
        if texts.size:  # object arrays are slow: only the text rows
            moved[texts] = text[seen[texts]] != state.state_text[k[texts]]
        # a null sample is no value, except a STALE one: the value is no longer known
        is_null = seen_kind == Kind.NULL
        stale = is_null & (quality[seen] == _STALE)
        # a key without a state holds NaN (and no text), so its first value always "moved":
        # no gather of state times is needed to tell
        changed = newer & ((~is_null & moved) | stale)
        return seen, k, newer, seen[changed]

    def _mode(
        self,
        twin: npt.NDArray[np.int32],
        signal: npt.NDArray[np.int32],
        time: npt.NDArray[np.int64],
        value: npt.NDArray[np.float64],
        kind: npt.NDArray[np.uint8],
        text: npt.NDArray[np.object_],
        state: FusionState,
    ) -> tuple[
        npt.NDArray[np.int32],
        npt.NDArray[np.int16],
        npt.NDArray[np.int64],
        npt.NDArray[np.bool_],
        ModeMoves,
    ]:
        spec = self.pipeline.mode
        none = (
            np.empty(0, np.int32),
            np.empty(0, np.int16),
            np.empty(0, np.int64),
            np.empty(0, np.bool_),
            NO_MOVES,
        )
        if spec is None or not twin.shape[0]:
            return none
        symbol = _mode.symbols(spec, self.signals.index, signal, value, kind, text)
        rows = np.flatnonzero((symbol != _mode.NO_SYMBOL) & (time >= state.mode_time[twin]))
        if not rows.size:
            return none
        start = np.where(state.mode == NO_MODE, self.initial_mode, state.mode).astype(np.int16)
        ran = _mode.run(spec.table, twin[rows], symbol[rows], start)
        ordered = rows[ran.order]
        moved = np.flatnonzero(ran.before != ran.after)
        at = ordered[moved]
        moves = ModeMoves(twin[at], time[at], ran.before[moved], ran.after[moved])
        # a twin's new mode: its state after its last row, stamped with its last transition
        last = np.flatnonzero(ran.last)
        tw = twin[ordered[last]]
        final = ran.after[last]
        known = state.mode[tw]
        when = np.full(last.shape[0], NO_TIME, dtype=np.int64)
        if moved.size:
            np.maximum.at(when, np.searchsorted(tw, moves.twin), moves.time)
        keep = (when != NO_TIME) | (known == NO_MODE)
        when = np.where(when == NO_TIME, time[ordered[last]], when)
        return tw[keep], final[keep], when[keep], (final != known)[keep], moves


def _retired_events(
    frame: Frame, twin: npt.NDArray[np.int32], code: npt.NDArray[np.uint8]
) -> list[RawEvent]:
    """One ``retired_data`` event per retired twin that sent samples (``twin``: per row)."""
    rows = np.flatnonzero(code == CODE[RejectReason.RETIRED_TWIN])
    if not rows.size:
        return []
    events = []
    for t in np.unique(twin[rows]):
        mine = rows[twin[rows] == t]
        events.append(
            RawEvent(
                twin=int(t),
                time=int(frame.time[mine].max()),
                kind="lifecycle",
                code="retired_data",
                message=(
                    f"{mine.size} sample(s) for a retired twin were refused: a reused sensor, "
                    "a reassigned topic or a replay"
                ),
                data={"samples": int(mine.size)},
            )
        )
    return events


def _order(
    rows: npt.NDArray[np.intp], keys: npt.NDArray[np.int64], time: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Rows in (time, key) order, first arrival first, and which are exact duplicates."""
    m = rows.shape[0]
    if not m:
        return rows, keys, np.zeros(0, dtype=np.bool_)
    key_bits = max(1, int(keys.max()).bit_length())
    t0 = int(time.min())
    span = int(time.max()) - t0
    if span.bit_length() + key_bits <= 62:
        packed = ((time - t0) << key_bits) | keys
        order = np.argsort(packed, kind="stable")
        packed = packed[order]
        duplicate = np.zeros(m, dtype=np.bool_)
        np.equal(packed[1:], packed[:-1], out=duplicate[1:])
        return rows[order], packed & ((1 << key_bits) - 1), duplicate  # no second gather
    order = np.lexsort((keys, time))
    t, k = time[order], keys[order]
    duplicate = np.zeros(m, dtype=np.bool_)
    duplicate[1:] = (t[1:] == t[:-1]) & (k[1:] == k[:-1])
    return rows[order], k, duplicate


def commit(kernel: FusionKernel, fused: Fused, state: FusionState) -> None:
    """Remember a batch the stores committed: newest times seen, state values, modes."""
    signals = state.signals
    newer = fused.seen_newer  # the state is as the kernel read it: a write, no gather
    update = fused.update
    if kernel.compiled is not None:  # one pass; the rows without a number come back
        columns = (fused.twin, fused.signal, fused.time, fused.value, fused.kind)
        texts = update[commit_numbers(fused.seen, fused.seen_key, newer, update, columns, state)]
        keys = fused.twin[texts].astype(np.int64) * signals + fused.signal[texts]
    else:
        state.seen_time[fused.seen_key[newer]] = fused.time[fused.seen[newer]]
        keys = fused.twin[update].astype(np.int64) * signals + fused.signal[update]
        state.state_time[keys] = fused.time[update]
        state.state_value[keys] = fused.value[update]
        numbers = fused.kind[update] == Kind.NUMBER
        texts, keys = update[~numbers], keys[~numbers]
    if texts.size:  # object arrays: few rows only
        state.state_text[keys] = fused.text[texts]
    spec = kernel.pipeline.mode
    if spec is not None and fused.mode_twin.shape[0]:
        state.mode[fused.mode_twin] = fused.mode_state
        # the machine's clock moves with its transitions only (a first sighting is no move)
        np.maximum.at(state.mode_time, fused.moves.twin, fused.moves.time)
        changed = fused.mode_changed
        twins, at = fused.mode_twin[changed], fused.mode_time[changed]
        keys = twins.astype(np.int64) * signals + kernel.mode_signal
        names = np.empty(len(spec.states), dtype=object)
        names[:] = spec.states
        state.state_text[keys] = names[fused.mode_state[changed]]
        state.state_time[keys] = at
        state.seen_time[keys] = np.maximum(state.seen_time[keys], at)
    state.watermark = max(state.watermark, fused.watermark)
