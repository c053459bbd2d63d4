"""The typed side of the compiled kernel: arrays in, ``_kernel_jit``'s loops, arrays out.

The loops know numbers only; here the text rows get what needs their Python
strings (their mode symbols before the machine runs, whether a newest text
differs from the state's after), so a batch gives what ``_kernel_numpy`` gives.
Every array goes to the loops with one dtype and layout, so numba compiles each
loop once (``warm`` does it, or loads it from numba's cache).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ingest._errors import IngestError
from ingest.frame import Frame, Kind, RejectReason
from ingest.pipeline import _kernel_jit as jit
from ingest.pipeline import _mode
from ingest.pipeline._config import ModeSpec
from ingest.pipeline._fused import CODE
from ingest.pipeline._state import NO_MODE, NO_TIME, FusionState
from ontology.history import Quality

_LOG = logging.getLogger(__name__)
_JIT_CODES = {
    RejectReason.WRONG_TYPE: jit.WRONG_TYPE,
    RejectReason.UNKNOWN_TWIN: jit.UNKNOWN_TWIN,
    RejectReason.UNKNOWN_SIGNAL: jit.UNKNOWN_SIGNAL,
    RejectReason.RETIRED_TWIN: jit.RETIRED_TWIN,
    RejectReason.NOT_FINITE: jit.NOT_FINITE,
    RejectReason.OUT_OF_RANGE: jit.OUT_OF_RANGE,
    RejectReason.TOO_FAR_FUTURE: jit.TOO_FAR_FUTURE,
    RejectReason.TOO_LATE: jit.TOO_LATE,
    RejectReason.DUPLICATE: jit.DUPLICATE,
}
_JIT_KINDS = {Kind.NUMBER: jit.NUMBER, Kind.BOOLEAN: jit.BOOLEAN, Kind.TEXT: jit.TEXT}
if (
    any(CODE[reason] != code for reason, code in _JIT_CODES.items())
    or any(int(kind) != code for kind, code in _JIT_KINDS.items())
    or (int(Kind.NULL), int(Quality.STALE), NO_MODE, NO_TIME)
    != (jit.NULL, jit.STALE, jit.NO_MODE, jit.NO_TIME)
):  # pragma: no cover - a constant changed on one side only
    _msg = "the compiled kernel's constants differ from ingest.frame's, ontology's and _state's"
    raise IngestError(_msg)


@dataclass(frozen=True, slots=True)
class Steps:
    """One batch through the loops: rejects, history rows in event-time order, changes, mode."""

    code: npt.NDArray[np.uint8]
    """Per frame row: 0 accepted, else the reject code."""
    watermark: int
    rows: npt.NDArray[np.intp]
    """Frame rows of the history, in (time, key) order, without duplicates."""
    twin: npt.NDArray[np.int32]
    signal: npt.NDArray[np.int32]
    time: npt.NDArray[np.int64]
    value: npt.NDArray[np.float64]
    kind: npt.NDArray[np.uint8]
    text: npt.NDArray[np.object_]
    quality: npt.NDArray[np.uint8]
    seen: npt.NDArray[np.intp]
    seen_key: npt.NDArray[np.int64]
    newer: npt.NDArray[np.bool_]
    update: npt.NDArray[np.intp]
    mode: tuple[npt.NDArray[Any], ...]
    """twin, state, time, changed of each twin moved or met; then the moves' twin, time,
    before, after (``jit.mode``'s results), or empty arrays."""


@dataclass(frozen=True, slots=True)
class Limits:
    """A kernel's bounds for one batch (validate's numbers)."""

    sig_type: npt.NDArray[np.uint8]
    low: npt.NDArray[np.float64]
    high: npt.NDArray[np.float64]
    deadband: npt.NDArray[np.float64]
    future_limit: int
    """Latest event time accepted (now + ``max_future``)."""
    lateness_us: int


class CompiledKernel:
    """The compiled loops for one mode machine (its rules as arrays)."""

    def __init__(self, spec: ModeSpec | None, signal_index: dict[str, int]) -> None:
        self.spec = spec
        self.signal_index = signal_index
        self.initial = 0 if spec is None else spec.states.index(spec.initial)
        self.table = (
            np.zeros((1, 1), np.int16)
            if spec is None
            else np.ascontiguousarray(spec.table, dtype=np.int16)
        )
        rules: list[tuple[int, int, float, int]] = []  # (signal, op, limit, symbol) in order
        if spec is not None:
            symbols = {s: i for i, s in enumerate(spec.symbols)}
            for rule in spec.rules:
                signal, symbol = signal_index[rule.when], symbols[rule.symbol]
                if rule.op == "in":  # first match: "in" is its numbers as "eq" rules in turn
                    numbers = [float(v) for v in rule.value if not isinstance(v, str)]
                    rules += [(signal, jit.OPS.index("eq"), v, symbol) for v in numbers]
                elif not isinstance(rule.value, str):  # a text value meets text rows only
                    rules.append((signal, jit.OPS.index(rule.op), float(rule.value), symbol))
        rules.sort(key=lambda r: r[0])  # stable: each signal's rules keep their order
        self.rule_signal = np.array([r[0] for r in rules], dtype=np.int64)
        self.rule_op = np.array([r[1] for r in rules], dtype=np.int8)
        self.rule_limit = np.array([r[2] for r in rules], dtype=np.float64)
        self.rule_symbol = np.array([r[3] for r in rules], dtype=np.int16)
        self._work = np.empty(0, dtype=np.int64)
        """``jit.order``'s scratch, kept between batches (a kernel runs one batch at a time)."""

    def run(
        self,
        frame: Frame,
        twin_map: npt.NDArray[np.int32],
        retired: npt.NDArray[np.bool_],
        signal_map: npt.NDArray[np.int32],
        scale: npt.NDArray[np.float64],
        offset: npt.NDArray[np.float64],
        limits: Limits,
        state: FusionState,
    ) -> Steps:
        """The loops over one frame (``FusionKernel.fuse``'s arguments); indexes outside the
        state or the signal table are refused here (the loops do not check bounds)."""
        twins, signals = int(twin_map.max(initial=-1)), int(signal_map.max(initial=-1))
        if twins >= min(state.twins, state.mode.shape[0]) or signals >= min(
            state.signals, limits.deadband.shape[0]
        ):
            msg = (
                f"twin index {twins} / signal index {signals}: expected below the state's "
                f"{state.twins} twins and {min(state.signals, limits.deadband.shape[0])} signals"
            )
            raise IngestError(msg)
        f_time = _c(frame.time, np.int64)
        code, twin, signal, value, kind, ok, watermark, texts = jit.validate(
            _c(frame.twin, np.int32),
            _c(frame.signal, np.int32),
            f_time,
            _c(frame.value, np.float64),
            _c(frame.kind, np.uint8),
            _c(twin_map, np.int32),
            _c(retired, np.bool_),
            _c(signal_map, np.int32),
            _c(scale, np.float64),
            _c(offset, np.float64),
            limits.sig_type,
            limits.low,
            limits.high,
            limits.future_limit,
            limits.lateness_us,
            int(state.watermark),
        )
        if self._work.shape[0] < 4 * ok.shape[0]:
            self._work = np.empty(8 * ok.shape[0], dtype=np.int64)
        rows, keys, h_time, h_twin, h_signal, h_value, h_kind, h_quality = jit.order(
            ok, f_time, _c(frame.quality, np.uint8), twin, signal, value, kind, state.signals,
            code, self._work,
        )  # fmt: skip
        seen, seen_key, newer, changed = jit.changes(
            keys,
            h_time,
            h_signal,
            h_value,
            h_kind,
            h_quality,
            limits.deadband,
            state.seen_time,
            state.state_value,
        )
        if texts:
            h_text = frame.text[rows]
            at = np.flatnonzero(h_kind[seen] == Kind.TEXT)  # object arrays: the text rows only
            if at.size:
                moved = h_text[seen[at]] != state.state_text[seen_key[at]]
                changed[at] = newer[at] & moved
        else:  # no text: a view of a shared, read-only column of None (no write per row)
            h_text = _no_text(rows.shape[0])
        mode = self._mode(
            frame, signal, rows, h_twin, h_signal, h_time, h_value, h_kind, texts, state
        )
        return Steps(
            code, int(watermark), rows, h_twin, h_signal, h_time, h_value, h_kind, h_text,
            h_quality, seen, seen_key, newer, seen[changed], mode,
        )  # fmt: skip

    def _mode(
        self,
        frame: Frame,
        all_signals: npt.NDArray[np.int32],
        rows: npt.NDArray[np.intp],
        twin: npt.NDArray[np.int32],
        signal: npt.NDArray[np.int32],
        time: npt.NDArray[np.int64],
        value: npt.NDArray[np.float64],
        kind: npt.NDArray[np.uint8],
        texts: int,
        state: FusionState,
    ) -> tuple[npt.NDArray[Any], ...]:
        """``jit.mode`` over the history rows; ``all_signals``: each frame row's signal."""
        if self.spec is None or not rows.shape[0]:
            return ()
        text_symbol = np.empty(0, dtype=np.int16)
        if texts:  # the text rules, over the text rows only (numbers are the loop's)
            text_symbol = np.full(len(frame), _mode.NO_SYMBOL, dtype=np.int16)
            at = np.flatnonzero(frame.kind == Kind.TEXT)
            text_symbol[at] = _mode.symbols(
                self.spec, self.signal_index, all_signals[at], frame.value[at], frame.kind[at],
                frame.text[at],
            )  # fmt: skip
        n_signals = max(len(self.signal_index), int(self.rule_signal.max(initial=-1)) + 1)
        rule_start = np.zeros(n_signals + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.rule_signal, minlength=n_signals), out=rule_start[1:])
        return tuple(
            jit.mode(
                rows, twin, signal, time, value, kind, text_symbol, rule_start, self.rule_op,
                self.rule_limit, self.rule_symbol, self.table, state.mode, state.mode_time,
                self.initial,
            )
        )  # fmt: skip


def commit_numbers(
    seen: npt.NDArray[np.intp],
    seen_key: npt.NDArray[np.int64],
    newer: npt.NDArray[np.bool_],
    update: npt.NDArray[np.intp],
    columns: tuple[npt.NDArray[Any], ...],
    state: FusionState,
) -> npt.NDArray[np.intp]:
    """A committed batch's newest times seen and changed values into ``state`` (``columns``:
    the history's twin, signal, time, value, kind); the positions in ``update`` of rows
    that are not numbers."""
    twin, signal, at, value, kind = columns
    others: npt.NDArray[np.intp] = jit.commit(
        _c(seen, np.int64), _c(seen_key, np.int64), _c(newer, np.bool_), _c(update, np.int64),
        _c(twin, np.int32), _c(signal, np.int32), _c(at, np.int64), _c(value, np.float64),
        _c(kind, np.uint8), state.signals, state.seen_time, state.state_time, state.state_value,
    )  # fmt: skip
    return others


_NONE: list[npt.NDArray[np.object_]] = [np.empty(0, dtype=object)]


def _no_text(rows: int) -> npt.NDArray[np.object_]:
    """``rows`` Nones as a read-only view (the ``text`` column of a batch without text)."""
    if _NONE[0].shape[0] < rows:
        none = np.empty(max(rows, 2 * _NONE[0].shape[0]), dtype=object)
        none.flags.writeable = False
        _NONE[0] = none
    return _NONE[0][:rows]


def _c(array: npt.NDArray[Any], dtype: type[np.generic]) -> npt.NDArray[Any]:
    """``array`` as the loops take it (one compiled variant): C order, writeable, ``dtype``."""
    if array.dtype == dtype and array.flags.c_contiguous and array.flags.writeable:
        return array
    return np.array(array, dtype=dtype, order="C")


_WARMED: list[float] = []


def warm() -> float:
    """Compile every loop (or load it from numba's cache) on a tiny batch, once per process:
    the seconds it took (0.0 when done before). Caching: ``jit.CACHING``."""
    if _WARMED:
        return 0.0
    started = time.perf_counter()
    one_i32, one_f64 = np.zeros(1, np.int32), np.ones(1, np.float64)
    f_time = np.array([2, 1], dtype=np.int64)
    code, twin, signal, value, kind, ok, _, _ = jit.validate(
        np.zeros(2, np.int32), np.zeros(2, np.int32), f_time, np.ones(2, np.float64),
        np.zeros(2, np.uint8), one_i32, np.zeros(1, np.bool_), one_i32, one_f64,
        np.zeros(1, np.float64), np.zeros(1, np.uint8), -one_f64, 2 * one_f64, 10, 10, -1,
    )  # fmt: skip
    rows, keys, h_time, h_twin, h_signal, h_value, h_kind, _ = jit.order(
        ok, f_time, np.zeros(2, np.uint8), twin, signal, value, kind, 1, code, np.empty(8, np.int64)
    )
    seen, seen_key, newer, changed = jit.changes(
        keys, h_time, h_signal, h_value, h_kind, h_kind, one_f64, np.zeros(1, np.int64),
        np.zeros(1, np.float64),
    )  # fmt: skip
    jit.commit(
        seen, seen_key, newer, seen[changed], h_twin, h_signal, h_time, h_value, h_kind, 1,
        np.zeros(1, np.int64), np.zeros(1, np.int64), np.zeros(1, np.float64),
    )  # fmt: skip
    jit.mode(
        rows, h_twin, h_signal, h_time, h_value, h_kind, np.empty(0, np.int16),
        np.array([0, 1], np.int64), np.zeros(1, np.int8), np.zeros(1, np.float64),
        np.zeros(1, np.int16), np.zeros((1, 1), np.int16), np.full(1, -1, np.int16),
        np.zeros(1, np.int64), 0,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    _WARMED.append(seconds)
    cached = "cached on disk" if all(jit.CACHING) else "not cached (no writable cache directory)"
    _LOG.info("fusion kernel compiled or loaded in %.2f s (%s)", seconds, cached)
    return seconds
