"""The typed side of the compiled kernel: arrays in, ``_kernel_jit``'s loops, arrays out.

The loops know numbers only; here the text rows get what needs their Python
strings (their mode symbols before the machine runs, whether a newest text
differs from the state's after), so a batch gives what ``_kernel_numpy`` gives.
Every array goes to the loops with one dtype and layout, so numba compiles each
loop once (``warm`` does it, or loads it from numba's cache).
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from ingest._errors import IngestError
from ingest.frame import Frame, Kind, RejectReason
from ingest.pipeline import _kernel_jit as jit
from ingest.pipeline import _mode
from ingest.pipeline._config import ModeSpec
from ingest.pipeline._crew import Crew, Job
from ingest.pipeline._fused import CODE, Fused
from ingest.pipeline._reuse import Blocks, carve, nbytes
from ingest.pipeline._state import NO_MODE, NO_TIME, FusionState
from ontology.history import Quality

_LOG = logging.getLogger(__name__)
T = TypeVar("T")
MAX_THREADS = 64
"""Most threads a kernel runs (``kernel_threads``)."""
SHARES = 4
"""With threads, the ranges a thread's share of a loop is cut into: the threads take the
next range left in turn (``_share``), so one that starts late (woken after the caller
began, or descheduled on a busy machine) takes fewer, and the caller, whose Python between
the loops the crew waits through, takes fewer where the crew was idle."""
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


def _grown(held: npt.NDArray[np.int64], size: int) -> npt.NDArray[np.int64]:
    """``held`` if it holds ``size`` int64, else a new scratch with room to spare."""
    if held.shape[0] >= size:
        return held
    return np.empty(size + size // 2, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class Steps:
    """One batch through the loops: rejects, history rows in event-time order, changes, mode."""

    code: npt.NDArray[np.uint8]
    """Per frame row: 0 accepted, else the reject code."""
    watermark: int
    twin: npt.NDArray[np.int32]
    """The history, in (time, key) order, without duplicates: twin, signal, time, ..."""
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
    reject_rows: npt.NDArray[np.intp]
    """Frame rows refused, in frame order, with their codes (``code``'s rows not 0)."""
    reject_code: npt.NDArray[np.uint8]
    retired: int
    """How many rows were refused as ``retired_twin``."""
    mode_keys: int
    """How many ``seen`` rows are of the mode machine's signal."""


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
    """The compiled loops for one mode machine (its rules as arrays).

    ``threads``: how many threads run a batch's loops. With two or more, the mode machine
    runs on a thread of the kernel's own pool while the newest-per-key step runs on the
    caller's (the two read the ordered history and write apart), and ``jit.prepare``'s
    validation pass is split over row ranges; every batch is the same as with one.
    """

    def __init__(
        self, spec: ModeSpec | None, signal_index: dict[str, int], threads: int = 1
    ) -> None:
        if not 1 <= threads <= MAX_THREADS:
            msg = f"kernel_threads {threads!r}: expected 1 to {MAX_THREADS}"
            raise IngestError(msg)
        self.threads = threads
        self.rows_per_range = 16_384
        """Fewest rows a thread validates (a range costs a task: tens of microseconds)."""
        self.tasks = 1 if threads == 1 else SHARES * threads
        """Ranges validate, merge and commit are cut into (``SHARES`` a thread with threads)."""
        self.late_rows_per_range = 1_024
        """Fewest late rows a thread searches for duplicates (a search a row, some
        ten times a row's validation)."""
        self._pool = Crew(threads - 1, "fusion-kernel") if threads > 1 else None
        self.spec = spec
        self.signal_index = signal_index
        self.initial = 0 if spec is None else spec.states.index(spec.initial)
        self.mode_signal = -1 if spec is None else signal_index[spec.signal]
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
        n_signals = max([len(signal_index)] + [r[0] + 1 for r in rules])
        self.cut, self.piece_symbol = _pieces(rules, n_signals)
        """Per signal, its rules' numbers sorted (NaN-padded), and the first rule's symbol
        met in each piece they cut the line into (``jit.mode``)."""
        self._work = np.empty(0, dtype=np.int64)
        """The loops' scratch per row, kept between batches (a kernel runs one batch at a
        time): fresh memory costs a page fault per 4 KiB."""
        self._words = np.zeros(0, dtype=np.uint64)
        """``jit.newest``'s bitmap of keys, a word a 64 keys (kept zero: ``jit.gather``
        clears it)."""
        self._slots = np.empty(0, dtype=np.int32)
        """``jit.newest``'s row a key (read by ``jit.gather`` for the keys it marked only)."""
        self._blocks = Blocks()
        """Memory for a batch's codes, history columns and changes (used again once no
        batch holds it)."""
        self._twin_work = np.zeros(0, dtype=np.int32)
        """``jit.mode``'s scratch per twin (``jit.TWIN_RECORD`` int32, kept zero)."""
        self._mode_work = np.empty(0, dtype=np.int64)
        """``jit.mode``'s scratch per row with threads (apart from ``_work``: the machine runs
        beside ``changes``)."""

    @property
    def mapped_bytes(self) -> int:
        """The mapped blocks' bytes (``Blocks.nbytes``)."""
        return self._blocks.nbytes

    def _scratch(self, size: int) -> npt.NDArray[np.int64]:
        """``size`` int64 of the kept scratch (grown with room to spare)."""
        self._work = _grown(self._work, size)
        return self._work

    def _order(
        self,
        frame: Frame,
        maps: tuple[npt.NDArray[Any], ...],
        limits: Limits,
        state: FusionState,
        work: npt.NDArray[np.int64],
        columns: list[npt.NDArray[Any]],
    ) -> tuple[int, int, int]:
        """Validate (a range of rows a thread), then order: the watermark, how many rows are
        text and how many the history has (``run``'s ``columns``: code, then the history's;
        its frame rows are written only where some rows are text, the rows' only use)."""
        twin_map, retired, signal_map, scale, offset = (
            _c(maps[0], np.int32), _c(maps[1], np.bool_), _c(maps[2], np.int32),
            _c(maps[3], np.float64), _c(maps[4], np.float64),
        )  # fmt: skip
        f_twin, f_signal, f_time = (
            _c(frame.twin, np.int32), _c(frame.signal, np.int32), _c(frame.time, np.int64)
        )  # fmt: skip
        f_value, f_kind, code = _c(frame.value, np.float64), _c(frame.kind, np.uint8), columns[0]

        def validate(lo: int, hi: int) -> tuple[int, int, int, int, int]:
            return jit.validate(
                lo, hi, f_twin, f_signal, f_time, f_value, f_kind, twin_map, retired,
                signal_map, scale, offset, limits.sig_type, limits.low, limits.high,
                limits.future_limit, int(state.watermark), state.signals, work, code,
            )  # fmt: skip

        bounds = _ranges(len(frame), self.tasks, self.rows_per_range)
        found = self._share([partial(validate, lo, hi) for lo, hi in bounds])
        watermark = max(int(f[0]) for f in found)
        first = min(int(f[1]) for f in found)
        lists = [(int(f[3]), int(f[4])) for f in found]
        oldest = max(watermark - limits.lateness_us, NO_TIME)
        if watermark != NO_TIME and any(main for main, _ in lists) and first < oldest:
            lists = self._share(  # some accepted rows are too late: refuse them, split again
                [partial(jit.split, lo, hi, oldest, f_time, work, code) for lo, hi in bounds]
            )
        ranges = np.array(
            [(lo, main, late) for (lo, _), (main, late) in zip(bounds, lists, strict=True)],
            dtype=np.int64,
        ).reshape(-1, 3)
        late, starts, before = jit.order_lists(ranges, f_time, work, code)
        rows = int(before[-1]) + late.shape[0]
        parts = len(_ranges(rows, self.tasks, self.rows_per_range))
        if parts > 1:  # the history's length first: the late rows' duplicates, a range a thread
            repeated = self._share(
                [
                    partial(jit.late_duplicates, lo, hi, late, starts, before, f_time, work, code)
                    for lo, hi in _ranges(late.shape[0], self.threads, self.late_rows_per_range)
                ]
            )
            if sum(repeated):  # dropped: no tie is left between the lists
                late = late[code[late] == 0]
        cuts = jit.merge_cuts(parts, starts, before, late, f_time, work)
        texts = sum(int(f[2]) for f in found)
        history = columns[1:8] if texts else [columns[1][:0], *columns[2:8]]
        arrays = (late, f_time, _c(frame.quality, np.uint8), work, code, *history)
        kept = self._share(  # a part of the history a thread
            [partial(jit.merge, part, cuts, starts, before, *arrays) for part in range(parts)]
        )
        return watermark, texts, sum(int(k) for k in kept)

    def _share(self, tasks: list[Callable[[], T]]) -> list[T]:
        """Each task's result, in order: this thread and the pool's each take the next task
        not yet taken until none is left (a pool thread still busy with the mode machine
        takes fewer); every task has ended when this returns or raises."""
        if self._pool is None or len(tasks) == 1:
            return [task() for task in tasks]
        results: dict[int, T] = {}
        claims = itertools.count()  # one next() at a time: the interpreter's lock

        def drain() -> None:
            while (i := next(claims)) < len(tasks):
                results[i] = tasks[i]()

        helpers = [self._pool.submit(drain) for _ in range(min(self.threads, len(tasks)) - 1)]
        started: list[Job[None]] = []
        try:
            drain()
        finally:  # a helper no thread has started has nothing left to do: not waited for
            started = [helper for helper in helpers if not helper.cancel()]
            for helper in started:
                helper.wait()
        for helper in started:
            helper.result()  # a helper's error
        return [results[i] for i in range(len(tasks))]

    def _mode_scratch(self, size: int) -> npt.NDArray[np.int64]:
        """``size`` int64 of ``jit.mode``'s kept scratch: on one thread the loops' (the
        machine runs after the newest-per-key step: less memory to keep in the caches)."""
        if self._pool is None:
            return self._scratch(size)
        self._mode_work = _grown(self._mode_work, size)
        return self._mode_work

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
        n = len(frame)
        work = self._scratch(6 * n)
        history = ((n, np.int64), (n, np.int64), (n, np.int32), (n, np.int32), (n, np.float64),
                   (n, np.uint8), (n, np.uint8))  # fmt: skip
        newest = ((n, np.int64), (n, np.int64), (n, np.bool_), (n, np.bool_), (n, np.int64))
        refused = ((n, np.int64), (n, np.uint8))
        columns = carve(self._blocks.take(nbytes((n, np.uint8), *history, *newest, *refused)),
                        (n, np.uint8), *history, *newest, *refused)  # fmt: skip
        code = columns[0]
        watermark, texts, m = self._order(
            frame, (twin_map, retired, signal_map, scale, offset), limits, state, work, columns
        )
        rows, h_time, h_twin, h_signal, h_value, h_kind, h_quality = (
            column[: m if texts else 0] if i == 1 else column[:m]
            for i, column in enumerate(columns[1:8], 1)
        )
        signal = signal_map[frame.signal] if texts else signal_map[:0]
        mode_args = (frame, signal, rows, h_twin, h_signal, h_time, h_value, h_kind, texts, state)
        pending = None if self._pool is None else self._pool.submit(partial(self._mode, *mode_args))
        words = code[: n - n % 8].view(np.uint64)  # the block's columns start on a cache line
        n_bad, n_retired = jit.rejects(code, words, columns[13], columns[14])
        try:
            count, n_update, mode_keys = self._changes(
                h_twin, h_time, h_signal, h_value, h_kind, h_quality, limits.deadband, state,
                work, columns[8:13],
            )  # fmt: skip
        except BaseException:  # the machine's thread still holds its scratch: let it end
            if pending is not None and not pending.cancel():
                pending.wait()
            raise
        seen, seen_key, newer, changed = (column[:count] for column in columns[8:12])
        update = columns[12][:n_update]
        if texts:
            h_text = frame.text[rows]
            at = np.flatnonzero(h_kind[seen] == Kind.TEXT)  # object arrays: the text rows only
            if at.size:
                moved = h_text[seen[at]] != state.state_text[seen_key[at]]
                changed[at] = newer[at] & moved
                update = seen[changed]
        else:  # no text: a view of a shared, read-only column of None (no write per row)
            h_text = _no_text(m)
        # the machine's thread not started yet (the system runs others): done here
        mode = self._mode(*mode_args) if pending is None or pending.cancel() else pending.result()
        return Steps(
            code, int(watermark), h_twin, h_signal, h_time, h_value, h_kind, h_text, h_quality,
            seen, seen_key, newer, update, mode, columns[13][:n_bad], columns[14][:n_bad],
            n_retired, mode_keys,
        )  # fmt: skip

    def _changes(
        self,
        h_twin: npt.NDArray[np.int32],
        h_time: npt.NDArray[np.int64],
        h_signal: npt.NDArray[np.int32],
        h_value: npt.NDArray[np.float64],
        h_kind: npt.NDArray[np.uint8],
        h_quality: npt.NDArray[np.uint8],
        deadband: npt.NDArray[np.float64],
        state: FusionState,
        work: npt.NDArray[np.int64],
        out: list[npt.NDArray[Any]],
    ) -> tuple[int, int, int]:
        """``jit.newest``, ``jit.gather`` over ranges of the key bitmap's words, then
        ``jit.changes`` over blocks of rows (both shared by the threads: the pool's joins when
        the mode machine is done); ``out``: seen, seen_key, newer, changed, update. How many
        keys, how many updates, how many keys are of the mode signal.

        The state is read in key order (``jit.gather``), the changes then made in row order
        from each newest row's copy of it. ``work``: the rows' scratch (its first three int64
        a row: the copies and the flags)."""
        m = h_twin.shape[0]
        keys = state.seen_time.shape[0]
        if self._words.shape[0] <= keys >> 6:
            self._words = np.zeros((keys >> 6) + 1, dtype=np.uint64)
        if self._slots.shape[0] < keys:
            self._slots = np.empty(keys, dtype=np.int32)
        rec, flag = work[: 2 * m], work[2 * m : 3 * m].view(np.uint8)[:m]
        jit.newest(h_twin, h_signal, state.signals, self._words, self._slots, flag)
        shift = max(0, self.rows_per_range.bit_length() - 1)  # blocks of rows: a power of two
        blocks = (m >> shift) + 1
        words = _ranges(self._words.shape[0], self.tasks, max(1, self.rows_per_range >> 2))
        counts = np.zeros((len(words), blocks), dtype=np.int64)

        def gather(i: int, lo: int, hi: int) -> None:
            jit.gather(
                lo, hi, self._words, self._slots, state.seen_time, state.state_value, rec, flag,
                counts[i], shift,
            )  # fmt: skip

        self._share([partial(gather, i, lo, hi) for i, (lo, hi) in enumerate(words)])
        per_block = counts.sum(axis=0)
        firsts = np.concatenate(([0], np.cumsum(per_block)))
        count = int(firsts[-1])
        seen, seen_key, newer, changed, update = out
        parts = _ranges(blocks, self.tasks, 1)

        def share(lo: int, hi: int) -> tuple[int, int]:
            return jit.changes(
                lo << shift, min(m, hi << shift), int(firsts[lo]), flag,
                rec, h_twin, state.signals, h_time, h_signal, h_value, h_kind, h_quality,
                deadband, self.mode_signal, seen, seen_key, newer, changed, update,
            )  # fmt: skip

        counted = self._share([partial(share, lo, hi) for lo, hi in parts])
        at = counted[0][0]
        for (lo, _), (n_part, _) in zip(parts[1:], counted[1:], strict=True):  # one list
            start = int(firsts[lo])
            update[at : at + n_part] = update[start : start + n_part]
            at += n_part
        return count, at, sum(mine for _, mine in counted)

    def commit_numbers(
        self,
        seen: npt.NDArray[np.intp],
        seen_key: npt.NDArray[np.int64],
        newer: npt.NDArray[np.bool_],
        update: npt.NDArray[np.intp],
        columns: tuple[npt.NDArray[Any], ...],
        state: FusionState,
        beside: Callable[[], None] | None = None,
    ) -> npt.NDArray[np.intp]:
        """A committed batch's newest times seen and changed values into ``state`` (``columns``:
        the history's twin, signal, time, value, kind; shared by the threads); the positions
        in ``update`` of rows that are not numbers. ``beside``: a task that writes none of
        these keys, run by the threads too (the mode machine's writes)."""
        twin, signal, at, value, kind = columns
        arrays = (
            _c(seen, np.int64), _c(seen_key, np.int64), _c(newer, np.bool_), _c(update, np.int64),
            _c(twin, np.int32), _c(signal, np.int32), _c(at, np.int64), _c(value, np.float64),
            _c(kind, np.uint8), state.signals, state.seen_time, state.state_time,
            state.state_value,
        )  # fmt: skip
        rows = seen.shape[0] + update.shape[0]
        parts = max(1, min(self.tasks, rows // self.rows_per_range))
        tasks: list[Callable[[], int | None]] = [
            partial(jit.commit, part, parts, *arrays) for part in range(parts)
        ]
        others = self._share(tasks if beside is None else [*tasks, beside])[:parts]
        if not sum(int(n) for n in others if n is not None):
            return np.empty(0, dtype=np.intp)
        return np.flatnonzero(kind[update] != Kind.NUMBER)

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
        """``jit.mode`` over the history rows; ``all_signals``: each frame row's signal;
        ``rows``: the history's frame rows where some rows are text (else empty)."""
        if self.spec is None or not twin.shape[0]:
            return ()
        text_symbol = np.empty(0, dtype=np.int16)
        if texts:  # the text rules, over the text rows only (numbers are the loop's)
            text_symbol = np.full(len(frame), _mode.NO_SYMBOL, dtype=np.int16)
            at = np.flatnonzero(frame.kind == Kind.TEXT)
            text_symbol[at] = _mode.symbols(
                self.spec, self.signal_index, all_signals[at], frame.value[at], frame.kind[at],
                frame.text[at],
            )  # fmt: skip
        twins = state.mode.shape[0]
        if self._twin_work.shape[0] != jit.TWIN_RECORD * twins:
            self._twin_work = np.zeros(jit.TWIN_RECORD * twins, dtype=np.int32)
        return tuple(
            jit.mode(
                rows, twin, signal, time, value, kind, text_symbol, self.cut,
                self.piece_symbol, self.table, state.mode, state.mode_time, self.initial,
                self._twin_work, self._mode_scratch(4 * twin.shape[0] + 2),
            )
        )  # fmt: skip


def _ranges(n: int, threads: int, least: int) -> list[tuple[int, int]]:
    """Rows ``0`` to ``n`` cut into up to ``threads`` ranges of about equal size, each of
    ``least`` rows or more (or one range)."""
    parts = max(1, min(threads, n // max(1, least)))
    cuts = [n * i // parts for i in range(parts + 1)]
    return list(itertools.pairwise(cuts))


_COMPARE = (np.greater, np.greater_equal, np.less, np.less_equal, np.equal, np.not_equal)
"""``jit.OPS``'s comparisons."""


def _pieces(
    rules: list[tuple[int, int, float, int]], n_signals: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int16]]:
    """``jit.mode``'s tables from (signal, op, limit, symbol) rules in order: per signal its
    limits sorted, padded with NaN to one width; the symbol of each piece they cut."""
    limits: list[list[float]] = [[] for _ in range(n_signals)]
    for signal, _, limit, _ in rules:
        if limit not in limits[signal]:
            limits[signal].append(limit)
    width = max([1] + [len(mine) for mine in limits])
    cut = np.full((n_signals, width), np.nan)
    piece_symbol = np.full((n_signals, 2 * width + 2), -1, dtype=np.int16)
    for signal, mine in enumerate(limits):
        mine.sort()
        cut[signal, : len(mine)] = mine
        # one value in each piece: below the first, at each, between, above the last; NaN
        points = [np.nextafter(mine[0], -np.inf)] if mine else [0.0]
        for i, limit in enumerate(mine):
            above = mine[i + 1] if i + 1 < len(mine) else np.inf
            points += [limit, np.nextafter(limit, above) if above > limit else above]
        for piece, value in enumerate([*points, np.nan]):
            slot = 2 * width + 1 if np.isnan(value) else piece
            for s, op, limit, symbol in rules:
                if s == signal and bool(_COMPARE[op](value, limit)):
                    piece_symbol[signal, slot] = symbol
                    break
    return cut, piece_symbol


def commit_modes(
    fused: Fused, names: npt.NDArray[np.object_], mode_signal: int, state: FusionState
) -> None:
    """A committed batch's modes, the machine's clocks, the mode signal's times and its
    text (``names[mode]``, written when read: ``FusionState.name_modes``) into ``state``
    (after ``commit_numbers``)."""
    mode_name = state.name_modes(names, mode_signal)
    changed = jit.commit_mode(
        _c(fused.mode_twin, np.int32), _c(fused.mode_state, np.int16),
        _c(fused.mode_time, np.int64), _c(fused.mode_changed, np.bool_),
        _c(fused.moves.twin, np.int32), _c(fused.moves.time, np.int64), mode_signal,
        state.signals, state.mode, state.mode_time, state.seen_time, state.state_time, mode_name,
    )  # fmt: skip
    state.naming = state.naming or changed > 0


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
    work = np.empty(12, np.int64)
    i64, i32, u8 = np.empty(2, np.int64), np.empty(2, np.int32), np.empty(2, np.uint8)
    rows, h_time, h_value = i64.copy(), i64.copy(), np.empty(2, np.float64)
    h_twin, h_signal, h_kind, h_quality = i32.copy(), i32.copy(), u8.copy(), u8.copy()
    f_time, code = np.array([2, 1], dtype=np.int64), u8.copy()
    jit.rejects(code, np.zeros(0, np.uint64), np.empty(2, np.int64), np.empty(2, np.uint8))
    jit.validate(
        0, 2, np.zeros(2, np.int32), np.zeros(2, np.int32), f_time, np.ones(2, np.float64),
        np.zeros(2, np.uint8), one_i32, np.zeros(1, np.bool_), one_i32, one_f64,
        np.zeros(1, np.float64), np.zeros(1, np.uint8), -one_f64, 2 * one_f64, 10, -1, 1,
        work, code,
    )  # fmt: skip
    ranges = np.array([[0, *jit.split(0, 2, -1, f_time, work, code)]], dtype=np.int64)
    late, starts, before = jit.order_lists(ranges, f_time, work, code)
    jit.late_duplicates(0, late.shape[0], late, starts, before, f_time, work, code)
    cuts = jit.merge_cuts(1, starts, before, late, f_time, work)
    history = (rows, h_time, h_twin, h_signal, h_value, h_kind, h_quality)
    m = jit.merge(
        0, cuts, starts, before, late, f_time, np.zeros(2, np.uint8), work, code, *history
    )
    rows, h_time, h_twin, h_signal, h_value, h_kind, h_quality = (
        rows[:m], h_time[:m], h_twin[:m], h_signal[:m], h_value[:m], h_kind[:m], h_quality[:m]
    )  # fmt: skip
    seen, seen_key, update = i64.copy(), i64.copy(), i64.copy()
    newer, changed = np.empty(2, np.bool_), np.empty(2, np.bool_)
    marks, slots, flag = np.zeros(1, np.uint64), np.empty(1, np.int32), np.empty(2, np.uint8)
    jit.newest(h_twin, h_signal, 1, marks, slots, flag)
    counts = np.zeros(2, np.int64)
    jit.gather(
        0, 1, marks, slots, np.zeros(1, np.int64), np.zeros(1, np.float64), work, flag, counts, 0
    )
    count = int(counts.sum())
    n_update, _ = jit.changes(
        0, m, 0, flag, work, h_twin, 1, h_time, h_signal, h_value, h_kind, h_quality, one_f64, 0,
        seen, seen_key, newer, changed, update,
    )  # fmt: skip
    seen, seen_key, newer, update = seen[:count], seen_key[:count], newer[:count], update[:n_update]
    jit.commit(
        0, 1, seen, seen_key, newer, update, h_twin, h_signal, h_time, h_value, h_kind, 1,
        np.zeros(1, np.int64), np.zeros(1, np.int64), np.zeros(1, np.float64),
    )  # fmt: skip
    moved = jit.mode(
        rows, h_twin, h_signal, h_time, h_value, h_kind, np.empty(0, np.int16),
        np.full((1, 1), np.nan), np.full((1, 4), -1, np.int16), np.zeros((1, 1), np.int16),
        np.full(1, -1, np.int16), np.zeros(1, np.int64), 0,
        np.zeros(jit.TWIN_RECORD, np.int32), work,
    )  # fmt: skip
    jit.commit_mode(
        *moved[:6], 0, 1, np.full(1, -1, np.int16), np.zeros(1, np.int64),
        np.zeros(1, np.int64), np.zeros(1, np.int64), np.full(1, -1, np.int16),
    )  # fmt: skip
    seconds = time.perf_counter() - started
    _WARMED.append(seconds)
    cached = "cached on disk" if all(jit.CACHING) else "not cached (no writable cache directory)"
    _LOG.info("fusion kernel compiled or loaded in %.2f s (%s)", seconds, cached)
    return seconds
