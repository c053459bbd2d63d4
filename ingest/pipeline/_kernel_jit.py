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
UNTOUCHED = -2
OPS = ("gt", "ge", "lt", "le", "eq", "ne")
"""Rule operators by code (``rule_op``)."""

CACHING: list[bool] = []
"""One entry per compiled function: True where numba caches its machine code on disk."""


def _jit(function: F) -> F:
    """``numba.njit(cache=True)``, or without a cache where numba finds no writable place
    for one (an installed package's read-only directory and no user cache directory)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", numba.NumbaWarning)
            compiled = numba.njit(cache=True)(function)
        CACHING.append(True)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        compiled = numba.njit(cache=False)(function)
        CACHING.append(False)
    return cast(F, compiled)


# ------------------------------------------------------------------ 1. validate
@_jit
def validate(
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
    lateness: int,
    watermark: int,
) -> tuple[
    npt.NDArray[np.uint8],
    npt.NDArray[np.int32],
    npt.NDArray[np.int32],
    npt.NDArray[np.float64],
    npt.NDArray[np.uint8],
    npt.NDArray[np.int64],
    int,
    int,
]:
    """Each row's reject code (the first reason met, 0: accepted), its worker twin and
    signal, converted value and kind; the accepted rows in frame order; the watermark; how
    many rows are text."""
    n = f_time.shape[0]
    code = np.zeros(n, dtype=np.uint8)
    twin = np.empty(n, dtype=np.int32)
    signal = np.empty(n, dtype=np.int32)
    value = np.empty(n, dtype=np.float64)
    kind = np.empty(n, dtype=np.uint8)
    n_retired = retired.shape[0]
    texts = 0
    for i in range(n):
        ft, fs = f_twin[i], f_signal[i]
        if ft < 0 or ft >= twin_map.shape[0] or fs < 0 or fs >= signal_map.shape[0]:
            msg = "a frame's twin or signal code is outside its name table"
            raise IndexError(msg)
        t = twin_map[ft]
        s = signal_map[fs]
        twin[i] = t
        signal[i] = s
        c = 0
        if t < 0:
            c = UNKNOWN_TWIN
        elif n_retired and t < n_retired and retired[t]:
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
        if c == 0 and f_time[i] > watermark:
            watermark = f_time[i]
        code[i] = c
        value[i] = v
        kind[i] = k
    ok = 0
    if watermark != NO_TIME:
        oldest = NO_TIME if watermark < NO_TIME + lateness else watermark - lateness
        for i in range(n):
            if code[i] == 0:
                if f_time[i] < oldest:
                    code[i] = TOO_LATE
                else:
                    ok += 1
    rows = np.empty(ok, dtype=np.int64)
    j = 0
    for i in range(n):
        if code[i] == 0:
            rows[j] = i
            j += 1
    return code, twin, signal, value, kind, rows, watermark, texts


# ------------------------------------------------------------------ 2. order, deduplicate
@_jit
def _before(t: npt.NDArray[np.int64], k: npt.NDArray[np.int64], a: int, b: int) -> bool:
    """(time, key) of ``a`` sorts strictly before ``b``'s."""
    return bool(t[a] < t[b] or (t[a] == t[b] and k[a] < k[b]))


@_jit
def _merge_sort(
    index: npt.NDArray[np.int64], t: npt.NDArray[np.int64], k: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """``index`` stably sorted by (t, k): its ascending runs, merged pairwise (adaptive)."""
    m = index.shape[0]
    if m < 2:
        return index
    bounds = [0]
    for i in range(1, m):
        if _before(t, k, index[i], index[i - 1]):
            bounds.append(i)
    bounds.append(m)
    src = index.copy()
    dst = np.empty_like(src)
    while len(bounds) > 2:
        merged = [0]
        for r in range(0, len(bounds) - 1, 2):
            lo = bounds[r]
            if r + 2 >= len(bounds):  # an odd run out: copied
                hi = bounds[r + 1]
                dst[lo:hi] = src[lo:hi]
                merged.append(hi)
                continue
            mid, hi = bounds[r + 1], bounds[r + 2]
            a, b, o = lo, mid, lo
            while a < mid and b < hi:
                if _before(t, k, src[b], src[a]):
                    dst[o] = src[b]
                    b += 1
                else:
                    dst[o] = src[a]
                    a += 1
                o += 1
            dst[o : o + mid - a] = src[a:mid]
            o += mid - a
            dst[o : o + hi - b] = src[b:hi]
            merged.append(hi)
        src, dst = dst, src
        bounds = merged
    return src


@_jit
def order(
    rows: npt.NDArray[np.int64],
    f_time: npt.NDArray[np.int64],
    f_quality: npt.NDArray[np.uint8],
    twin: npt.NDArray[np.int32],
    signal: npt.NDArray[np.int32],
    value: npt.NDArray[np.float64],
    kind: npt.NDArray[np.uint8],
    signals: int,
    code: npt.NDArray[np.uint8],
    work: npt.NDArray[np.int64],
) -> tuple[
    npt.NDArray[np.int64],
    npt.NDArray[np.int64],
    npt.NDArray[np.int64],
    npt.NDArray[np.int32],
    npt.NDArray[np.int32],
    npt.NDArray[np.float64],
    npt.NDArray[np.uint8],
    npt.NDArray[np.uint8],
]:
    """The accepted rows stably sorted by (time, key), exact duplicates dropped (their code
    set to DUPLICATE): frame rows, keys, then the history columns (time, twin, signal,
    value, kind, quality).

    Sources deliver nearly ordered frames: the rows that keep the order go to one
    list as they come, the others (late ones) are sorted apart, then both merged.
    ``work``: at least four int64 a row, reused from batch to batch (fresh memory costs
    a page fault per 4 KiB).
    """
    m = rows.shape[0]
    t = work[:m]
    k = work[m : 2 * m]
    for i in range(m):
        r = rows[i]
        t[i] = f_time[r]
        k[i] = np.int64(twin[r]) * signals + signal[r]
    main = work[2 * m : 3 * m]
    late = work[3 * m : 4 * m]
    n_main = n_late = 0
    for i in range(m):
        if n_main == 0 or not _before(t, k, i, main[n_main - 1]):
            main[n_main] = i
            n_main += 1
        else:
            late[n_late] = i
            n_late += 1
    late_sorted = _merge_sort(late[:n_late], t, k)
    out_rows = np.empty(m, dtype=np.int64)
    out_key = np.empty(m, dtype=np.int64)
    h_time = np.empty(m, dtype=np.int64)
    h_twin = np.empty(m, dtype=np.int32)
    h_signal = np.empty(m, dtype=np.int32)
    h_value = np.empty(m, dtype=np.float64)
    h_kind = np.empty(m, dtype=np.uint8)
    h_quality = np.empty(m, dtype=np.uint8)
    a = b = o = 0
    last = -1
    while a < n_main or b < n_late:
        # equal (time, key): the main list's row came first in the frame
        if b >= n_late or (a < n_main and not _before(t, k, late_sorted[b], main[a])):
            i = main[a]
            a += 1
        else:
            i = late_sorted[b]
            b += 1
        r = rows[i]
        if last >= 0 and t[i] == t[last] and k[i] == k[last]:
            code[r] = DUPLICATE
            continue
        out_rows[o] = r
        out_key[o] = k[i]
        h_time[o] = t[i]
        h_twin[o] = twin[r]
        h_signal[o] = signal[r]
        h_value[o] = value[r]
        h_kind[o] = kind[r]
        h_quality[o] = f_quality[r]
        o += 1
        last = i
    return (
        out_rows[:o],
        out_key[:o],
        h_time[:o],
        h_twin[:o],
        h_signal[:o],
        h_value[:o],
        h_kind[:o],
        h_quality[:o],
    )


# ------------------------------------------------------------------ 3. newest per key
@_jit
def changes(
    key: npt.NDArray[np.int64],
    time: npt.NDArray[np.int64],
    h_signal: npt.NDArray[np.int32],
    h_value: npt.NDArray[np.float64],
    h_kind: npt.NDArray[np.uint8],
    h_quality: npt.NDArray[np.uint8],
    deadband: npt.NDArray[np.float64],
    seen_time: npt.NDArray[np.int64],
    state_value: npt.NDArray[np.float64],
) -> tuple[
    npt.NDArray[np.int64],
    npt.NDArray[np.int64],
    npt.NDArray[np.bool_],
    npt.NDArray[np.bool_],
]:
    """Each key's newest row (ascending), its key, whether it is newer than the key's
    state, and whether its value changes the state (text rows: the wrapper decides).

    Rows are in time order, so a key's newest is its last: a backward pass marks
    each key once in a bitmap (an eighth of a byte a key: it stays in the cache).
    """
    m = key.shape[0]
    marks = np.zeros((seen_time.shape[0] >> 3) + 1, dtype=np.uint8)
    newest = np.zeros(m, dtype=np.bool_)
    count = 0
    for p in range(m - 1, -1, -1):
        kk = key[p]
        bit = 1 << (kk & 7)
        if not marks[kk >> 3] & bit:
            marks[kk >> 3] |= bit
            newest[p] = True
            count += 1
    seen = np.empty(count, dtype=np.int64)
    seen_key = np.empty(count, dtype=np.int64)
    newer = np.empty(count, dtype=np.bool_)
    changed = np.empty(count, dtype=np.bool_)
    j = 0
    for p in range(m):
        if not newest[p]:
            continue
        kk = key[p]
        is_newer = time[p] > seen_time[kk]
        # NaN compares false: a key without a number (no state, text) has moved
        moved = not (abs(h_value[p] - state_value[kk]) <= deadband[h_signal[p]])
        is_null = h_kind[p] == NULL
        stale = is_null and h_quality[p] == STALE
        seen[j] = p
        seen_key[j] = kk
        newer[j] = is_newer
        changed[j] = is_newer and ((not is_null and moved) or stale)
        j += 1
    return seen, seen_key, newer, changed


# ------------------------------------------------------------------ 4. the mode machine
@_jit
def _symbol(
    op: npt.NDArray[np.int8],
    limit: npt.NDArray[np.float64],
    symbol: npt.NDArray[np.int16],
    lo: int,
    hi: int,
    v: float,
) -> int:
    """The symbol of the first numeric rule in ``lo:hi`` that ``v`` meets, else -1."""
    for r in range(lo, hi):
        o = op[r]
        x = limit[r]
        if (
            (o == 0 and v > x)
            or (o == 1 and v >= x)
            or (o == 2 and v < x)
            or (o == 3 and v <= x)
            or (o == 4 and v == x)
            or (o == 5 and v != x)
        ):
            return int(symbol[r])
    return -1


@_jit
def mode(
    rows: npt.NDArray[np.int64],
    h_twin: npt.NDArray[np.int32],
    h_signal: npt.NDArray[np.int32],
    time: npt.NDArray[np.int64],
    h_value: npt.NDArray[np.float64],
    h_kind: npt.NDArray[np.uint8],
    text_symbol: npt.NDArray[np.int16],
    rule_start: npt.NDArray[np.int64],
    rule_op: npt.NDArray[np.int8],
    rule_limit: npt.NDArray[np.float64],
    rule_symbol: npt.NDArray[np.int16],
    table: npt.NDArray[np.int16],
    state_mode: npt.NDArray[np.int16],
    state_mode_time: npt.NDArray[np.int64],
    initial: int,
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
    ``rule_start[s]:rule_start[s + 1]``: signal ``s``'s numeric rules, in their order."""
    m = rows.shape[0]
    twins = state_mode.shape[0]
    current = np.full(twins, UNTOUCHED, dtype=np.int16)  # the machine's state, per twin
    last = np.empty(twins, dtype=np.int32)  # the twin's last row
    at = np.empty(m, dtype=np.int64)
    before = np.empty(m, dtype=np.int16)
    after = np.empty(m, dtype=np.int16)
    n_rules = rule_start.shape[0] - 1
    has_text = text_symbol.shape[0] > 0
    moves = 0
    for p in range(m):
        s = h_signal[p]
        sy = -1
        if h_kind[p] == TEXT:
            if has_text:
                sy = text_symbol[rows[p]]
        elif s < n_rules and rule_start[s] < rule_start[s + 1]:
            lo, hi = rule_start[s], rule_start[s + 1]
            sy = _symbol(rule_op, rule_limit, rule_symbol, lo, hi, h_value[p])
        if sy < 0:
            continue
        t = h_twin[p]
        if time[p] < state_mode_time[t]:
            continue
        now = current[t]
        if now == UNTOUCHED:
            known = state_mode[t]
            now = initial if known == NO_MODE else known
        nxt = table[now, sy]
        if nxt != now:
            at[moves] = p
            before[moves] = now
            after[moves] = nxt
            moves += 1
        current[t] = nxt
        last[t] = p
    mv_twin = np.empty(moves, dtype=np.int64)
    for g in range(moves):
        mv_twin[g] = h_twin[at[g]]
    by_twin = _merge_sort(np.arange(moves), mv_twin, at[:moves])  # (twin, time) order
    mv_twin32 = np.empty(moves, dtype=np.int32)
    mv_time = np.empty(moves, dtype=np.int64)
    mv_before = np.empty(moves, dtype=np.int16)
    mv_after = np.empty(moves, dtype=np.int16)
    for g in range(moves):
        i = by_twin[g]
        mv_twin32[g] = mv_twin[i]
        mv_time[g] = time[at[i]]
        mv_before[g] = before[i]
        mv_after[g] = after[i]
    # each twin met, in twin order, beside its moves (also in twin order)
    out_twin = np.empty(twins, dtype=np.int32)
    out_state = np.empty(twins, dtype=np.int16)
    out_time = np.empty(twins, dtype=np.int64)
    out_changed = np.empty(twins, dtype=np.bool_)
    kept = g = 0
    for t in range(twins):
        if current[t] == UNTOUCHED:
            continue
        when = NO_TIME
        while g < moves and mv_twin32[g] == t:
            when = mv_time[g]  # the last move is the latest
            g += 1
        known = state_mode[t]
        if when == NO_TIME and known != NO_MODE:
            continue
        out_twin[kept] = t
        out_state[kept] = current[t]
        out_time[kept] = time[last[t]] if when == NO_TIME else when
        out_changed[kept] = current[t] != known
        kept += 1
    return (
        out_twin[:kept].copy(),
        out_state[:kept].copy(),
        out_time[:kept].copy(),
        out_changed[:kept].copy(),
        mv_twin32,
        mv_time,
        mv_before,
        mv_after,
    )


# ------------------------------------------------------------------ 5. commit
@_jit
def commit(
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
) -> npt.NDArray[np.int64]:
    """The numbers of a committed batch into the state: newest times seen, changed values;
    the positions in ``update`` of rows that are not numbers (their text is the caller's)."""
    for j in range(seen.shape[0]):
        if newer[j]:
            seen_time[seen_key[j]] = h_time[seen[j]]
    others = 0
    for u in update:
        key = np.int64(h_twin[u]) * signals + h_signal[u]
        state_time[key] = h_time[u]
        state_value[key] = h_value[u]
        others += h_kind[u] != NUMBER
    out = np.empty(others, dtype=np.int64)
    j = 0
    for i in range(update.shape[0]):
        if h_kind[update[i]] != NUMBER:
            out[j] = i
            j += 1
    return out
