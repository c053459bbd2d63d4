"""The fusion kernel: one batch's Frame -> history rows, changed state, events, rejects.

The steps (see docs/ingest.md, "The fusion kernel"):

1. validate: identity, retired twins, signal, type, NaN/inf, unit conversion,
   valid range, time limits; a refused row keeps the first reason it met;
2. order by event time, then key, and drop exact duplicates;
3. the last value per key (a late sample goes to history, never over a newer
   state), deadband against the state value: the changed keys;
4. the mode machine over the rule signals' rows, events for its transitions.

The kernel reads ``FusionState`` and never writes it: ``commit`` runs after
the stores committed the batch.

Two implementations give the same ``Fused``: the compiled loops
(``_kernel_compiled`` over ``_kernel_jit``, numba; the default: a pass or two
per step) and the numpy steps (``_kernel_numpy``: whole-column passes; the
reference the tests compare with).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial

import numpy as np
import numpy.typing as npt

from ingest._errors import IngestError
from ingest.frame import Frame, Kind
from ingest.pipeline import _kernel_numpy
from ingest.pipeline._config import Pipeline, SignalType
from ingest.pipeline._fused import (
    NO_MOVES,
    REASONS,
    Fused,
    ModeMoves,
    RawEvent,
    retired_events,
)
from ingest.pipeline._kernel_compiled import (
    CompiledKernel,
    Limits,
    Steps,
    commit_modes,
    warm,
)
from ingest.pipeline._state import FusionState

__all__ = [
    "MAX_FRAME_ROWS",
    "REASONS",
    "Fused",
    "FusionKernel",
    "ModeMoves",
    "RawEvent",
    "SignalTable",
    "commit",
]

_TYPE_CODE = {SignalType.NUMBER: 0, SignalType.BOOLEAN: 1, SignalType.TEXT: 2}
_US = 1_000_000
MAX_FRAME_ROWS = 2**31 - 1
"""Rows of one frame the kernel takes (row numbers are int32 in its scratch)."""
_I64_MAX = int(np.iinfo(np.int64).max)


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
    ``threads``: how many threads the compiled loops run a batch on (``CompiledKernel``;
    the numpy steps run on one); the batches are the same whatever the count.
    """

    def __init__(
        self,
        pipeline: Pipeline,
        signals: SignalTable,
        *,
        compiled: bool = True,
        threads: int = 1,
    ) -> None:
        self.pipeline = pipeline
        self.signals = signals
        self.max_future_us = round(pipeline.max_future_s * _US)
        self.lateness_us = round(pipeline.allowed_lateness_s * _US)
        mode = pipeline.mode
        self.mode_signal = -1 if mode is None else signals.index[mode.signal]
        self.initial_mode = 0 if mode is None else mode.states.index(mode.initial)
        self.mode_names = np.empty(0 if mode is None else len(mode.states), dtype=object)
        """The mode machine's states by index (the mode signal's text)."""
        self.mode_names[:] = [] if mode is None else mode.states
        self.compiled = CompiledKernel(mode, signals.index, threads) if compiled else None
        self.compile_seconds = warm() if compiled else 0.0

    @property
    def mapped_bytes(self) -> int:
        """Bytes of mapped memory the compiled kernel keeps for its batches' columns
        (``tracemalloc`` does not see them); 0 for the numpy steps."""
        return 0 if self.compiled is None else self.compiled.mapped_bytes

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
        return _kernel_numpy.fuse(
            self, frame, twin_map, retired, signal_map, scale, offset, state, now_us
        )

    def _fused(self, frame: Frame, twin_map: npt.NDArray[np.int32], steps: Steps) -> Fused:
        """The compiled loops' results as a batch."""
        events: list[RawEvent] = []
        if steps.retired:
            events = retired_events(frame, twin_map[frame.twin], steps.code)
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
            reject_rows=steps.reject_rows,
            reject_code=steps.reject_code,
            watermark=steps.watermark,
            mode_keys=steps.mode_keys > 0,
        )


def commit(kernel: FusionKernel, fused: Fused, state: FusionState) -> None:
    """Remember a batch the stores committed: newest times seen, state values, modes."""
    signals = state.signals
    newer = fused.seen_newer  # the state is as the kernel read it: a write, no gather
    update = fused.update
    modes = kernel.pipeline.mode is not None and fused.mode_twin.shape[0] > 0
    beside: Callable[[], None] | None = None
    if kernel.compiled is not None:  # one pass; the rows without a number come back
        if modes and not fused.mode_keys and not fused.derived_rows:  # no key in common
            beside = partial(commit_modes, fused, kernel.mode_names, kernel.mode_signal, state)
        columns = (fused.twin, fused.signal, fused.time, fused.value, fused.kind)
        numbers = kernel.compiled.commit_numbers
        texts = update[numbers(fused.seen, fused.seen_key, newer, update, columns, state, beside)]
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
    if modes:
        if kernel.compiled is not None:  # one pass: modes, clocks, the mode signal's times
            if beside is None:  # after the others: a key of the mode signal is among them
                commit_modes(fused, kernel.mode_names, kernel.mode_signal, state)
        else:
            changed = fused.mode_changed
            keys = fused.mode_twin[changed].astype(np.int64) * signals + kernel.mode_signal
            state.state_text[keys] = kernel.mode_names[fused.mode_state[changed]]
            state.mode[fused.mode_twin] = fused.mode_state
            # the machine's clock moves with its transitions only (a first sighting is no move)
            np.maximum.at(state.mode_time, fused.moves.twin, fused.moves.time)
            at = fused.mode_time[changed]
            state.state_time[keys] = at
            state.seen_time[keys] = np.maximum(state.seen_time[keys], at)
    state.watermark = max(state.watermark, fused.watermark)
