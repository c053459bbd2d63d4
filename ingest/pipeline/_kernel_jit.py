"""The fusion kernel's loops, compiled by numba: validate, order, newest per key, mode machine.

Each function is one or two passes over a batch's rows, written as plain loops
over numpy arrays; numba turns them into machine code at the first call (or
loads them from its cache). They are the numpy kernel's steps with the same
results (``_kernel_numpy`` is the reference; tests compare both), without the
object columns: text rows are the typed wrapper's (``_kernel_compiled``).

Only ``_kernel_compiled`` calls these. The reject codes below are
``_kernel.CODE``'s; the wrapper checks they agree when it is imported.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np
import numpy.typing as npt
from numba.core import cgutils, types
from numba.extending import intrinsic

F = TypeVar("F", bound=Callable[..., Any])

UNKNOWN_TWIN = 6
UNKNOWN_SIGNAL = 7
RETIRED_TWIN = 8
WRONG_TYPE = 4
NOT_FINITE = 9
OUT_OF_RANGE = 10
TOO_FAR_FUTURE = 11
TOO_LATE = 12
DUPLICATE = 13
NUMBER, BOOLEAN, TEXT, NULL = 0, 1, 2, 3
STALE = 3
NO_TIME = -(2**63)
NO_MODE = -1
TWIN_RECORD = 1
"""int32 of ``mode``'s scratch a twin (its rows' count, then where they go), zero between
batches."""
OPS = ("gt", "ge", "lt", "le", "eq", "ne")
"""Rule operators by code."""

CACHING: list[bool] = []
"""One entry per compiled function: True where numba caches its machine code on disk."""


def _jit(function: F) -> F:
    """``numba.njit(cache=True, nogil=True)``, or without a cache where numba finds no
    writable place for one (an installed package's read-only directory and no user cache
    directory). ``nogil``: a loop runs without Python's lock, so the kernel's threads
    (``_kernel_compiled.CompiledKernel``'s pool) run loops at once."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", numba.NumbaWarning)
            compiled = numba.njit(cache=True, nogil=True)(function)
        CACHING.append(True)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        compiled = numba.njit(cache=False, nogil=True)(function)
        CACHING.append(False)
    return cast(F, compiled)


def _inlined(function: F) -> F:
    """``numba.njit(inline="always")``: the function's body goes into each compiled caller
    (a call a row would cost a reference count per array argument, more than the body);
    never called from Python."""
    return cast(F, numba.njit(inline="always")(function))


AHEAD = 16
"""Rows ahead whose per-key or per-twin state a loop asks the memory for (``_prefetch``)."""


_LLVM: Any = cgutils
"""numba's code-generation helpers and llvmlite's IR (``_LLVM.ir``), untyped."""


def _prefetch_codegen(write: int) -> Callable[..., Any]:
    """The code of ``_prefetch`` (``write`` 0) or ``_prefetch_write`` (1): LLVM's prefetch of
    the cache line of ``array[index]``, for a read or for a write."""

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        kind, ir = signature.args[0], _LLVM.ir
        view = context.make_array(kind)(context, builder, args[0])
        pointer = _LLVM.get_item_pointer(context, builder, kind, view, [args[1]], wraparound=False)
        byte_pointer, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
        function = _LLVM.get_or_insert_function(
            builder.module,
            ir.FunctionType(ir.VoidType(), [byte_pointer, i32, i32, i32]),
            "llvm.prefetch.p0i8",
        )
        rw, locality, data = ir.Constant(i32, write), ir.Constant(i32, 3), ir.Constant(i32, 1)
        builder.call(function, [builder.bitcast(pointer, byte_pointer), rw, locality, data])
        return context.get_dummy_value()

    return codegen


@intrinsic
def _prefetch_intrinsic(typingctx: Any, array: Any, index: Any) -> Any:
    """Ask for the cache line of ``array[index]`` without waiting for it (LLVM's prefetch:
    it never faults, so an index past the end is harmless; no bounds are checked).

    A random read per row waits about a hundred nanoseconds when it misses the cache, and a
    branch the processor guessed wrong throws away the reads it had started after it: asked
    ``AHEAD`` rows early, the line is there when the row comes."""
    del typingctx
    return types.void(array, index), _prefetch_codegen(0)


@intrinsic
def _prefetch_write_intrinsic(typingctx: Any, array: Any, index: Any) -> Any:
    """``_prefetch`` for a line the loop will write and not read: the line is asked for
    as its own (exclusive), so the write does not ask for it a second time."""
    del typingctx
    return types.void(array, index), _prefetch_codegen(1)


@intrinsic
def _trailing_zeros_intrinsic(typingctx: Any, word: Any) -> Any:
    """The number of zero bits below the lowest one of ``word`` (not 0: LLVM's ``cttz``, one
    instruction)."""
    del typingctx

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        del context, signature
        return builder.cttz(args[0], _LLVM.ir.Constant(_LLVM.ir.IntType(1), 1))

    return word(word), codegen


_prefetch = cast(Callable[[npt.NDArray[Any], int], None], _prefetch_intrinsic)
_trailing_zeros = cast(Callable[[np.uint64], np.uint64], _trailing_zeros_intrinsic)
_prefetch_write = cast(Callable[[npt.NDArray[Any], int], None], _prefetch_write_intrinsic)


# ------------------------------------------------------------------ 1-2. validate, order
@_jit
def _merge_sort(
    index: npt.NDArray[np.int64], t: npt.NDArray[np.int64], k: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """``index`` sorted by (t, k, row): its ascending runs, merged pairwise (adaptive). The
    row breaks ties, so equal (t, k) stay in frame order however the list was put together.

    Each row's (t, k) is read once, into arrays of the list's own that the merges move
    with the rows: the rows are far apart in the frame (late rows), and the merges compare
    each some ten times. The loops here compare inline: a call to another compiled
    function per row costs a reference count per array argument (atomic), more than the
    comparison."""
    m = index.shape[0]
    if m < 2:
        return index
    src_r = index.copy()
    src_t, src_k = np.empty(m, dtype=np.int64), np.empty(m, dtype=np.int64)
    for i in range(m):
        src_t[i], src_k[i] = t[src_r[i]], k[src_r[i]]
    bounds = [0]
    for i in range(1, m):
        tb, ta, kb, ka = src_t[i], src_t[i - 1], src_k[i], src_k[i - 1]
        if tb < ta or (tb == ta and (kb < ka or (kb == ka and src_r[i] < src_r[i - 1]))):
            bounds.append(i)
    bounds.append(m)
    dst_r, dst_t, dst_k = np.empty_like(src_r), np.empty_like(src_t), np.empty_like(src_k)
    while len(bounds) > 2:
        merged = [0]
        for r in range(0, len(bounds) - 1, 2):
            lo = bounds[r]
            if r + 2 >= len(bounds):  # an odd run out: copied
                hi = bounds[r + 1]
                dst_r[lo:hi], dst_t[lo:hi], dst_k[lo:hi] = src_r[lo:hi], src_t[lo:hi], src_k[lo:hi]
                merged.append(hi)
                continue
            mid, hi = bounds[r + 1], bounds[r + 2]
            a, b, o = lo, mid, lo
            while a < mid and b < hi:
                tb, ta, kb, ka = src_t[b], src_t[a], src_k[b], src_k[a]
                if tb < ta or (tb == ta and (kb < ka or (kb == ka and src_r[b] < src_r[a]))):
                    dst_r[o], dst_t[o], dst_k[o] = src_r[b], tb, kb
                    b += 1
                else:
                    dst_r[o], dst_t[o], dst_k[o] = src_r[a], ta, ka
                    a += 1
                o += 1
            rest = mid - a
            dst_r[o : o + rest], dst_t[o : o + rest] = src_r[a:mid], src_t[a:mid]
            dst_k[o : o + rest] = src_k[a:mid]
            o += rest
            dst_r[o : o + hi - b], dst_t[o : o + hi - b] = src_r[b:hi], src_t[b:hi]
            dst_k[o : o + hi - b] = src_k[b:hi]
            merged.append(hi)
        src_r, dst_r = dst_r, src_r
        src_t, dst_t = dst_t, src_t
        src_k, dst_k = dst_k, src_k
        bounds = merged
    return src_r


@_jit
def _check(
    f_twin: npt.NDArray[np.int32],
    f_signal: npt.NDArray[np.int32],
    twin_map: npt.NDArray[np.int32],
    signal_map: npt.NDArray[np.int32],
    lo: int,
    hi: int,
) -> None:
    """Every twin and signal code of rows ``lo`` to ``hi`` indexes its name tables (the loops
    do not check)."""
    n_twins, n_signals = twin_map.shape[0], signal_map.shape[0]
    bad = False
    for i in range(lo, hi):
        ft, fs = f_twin[i], f_signal[i]
        bad |= (ft < 0) | (ft >= n_twins) | (fs < 0) | (fs >= n_signals)
    if bad:
        msg = "a frame's twin or signal code is outside its name table"
        raise IndexError(msg)


@_jit
def validate(
    lo: int,
    hi: int,
    f_twin: npt.NDArray[np.int32],
    f_signal: npt.NDArray[np.int32],
    f_time: npt.NDArray[np.int64],
    f_value: npt.NDArray[np.float64],
    f_kind: npt.NDArray[np.uint8],
    twin_map: npt.NDArray[np.int32],
    retired: npt.NDArray[np.bool_],
    signal_map: npt.NDArray[np.int32],
    scale: npt.NDArray[np.float64],
    offset: npt.NDArray[np.float64],
    sig_type: npt.NDArray[np.uint8],
    sig_low: npt.NDArray[np.float64],
    sig_high: npt.NDArray[np.float64],
    future_limit: int,
    watermark: int,
    signals: int,
    work: npt.NDArray[np.int64],
    code: npt.NDArray[np.uint8],
) -> tuple[int, int, int, int, int]:
    """Validate frame rows ``lo`` to ``hi`` (a thread may take each range): each row's reject
    code into ``code`` (the first reason met, 0: accepted), an accepted row's key, value,
    twin, signal and kind into ``work`` (``_layout``), and, as sources deliver nearly
    ordered frames, the accepted rows into the range's main and late lists (``split``'s
    step, ``_place``, as each row is validated: one pass over the range, not two).
    Returns the watermark (``watermark`` or the latest accepted time), the earliest
    accepted time, how many rows are text, and the two lists' lengths.
    """
    n = f_time.shape[0]
    _check(f_twin, f_signal, twin_map, signal_map, lo, hi)
    w_key, w_value, w_ts, w_kind, main, late = _layout(work, n)
    n_retired = retired.shape[0]
    texts = 0
    first = np.iinfo(np.int64).max  # the earliest accepted time
    lists = (0, 0, 0, 0)  # the lists' lengths, the main list's last time and key (``_place``)
    range_main, range_late = main[lo:], late[lo:]
    for i in range(lo, hi):
        fs = f_signal[i]
        t = twin_map[f_twin[i]]
        s = signal_map[fs]
        c = 0
        if t < 0:
            c = UNKNOWN_TWIN
        elif t < n_retired and retired[t]:
            c = RETIRED_TWIN
        if c == 0 and s < 0:
            c = UNKNOWN_SIGNAL
        expected = sig_type[s] if s >= 0 else 0  # (a refused row: its kind is not used)
        k = f_kind[i]
        v = f_value[i]
        is_number = k == NUMBER
        texts += k == TEXT
        if c == 0:
            fits = (
                k == NULL
                or (expected == 0 and is_number)
                or (expected == 2 and k == TEXT)
                or (expected == 1 and (k == BOOLEAN or (is_number and (v == 0.0 or v == 1.0))))
            )
            if not fits:
                c = WRONG_TYPE
        if expected == 1 and is_number:
            k = BOOLEAN
        convert = is_number and expected == 0
        if convert:
            v = v * scale[fs] + offset[fs]
        if c == 0 and is_number and not np.isfinite(v):
            c = NOT_FINITE
        if c == 0 and convert:
            ss = s if s >= 0 else 0
            if v < sig_low[ss] or v > sig_high[ss]:
                c = OUT_OF_RANGE
        if c == 0 and f_time[i] > future_limit:
            c = TOO_FAR_FUTURE
        code[i] = c
        if c != 0:
            continue
        at = f_time[i]
        key = np.int64(t) * signals + s
        watermark = max(watermark, at)
        first = min(first, at)
        w_key[i] = key
        w_value[i] = v
        w_ts[2 * i] = t
        w_ts[2 * i + 1] = s
        w_kind[i] = k
        lists = _place(i, at, key, lists, range_main, range_late, code)
    n_main, n_late = lists[0], lists[1]
    if n_late > 1:  # sorted here, a range a thread: ``order_lists`` merges the sorted runs
        late[lo : lo + n_late] = _merge_sort(late[lo : lo + n_late], f_time, w_key)
    return watermark, first, texts, n_main, n_late


@_jit
def split(
    lo: int,
    hi: int,
    oldest: int,
    f_time: npt.NDArray[np.int64],
    work: npt.NDArray[np.int64],
    code: npt.NDArray[np.uint8],
) -> tuple[int, int]:
    """The accepted rows of ``lo`` to ``hi`` (a thread may take each range) into the range's
    main list where they keep its order, else into its late list (``_layout``'s
    ``main[lo:]``, ``late[lo:]``); a row repeating the main list's last (time, key) is a
    duplicate (that row came first in the frame and no row sorts between them); a row
    older than ``oldest`` is too late. The late list is sorted as ``order_lists`` sorts
    (then a run for its merge sort). The lists' lengths.

    ``validate`` places its rows so as it validates them (``oldest``: none); where some
    accepted rows are too late for the batch's watermark (known after every range is
    validated) this runs over the range again: a duplicate is judged again too (it is as
    old as its first)."""
    w_key, _, _, _, main, late = _layout(work, f_time.shape[0])
    lists = (0, 0, 0, 0)
    range_main, range_late = main[lo:], late[lo:]
    for i in range(lo, hi):
        c = code[i]
        if c != 0 and c != DUPLICATE:
            continue
        at, key = f_time[i], w_key[i]
        if at < oldest:
            code[i] = TOO_LATE
        else:
            lists = _place(i, at, key, lists, range_main, range_late, code)
    n_main, n_late = lists[0], lists[1]
    if n_late > 1:  # as ``validate`` sorts them
        late[lo : lo + n_late] = _merge_sort(late[lo : lo + n_late], f_time, w_key)
    return n_main, n_late


@_inlined
def _place(
    i: int,
    at: int,
    key: int,
    lists: tuple[int, int, int, int],
    main: npt.NDArray[np.int64],
    late: npt.NDArray[np.int64],
    code: npt.NDArray[np.uint8],
) -> tuple[int, int, int, int]:
    """``split``'s step for accepted row ``i`` (time ``at``, key ``key``): a duplicate of
    the main list's last row, else into the main list where it keeps its order, else into
    the late list (``main``, ``late``: the range's). ``lists``: the lists' lengths and the
    main list's last time and key, before the row and (returned) after it."""
    n_main, n_late, last_t, last_k = lists
    if n_main and at == last_t and key == last_k:
        code[i] = DUPLICATE
    elif n_main == 0 or not (at < last_t or (at == last_t and key < last_k)):
        code[i] = 0
        main[n_main] = i
        n_main += 1
        last_t, last_k = at, key
    else:
        code[i] = 0
        late[n_late] = i
        n_late += 1
    return n_main, n_late, last_t, last_k


@_jit
def order_lists(
    ranges: npt.NDArray[np.int64],
    f_time: npt.NDArray[np.int64],
    work: npt.NDArray[np.int64],
    code: npt.NDArray[np.uint8],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Ordering's first step over validated ranges (``ranges``: per range its first row and
    its main and late lists' lengths, in frame order): the late rows sorted by (time, key,
    row); where each range's kept main rows start in ``_layout``'s main list; how many kept
    main rows come before each range (and, last, in all).

    A range's main rows that sort before the main rows kept from the ranges before it (a
    prefix: the list is in order) join the late ones, and a row then repeating the last
    kept (time, key) is a duplicate: the kept main rows run on in strict order from range
    to range, one sorted list (``merge``'s main rows); the late rows' duplicates are
    ``late_duplicates``'."""
    w_key, _, _, _, main, late = _layout(work, f_time.shape[0])
    chunks = ranges.shape[0]
    n_late = 0
    for c in range(chunks):
        n_late += ranges[c, 2]
    held = np.empty(n_late + 16, dtype=np.int64)  # grown where main rows join it
    starts = np.empty(chunks, dtype=np.int64)
    before = np.zeros(chunks + 1, dtype=np.int64)
    n_late = 0
    last_t = last_k = 0
    have = False
    for c in range(chunks):
        lo, count = ranges[c, 0], ranges[c, 1]
        cut = 0
        while have and cut < count:  # the prefix sorting before the kept rows: late
            x = main[lo + cut]
            if not (f_time[x] < last_t or (f_time[x] == last_t and w_key[x] < last_k)):
                break
            cut += 1
        if cut:
            held = _grow(held, n_late + cut)
            held[n_late : n_late + cut] = main[lo : lo + cut]
            n_late += cut
        if have and cut < count:  # the last kept again: a duplicate
            x = main[lo + cut]
            if f_time[x] == last_t and w_key[x] == last_k:
                code[x] = DUPLICATE
                cut += 1
        held = _grow(held, n_late + ranges[c, 2])
        held[n_late : n_late + ranges[c, 2]] = late[lo : lo + ranges[c, 2]]
        n_late += ranges[c, 2]
        starts[c] = lo + cut
        before[c + 1] = before[c] + count - cut
        if cut < count:
            x = main[lo + count - 1]
            last_t, last_k, have = f_time[x], w_key[x], True
    return _merge_sort(held[:n_late], f_time, w_key), starts, before


@_jit
def late_duplicates(
    lo: int,
    hi: int,
    late_sorted: npt.NDArray[np.int64],
    starts: npt.NDArray[np.int64],
    before: npt.NDArray[np.int64],
    f_time: npt.NDArray[np.int64],
    work: npt.NDArray[np.int64],
    code: npt.NDArray[np.uint8],
) -> int:
    """The duplicates among ``order_lists``'s late rows ``lo`` to ``hi`` (a thread may take
    each range): a late row repeating the late row before it or a main row (which came
    first in the frame: a late row sorts before the main row before it, a main row never).
    Their codes are set to DUPLICATE (the caller drops them from the late rows: the merge
    is then of two lists without a tie); how many."""
    w_key, _, _, _, main, _ = _layout(work, f_time.shape[0])
    n_main, g, found, c = int(before[-1]), 0, 0, 0
    for b in range(lo, hi):
        x = late_sorted[b]
        at, key = f_time[x], w_key[x]
        dup = False
        if b > 0:
            w = late_sorted[b - 1]
            dup = f_time[w] == at and w_key[w] == key
        while not dup and g < n_main:  # the first main row not before x, from g on
            while before[c + 1] <= g:
                c += 1
            base, end = starts[c] - before[c], before[c + 1]  # main row g: main[base + g]
            y = main[base + end - 1]
            if f_time[y] < at or (f_time[y] == at and w_key[y] < key):
                g = end  # the whole range's rows are before x: the next range
                continue
            # the rows are far apart, their places near; below ``end``: its last is not before x
            g = _gallop(main, base, g, end, f_time, w_key, at, key, False)
            y = main[base + g]
            dup = f_time[y] == at and w_key[y] == key
            break
        if dup:
            code[x] = DUPLICATE
            found += 1
    return found


@_inlined
def _gallop(
    main: npt.NDArray[np.int64],
    base: int,
    lo: int,
    hi: int,
    f_time: npt.NDArray[np.int64],
    w_key: npt.NDArray[np.int64],
    at: int,
    key: int,
    after: bool,
) -> int:
    """The first place ``p`` of ``lo`` to ``hi`` (``hi`` if none) whose row ``main[base + p]``
    (kept main rows, in order) is not before (``at``, ``key``), or with ``after`` comes after
    it: a galloping search from ``lo`` (the place is near), then halving."""
    first, probe, step = lo, lo, 1
    while probe < hi:
        y = main[base + probe]
        t, k = f_time[y], w_key[y]
        if t > at or (t == at and (k > key or (k == key and not after))):
            break
        first, probe, step = probe + 1, probe + step, 2 * step
    last = min(probe, hi)
    while first < last:
        mid = (first + last) // 2
        y = main[base + mid]
        t, k = f_time[y], w_key[y]
        if t > at or (t == at and (k > key or (k == key and not after))):
            last = mid
        else:
            first = mid + 1
    return first


@_inlined
def _earlier(x: int, y: int, f_time: npt.NDArray[np.int64], w_key: npt.NDArray[np.int64]) -> bool:
    """Whether frame row ``x`` comes before row ``y`` in the ordering (event time, then key)."""
    return bool(f_time[x] < f_time[y] or (f_time[x] == f_time[y] and w_key[x] < w_key[y]))


@_inlined
def _main_row(
    g: int,
    main: npt.NDArray[np.int64],
    starts: npt.NDArray[np.int64],
    before: npt.NDArray[np.int64],
) -> int:
    """The frame row at place ``g`` (below ``before[-1]``) of the kept main rows
    (``order_lists``'s ``starts`` and ``before``)."""
    c = 0
    while before[c + 1] <= g:
        c += 1
    return int(main[starts[c] + g - before[c]])


@_jit
def merge_cuts(
    parts: int,
    starts: npt.NDArray[np.int64],
    before: npt.NDArray[np.int64],
    late_sorted: npt.NDArray[np.int64],
    f_time: npt.NDArray[np.int64],
    work: npt.NDArray[np.int64],
) -> npt.NDArray[np.int64]:
    """Where each of ``parts`` about equal parts of the merge of ``order_lists``'s main and
    late rows starts (a row a part, and a last row for the end): its place in the merge,
    how many main rows and how many late rows come before it.

    The first ``o`` places of the merge hold ``a`` main rows where ``a`` is the fewest whose
    next main row comes after the late row before place ``o``: a binary search (the "merge
    path"; the lists share no (time, key))."""
    w_key, _, _, _, main, _ = _layout(work, f_time.shape[0])
    n_main, n_late = before[-1], late_sorted.shape[0]
    cuts = np.empty((parts + 1, 3), dtype=np.int64)
    for p in range(parts + 1):
        o = (n_main + n_late) * p // parts
        lo, hi = max(0, o - n_late), min(o, n_main)
        while lo < hi:
            mid = (lo + hi) // 2
            x, y = late_sorted[o - mid - 1], _main_row(mid, main, starts, before)
            if _earlier(x, y, f_time, w_key):
                hi = mid
            else:
                lo = mid + 1
        cuts[p, 0], cuts[p, 1], cuts[p, 2] = o, lo, o - lo
    return cuts


@_jit
def merge(
    part: int,
    cuts: npt.NDArray[np.int64],
    starts: npt.NDArray[np.int64],
    before: npt.NDArray[np.int64],
    late_sorted: npt.NDArray[np.int64],
    f_time: npt.NDArray[np.int64],
    f_quality: npt.NDArray[np.uint8],
    work: npt.NDArray[np.int64],
    code: npt.NDArray[np.uint8],
    out_rows: npt.NDArray[np.int64],
    h_time: npt.NDArray[np.int64],
    h_twin: npt.NDArray[np.int32],
    h_signal: npt.NDArray[np.int32],
    h_value: npt.NDArray[np.float64],
    h_kind: npt.NDArray[np.uint8],
    h_quality: npt.NDArray[np.uint8],
) -> int:
    """Part ``part`` of the merge of ``order_lists``'s main and late rows (``merge_cuts``;
    a thread may take each part) into the history from its first place on: each row's
    frame row (``out_rows``; an empty array: none written, the wrapper needs them for text
    rows only), time, twin, signal, value, kind and quality; how many. The key is not
    written: ``newest`` and ``changes`` make it from the twin and the signal (a column
    less to write and read, and less fresh memory for a batch's block).

    A main row comes first where both are equal, and a late row repeating the row before
    it in the part is a duplicate (its code set to DUPLICATE, not written): with one part
    the late rows' duplicates need no ``late_duplicates`` before (a search a row); with
    more, the parts' places need the history's length before, so the lists have no tie
    left. The main rows run on in strict order (``_place``, ``order_lists``), so a main row
    never repeats the row before it: the main rows before the next late row are found by a
    galloping search (the late rows are few and far apart) and copied as a run, without a
    comparison a row."""
    w_key, w_value, w_ts, w_kind, main, _ = _layout(work, f_time.shape[0])
    g, b = cuts[part, 1], cuts[part, 2]
    g_end, b_end = cuts[part + 1, 1], cuts[part + 1, 2]
    o = first = cuts[part, 0]
    c = 0
    last_t = last_k = 0
    have = False
    with_rows = out_rows.shape[0] > 0
    while g < g_end or b < b_end:
        x = late_sorted[b] if b < b_end else -1
        at = f_time[x] if x >= 0 else 0
        key = w_key[x] if x >= 0 else 0
        while g < g_end:  # the main rows not after late row x (all where none is left)
            while before[c + 1] <= g:
                c += 1
            base = starts[c] - before[c]  # main row g is frame row main[base + g]
            hi = min(g_end, before[c + 1])
            stop = hi
            if x >= 0:  # the first of g to hi that x comes before
                stop = _gallop(main, base, g, hi, f_time, w_key, at, key, True)
            for q in range(base + g, base + stop):
                r = main[q]
                if with_rows:
                    out_rows[o] = r
                h_time[o] = f_time[r]
                h_twin[o] = w_ts[2 * r]
                h_signal[o] = w_ts[2 * r + 1]
                h_value[o] = w_value[r]
                h_kind[o] = w_kind[r]
                h_quality[o] = f_quality[r]
                o += 1
            if stop > g:
                last = main[base + stop - 1]
                last_t, last_k, have = f_time[last], w_key[last], True
            g = stop
            if stop < hi:  # x comes before main row g
                break
        if x < 0:
            continue
        b += 1
        if have and at == last_t and key == last_k:
            code[x] = DUPLICATE
            continue
        last_t, last_k, have = at, key, True
        if with_rows:
            out_rows[o] = x
        h_time[o] = at
        h_twin[o] = w_ts[2 * x]
        h_signal[o] = w_ts[2 * x + 1]
        h_value[o] = w_value[x]
        h_kind[o] = w_kind[x]
        h_quality[o] = f_quality[x]
        o += 1
    return int(o - first)


@_jit
def _grow(array: npt.NDArray[np.int64], size: int) -> npt.NDArray[np.int64]:
    """``array``, or a copy with room for ``size`` where it has less."""
    if array.shape[0] >= size:
        return array
    grown = np.empty(max(size, 2 * array.shape[0]), dtype=np.int64)
    grown[: array.shape[0]] = array
    return grown


@_jit
def _layout(
    work: npt.NDArray[np.int64], n: int
) -> tuple[
    npt.NDArray[np.int64],
    npt.NDArray[np.float64],
    npt.NDArray[np.int32],
    npt.NDArray[np.uint8],
    npt.NDArray[np.int64],
    npt.NDArray[np.int64],
]:
    """``validate``'s per-row scratch in ``work`` (six int64 a row, kept from batch to
    batch: fresh memory costs a page fault per 4 KiB): key, value, twin and signal (of
    row i at 2i and 2i + 1), kind; the main and late lists."""
    return (
        work[:n],
        work[n : 2 * n].view(np.float64),
        work[2 * n : 3 * n].view(np.int32),
        work[3 * n : 4 * n].view(np.uint8)[:n],
        work[4 * n : 5 * n],
        work[5 * n : 6 * n],
    )


@_jit
def rejects(
    code: npt.NDArray[np.uint8],
    words: npt.NDArray[np.uint64],
    rows: npt.NDArray[np.int64],
    codes: npt.NDArray[np.uint8],
) -> tuple[int, int]:
    """The refused frame rows (``code`` not 0) and their codes into ``rows`` and ``codes``,
    in frame order: how many, and how many of them are ``RETIRED_TWIN``.

    Refusals are rare: ``words``, the first eight bytes of ``code`` at a time (a view), skips
    eight accepted rows with one comparison; a word with a refusal is written row by row
    and counted where refused, without a branch."""
    found = retired = 0
    n_words = words.shape[0]
    for w in range(n_words + 1):
        if w < n_words and words[w] == 0:
            continue
        for i in range(8 * w, min(8 * w + 8, code.shape[0])):  # the last: the bytes left
            c = code[i]
            rows[found] = i
            codes[found] = c
            found += c != 0
            retired += c == RETIRED_TWIN
    return found, retired


# ------------------------------------------------------------------ 3. newest per key
@_jit
def newest(
    h_twin: npt.NDArray[np.int32],
    h_signal: npt.NDArray[np.int32],
    signals: int,
    marks: npt.NDArray[np.uint64],
    slot: npt.NDArray[np.int32],
    flag: npt.NDArray[np.uint8],
) -> None:
    """Each key's newest row (key: twin * ``signals`` + signal) into ``slot[key]``, the key's
    bit into ``marks`` (a word a 64 keys, all zero before; ``gather`` clears them), and
    ``flag`` zero a row (``gather`` sets the newest rows').

    Rows are in time order, so a key's newest is its last: a forward pass writes every row's
    number at its key (the last write stays), without a read or a branch. ``slot`` needs no
    clearing: ``gather`` reads the slots of keys marked in this batch only."""
    m = h_twin.shape[0]
    for p in range(m):
        if p + AHEAD < m:
            _prefetch_write(slot, np.int64(h_twin[p + AHEAD]) * signals + h_signal[p + AHEAD])
        kk = np.int64(h_twin[p]) * signals + h_signal[p]
        slot[kk] = p
        marks[kk >> 6] |= np.uint64(1) << np.uint64(kk & 63)
        flag[p] = 0


@_jit
def gather(
    lo: int,
    hi: int,
    marks: npt.NDArray[np.uint64],
    slot: npt.NDArray[np.int32],
    seen_time: npt.NDArray[np.int64],
    state_value: npt.NDArray[np.float64],
    rec: npt.NDArray[np.int64],
    flag: npt.NDArray[np.uint8],
    counts: npt.NDArray[np.int64],
    shift: int,
) -> None:
    """The keys of ``marks``' words ``lo`` to ``hi`` (a thread may take each range), in key
    order: each key's newest time seen and state value beside its newest row ``p``
    (``slot``'s; ``rec[2p]``, ``rec[2p + 1]`` as a float64), the row's ``flag`` set and its
    block of ``2**shift`` rows counted (``counts``: so ``changes`` may take blocks of rows, a
    thread each, and know where their keys go); the words cleared.

    The state is read in key order, so the memory streams it (about two keys a cache line)
    where ``changes`` in row order waited for a random line a key and column; what is
    written at random places is the batch's own rows' records, sixteen bytes (one line) a
    row, and a write does not hold the loop up as a read does."""
    rec_value = rec.view(np.float64)
    for w in range(lo, hi):
        word = marks[w]
        if word == 0:
            continue
        marks[w] = 0
        base = np.int64(w) << 6
        while word != 0:
            kk = base + np.int64(_trailing_zeros(word))
            word &= word - np.uint64(1)
            p = np.int64(slot[kk])
            rec[2 * p] = seen_time[kk]
            rec_value[2 * p + 1] = state_value[kk]
            flag[p] = 1
            counts[p >> shift] += 1


@_jit
def changes(
    lo: int,
    hi: int,
    first: int,
    flag: npt.NDArray[np.uint8],
    rec: npt.NDArray[np.int64],
    h_twin: npt.NDArray[np.int32],
    signals: int,
    time: npt.NDArray[np.int64],
    h_signal: npt.NDArray[np.int32],
    h_value: npt.NDArray[np.float64],
    h_kind: npt.NDArray[np.uint8],
    h_quality: npt.NDArray[np.uint8],
    deadband: npt.NDArray[np.float64],
    mode_signal: int,
    seen: npt.NDArray[np.int64],
    seen_key: npt.NDArray[np.int64],
    newer: npt.NDArray[np.bool_],
    changed: npt.NDArray[np.bool_],
    update: npt.NDArray[np.int64],
) -> tuple[int, int]:
    """Over history rows ``lo`` to ``hi`` (a thread may take each range), the keys' state
    from ``gather``'s records (``rec``): each newest row (``flag``), in row order, into
    ``seen`` from place ``first`` on (the newest rows before ``lo``), its key, whether it is
    newer than the key's state, whether its value changes the state (text rows: the wrapper
    decides), and the rows that do into ``update[first:]``: how many, and how many keys are
    of signal ``mode_signal``.

    Without a branch a row: every row is written at the next place and the place moves on
    at a newest row only; the rows after the range's last newest row are not read (their
    writes would land in the next range's first place)."""
    rec_value = rec.view(np.float64)
    last = hi
    while last > lo and flag[last - 1] == 0:
        last -= 1
    j = first
    n_update = mode_keys = 0
    for p in range(lo, last):
        is_key = flag[p] != 0
        kk = np.int64(h_twin[p]) * signals + h_signal[p]
        is_newer = time[p] > rec[2 * p]
        # NaN compares false: a key without a number (no state, text) has moved
        moved = not (abs(h_value[p] - rec_value[2 * p + 1]) <= deadband[h_signal[p]])
        is_null = h_kind[p] == NULL
        stale = is_null & (h_quality[p] == STALE)
        change = is_key & is_newer & (((not is_null) & moved) | stale)
        seen[j] = p
        seen_key[j] = kk
        newer[j] = is_newer
        changed[j] = change
        update[first + n_update] = p
        n_update += change
        mode_keys += is_key & (h_signal[p] == mode_signal)
        j += is_key
    return n_update, mode_keys


# ------------------------------------------------------------------ 4. the mode machine
@_jit
def mode(
    rows: npt.NDArray[np.int64],
    h_twin: npt.NDArray[np.int32],
    h_signal: npt.NDArray[np.int32],
    time: npt.NDArray[np.int64],
    h_value: npt.NDArray[np.float64],
    h_kind: npt.NDArray[np.uint8],
    text_symbol: npt.NDArray[np.int16],
    cut: npt.NDArray[np.float64],
    piece_symbol: npt.NDArray[np.int16],
    table: npt.NDArray[np.int16],
    state_mode: npt.NDArray[np.int16],
    state_mode_time: npt.NDArray[np.int64],
    initial: int,
    twin_work: npt.NDArray[np.int32],
    work: npt.NDArray[np.int64],
) -> tuple[
    npt.NDArray[np.int32],
    npt.NDArray[np.int16],
    npt.NDArray[np.int64],
    npt.NDArray[np.bool_],
    npt.NDArray[np.int32],
    npt.NDArray[np.int64],
    npt.NDArray[np.int16],
    npt.NDArray[np.int16],
]:
    """The machine over the history rows in time order: per twin moved or met first (in twin
    order), its new state, the time of its last move, whether it differs from the state
    before; and every transition (twin, time, before, after), in (twin, time) order.

    ``text_symbol``: per frame row, the symbol of a text row (the wrapper's), -1 elsewhere;
    ``rows``: the history's frame rows, read for text rows only (empty where none is text).
    A signal's numeric rules compare with a few numbers: ``cut[s]``, signal ``s``'s, sorted
    and padded with NaN (which counts for nothing) cut the line into pieces (below the
    first, at it, between it and the next, ...; NaN last), and every value in a piece meets
    the same first rule: ``piece_symbol[s, piece]``. Scratch kept between batches:
    ``twin_work``, one int32 a twin (``TWIN_RECORD``), zero between batches; ``work``, four
    int64 a row and two.

    The rows with a symbol are grouped by twin first (counting: a count a twin, a prefix
    sum, a scatter of each row's time and symbol; stable, so a twin's rows stay in time
    order), and the machine then runs twin after twin: each twin's state and clock are read
    once and in twin order (the memory streams them), where a pass in time order read
    three random cache lines a row; the moves and the twins come out in twin order as they
    are made. The symbols are one pass without a branch per rule (two comparisons a cut,
    then a look-up).
    """
    m = h_twin.shape[0]
    twins = state_mode.shape[0]
    sym_row = work[:m]  # then each move's time
    small = work[m : 2 * m].view(np.int16)  # symbols, grouped symbols, moves' before/after
    sym_of, g_sym = small[:m], small[m : 2 * m]
    mv_before, mv_after = small[2 * m : 3 * m], small[3 * m : 4 * m]
    g_time = work[2 * m : 3 * m]
    mv_twin = work[3 * m : 4 * m].view(np.int32)
    n_rules, width = cut.shape[0], cut.shape[1]
    nan_slot = 2 * width + 1
    has_text = text_symbol.shape[0] > 0
    n_sym = 0
    for p in range(m):
        s = h_signal[p]
        sy = -1
        if h_kind[p] == TEXT:
            if has_text:
                sy = text_symbol[rows[p]]
        elif s < n_rules:  # which piece of the signal's cuts the value is in: its symbol
            v = h_value[p]
            piece = 0
            for c in range(width):
                piece += (v > cut[s, c]) + (v >= cut[s, c])
            sy = piece_symbol[s, nan_slot if v != v else piece]
        has = sy >= 0
        sym_row[n_sym] = p
        sym_of[n_sym] = sy
        n_sym += has
        twin_work[h_twin[p]] += has
    at = groups = 0
    for t in range(twins):  # where each twin's rows start
        count = twin_work[t]
        twin_work[t] = at
        at += count
        groups += count > 0
    for q in range(n_sym):  # each twin's rows together, in time order
        p = sym_row[q]
        t = h_twin[p]
        o = twin_work[t]
        twin_work[t] = o + 1
        g_time[o] = time[p]
        g_sym[o] = sym_of[q]
    mv_time = sym_row
    out_twin = np.empty(groups, dtype=np.int32)
    out_state = np.empty(groups, dtype=np.int16)
    out_time = np.empty(groups, dtype=np.int64)
    out_changed = np.empty(groups, dtype=np.bool_)
    kept = moves = lo = 0
    for t in range(twins):  # twin after twin; ``twin_work`` zero again
        hi = twin_work[t]
        twin_work[t] = 0
        if hi == lo:
            continue
        known = state_mode[t]
        clock = state_mode_time[t]
        now = initial if known == NO_MODE else known
        when = last = NO_TIME
        touched = False
        for o in range(lo, hi):
            at = g_time[o]
            if at < clock:
                continue
            nxt = table[now, g_sym[o]]
            mv_twin[moves] = t
            mv_time[moves] = at
            mv_before[moves] = now
            mv_after[moves] = nxt
            moved = nxt != now
            moves += moved
            when = at if moved else when
            last = at
            touched = True
            now = nxt
        lo = hi
        out_twin[kept] = t
        out_state[kept] = now
        out_time[kept] = when if when != NO_TIME else last
        out_changed[kept] = now != known
        kept += touched & ((when != NO_TIME) | (known == NO_MODE))
    return (
        out_twin[:kept],
        out_state[:kept],
        out_time[:kept],
        out_changed[:kept],
        mv_twin[:moves].copy(),
        mv_time[:moves].copy(),
        mv_before[:moves].copy(),
        mv_after[:moves].copy(),
    )


# ------------------------------------------------------------------ 5. commit
@_jit
def commit(
    part: int,
    parts: int,
    seen: npt.NDArray[np.int64],
    seen_key: npt.NDArray[np.int64],
    newer: npt.NDArray[np.bool_],
    update: npt.NDArray[np.int64],
    h_twin: npt.NDArray[np.int32],
    h_signal: npt.NDArray[np.int32],
    h_time: npt.NDArray[np.int64],
    h_value: npt.NDArray[np.float64],
    h_kind: npt.NDArray[np.uint8],
    signals: int,
    seen_time: npt.NDArray[np.int64],
    state_time: npt.NDArray[np.int64],
    state_value: npt.NDArray[np.float64],
) -> int:
    """The numbers of a committed batch into the state, share ``part`` of ``parts`` (a
    thread may take each: every key is written by one row at most): newest times seen,
    changed values; how many of the share's ``update`` rows are not numbers (their text is
    the caller's)."""
    n_seen, n_update = seen.shape[0], update.shape[0]
    s_lo, s_hi = n_seen * part // parts, n_seen * (part + 1) // parts
    u_lo, u_hi = n_update * part // parts, n_update * (part + 1) // parts
    for j in range(s_lo, s_hi):
        if j + AHEAD < s_hi:
            _prefetch_write(seen_time, seen_key[j + AHEAD])
        if newer[j]:
            seen_time[seen_key[j]] = h_time[seen[j]]
    others = 0
    for i in range(u_lo, u_hi):
        if i + AHEAD < u_hi:
            ahead = update[i + AHEAD]
            key = np.int64(h_twin[ahead]) * signals + h_signal[ahead]
            _prefetch_write(state_time, key)
            _prefetch_write(state_value, key)
        u = update[i]
        key = np.int64(h_twin[u]) * signals + h_signal[u]
        state_time[key] = h_time[u]
        state_value[key] = h_value[u]
        others += h_kind[u] != NUMBER
    return others


@_jit
def commit_mode(
    mode_twin: npt.NDArray[np.int32],
    mode_state: npt.NDArray[np.int16],
    mode_time: npt.NDArray[np.int64],
    mode_changed: npt.NDArray[np.bool_],
    move_twin: npt.NDArray[np.int32],
    move_time: npt.NDArray[np.int64],
    key_of_twin: int,
    signals: int,
    state_mode: npt.NDArray[np.int16],
    state_mode_time: npt.NDArray[np.int64],
    seen_time: npt.NDArray[np.int64],
    state_time: npt.NDArray[np.int64],
    mode_name: npt.NDArray[np.int16],
) -> int:
    """The machine's numbers of a committed batch into the state (after ``commit``): modes,
    the clock (moved by transitions only), the mode signal's times where the mode changed
    (``key_of_twin``: the mode signal's index) and the mode whose name its text is to be
    (``FusionState.mode_name``); how many changed."""
    for i in range(mode_twin.shape[0]):
        state_mode[mode_twin[i]] = mode_state[i]
    for i in range(move_twin.shape[0]):
        t = move_twin[i]
        state_mode_time[t] = max(state_mode_time[t], move_time[i])
    changed = 0
    for i in range(mode_twin.shape[0]):
        if mode_changed[i]:
            t = mode_twin[i]
            key = np.int64(t) * signals + key_of_twin
            state_time[key] = mode_time[i]
            seen_time[key] = max(seen_time[key], mode_time[i])
            mode_name[t] = mode_state[i]
            changed += 1
    return changed
