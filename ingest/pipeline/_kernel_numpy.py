"""The fusion kernel's steps as whole-column numpy passes: the reference implementation.

``FusionKernel(compiled=False)`` runs these; the compiled loops (``_kernel_jit``)
give the same batches (tests compare both). Each step is a few numpy passes
over the batch's columns (see docs/ingest.md, "The fusion kernel"):

1. validate: identity, retired twins, signal, type, NaN/inf, unit conversion,
   valid range, time limits; a refused row keeps the first reason it met;
2. order by event time (a stable sort of ``time << bits | key``: near-linear
   on the nearly ordered frames sources deliver) and drop exact duplicates;
3. the last value per key (a late sample goes to history, never over a newer
   state), deadband against the state value: the changed keys;
4. the mode machine over the rule signals' rows, events for its transitions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from ingest.frame import Frame, Kind, RejectReason
from ingest.pipeline import _mode
from ingest.pipeline._fused import CODE, NO_MOVES, Fused, ModeMoves, retired_events
from ingest.pipeline._state import NO_MODE, NO_TIME, FusionState
from ontology.history import Quality

if TYPE_CHECKING:
    from ingest.pipeline._kernel import FusionKernel

_STALE = int(Quality.STALE)


def fuse(
    kernel: FusionKernel,
    frame: Frame,
    twin_map: npt.NDArray[np.int32],
    retired: npt.NDArray[np.bool_],
    signal_map: npt.NDArray[np.int32],
    scale: npt.NDArray[np.float64],
    offset: npt.NDArray[np.float64],
    state: FusionState,
    now_us: int,
) -> Fused:
    """``FusionKernel.fuse`` in numpy passes."""
    n = len(frame)
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
    expected = kernel.signals.type[safe_signal] if n else np.empty(0, dtype=np.uint8)
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
            (value < kernel.signals.low[safe_signal]) | (value > kernel.signals.high[safe_signal])
            if n
            else np.zeros(0, dtype=np.bool_)
        )
    refuse(convert & outside, RejectReason.OUT_OF_RANGE)
    time = frame.time
    refuse(time > now_us + kernel.max_future_us, RejectReason.TOO_FAR_FUTURE)
    ok = code == 0
    watermark = state.watermark
    if ok.any():
        watermark = max(watermark, int(time[ok].max()))
    if watermark != NO_TIME:
        refuse(time < watermark - kernel.lateness_us, RejectReason.TOO_LATE)
        ok = code == 0
    events = retired_events(frame, twin, code)

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
    seen, seen_key, newer, update = _changes(
        kernel, keys, h_signal, h_time, h_value, h_kind, h_text, h_quality, state
    )

    # 4. the mode machine
    mode_twin, mode_state, mode_time, mode_changed, moves = _machine(
        kernel, h_twin, h_signal, h_time, h_value, h_kind, h_text, state
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
        mode_keys=bool((h_signal[seen] == kernel.mode_signal).any()),
    )


def _changes(
    kernel: FusionKernel,
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
    band = kernel.signals.deadband[signal[seen]]
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


def _machine(
    kernel: FusionKernel,
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
    spec = kernel.pipeline.mode
    none = (
        np.empty(0, np.int32),
        np.empty(0, np.int16),
        np.empty(0, np.int64),
        np.empty(0, np.bool_),
        NO_MOVES,
    )
    if spec is None or not twin.shape[0]:
        return none
    symbol = _mode.symbols(spec, kernel.signals.index, signal, value, kind, text)
    rows = np.flatnonzero((symbol != _mode.NO_SYMBOL) & (time >= state.mode_time[twin]))
    if not rows.size:
        return none
    start = np.where(state.mode == NO_MODE, kernel.initial_mode, state.mode).astype(np.int16)
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
