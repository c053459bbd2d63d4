"""The loops of ``_fetch``, compiled by numba: framing PostgreSQL-wire messages and
reading binary ``DataRow`` cells into columns.

A result arrives as one byte buffer; these loops walk it once to find the
messages, once more to find every cell of every row, then copy each column's
cells out (big-endian integers and doubles as their 64-bit patterns, text as
offsets and bytes for an Arrow string array). No Python object is made per
row or cell. Every length read from the buffer is checked against the message
it belongs to; a row that does not add up is reported, not read past.

``_fetch`` calls these, and ``_grain`` the ones that put a tier read's rows in key order.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np
import numpy.typing as npt
from llvmlite import ir  # type: ignore[import-untyped]  # numba's own code generator
from numba.core import types
from numba.extending import intrinsic

F = TypeVar("F", bound=Callable[..., Any])
Bytes = npt.NDArray[np.uint8]
Ints = npt.NDArray[np.int64]

DATA_ROW = ord("D")
READY = ord("Z")
FULL = -1
"""``frame`` ran out of room in its position arrays (grow them and call again)."""
FIXED8, FIXED4, FIXED2, FIXED1, VARIABLE = 0, 1, 2, 3, 4
"""How a column's binary cells are laid out: 8, 4, 2 or 1 bytes (big-endian), or any length."""


def _jit(function: F) -> F:
    """``numba.njit(cache=True, nogil=True)``, or without a cache where numba finds no
    writable place for one (an installed package's read-only directory and no user cache
    directory). The loops release the GIL, so the answers of several connections are
    read at once (``Wire.arrows_each``)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", numba.NumbaWarning)
            compiled = numba.njit(cache=True, nogil=True)(function)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        compiled = numba.njit(cache=False, nogil=True)(function)
    return cast(F, compiled)


def _big_endian(bits: int) -> Callable[..., Any]:
    """A compiled read of the ``bits``-bit big-endian integer at a byte offset of a byte
    array, sign-extended to 64 bits: one unaligned load and a byte swap (where assembling
    it a byte at a time cost about 10 ns on this machine). No bounds check: every caller
    checks the offset against the message it reads first."""

    def typer(_: Any, buf: Any, at: Any) -> Any:
        if not (isinstance(buf, types.Array) and buf.dtype == types.uint8):
            return None
        if not isinstance(at, types.Integer):
            return None

        def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
            array = context.make_array(signature.args[0])(context, builder, args[0])
            kind = ir.IntType(bits)
            where = builder.bitcast(builder.gep(array.data, [args[1]]), kind.as_pointer())
            swap = builder.module.declare_intrinsic("llvm.bswap", [kind])
            value = builder.call(swap, [builder.load(where, align=1)])
            return value if bits == 64 else builder.sext(value, ir.IntType(64))

        return types.int64(buf, at), codegen

    typer.__name__ = f"big_endian{bits}"
    return cast("Callable[..., Any]", intrinsic(typer))


be32 = _big_endian(32)
be64 = _big_endian(64)


@_jit
def int32(buf: Bytes, at: int) -> int:
    """The signed 32-bit big-endian integer at ``buf[at:at + 4]`` (which the caller checked
    is in the buffer)."""
    return int(be32(buf, at))


@_jit
def frame(
    buf: Bytes, pos: int, end: int, rows: Ints, n_rows: int, others: Ints, n_others: int
) -> tuple[int, int, int, int]:
    """Walk the whole messages in ``buf[pos:end]``: each ``DataRow``'s start goes to
    ``rows``, every other message's to ``others``.

    Returns ``(pos, n_rows, n_others, state)``: where the walk stopped (the first
    message not wholly in the buffer yet), the counts so far and ``state``: 1 after
    ``ReadyForQuery`` (the result is complete), 0 when more bytes are needed,
    ``FULL`` when ``rows`` or ``others`` has no room left, -2 for a length below 4.
    """
    while pos + 5 <= end:
        length = int32(buf, pos + 1)
        if length < 4:
            return pos, n_rows, n_others, -2
        if pos + 1 + length > end:
            break
        if buf[pos] == DATA_ROW:
            if n_rows == rows.shape[0]:
                return pos, n_rows, n_others, FULL
            rows[n_rows] = pos
            n_rows += 1
        else:
            if n_others == others.shape[0]:
                return pos, n_rows, n_others, FULL
            others[n_others] = pos
            n_others += 1
            if buf[pos] == READY:
                return pos + 1 + length, n_rows, n_others, 1
        pos += 1 + length
    return pos, n_rows, n_others, 0


@_jit
def _be(buf: Bytes, p: int, width: int) -> int:
    """The ``width`` bytes at ``p`` as a big-endian unsigned number (its 64-bit pattern)."""
    value = np.uint64(0)
    for k in range(width):
        value = (value << np.uint64(8)) | np.uint64(buf[p + k])
    return int(np.int64(value))


@_jit
def _row(buf: Bytes, start: int, columns: int) -> tuple[int, int]:
    """Where the ``DataRow`` at ``start`` has its first cell and where it ends; the first
    is -1 when the row is too short or has other than ``columns`` cells."""
    stop = start + 1 + int32(buf, start + 1)
    if start + 7 > stop or ((np.int64(buf[start + 5]) << 8) | buf[start + 6]) != columns:
        return -1, stop
    return start + 7, stop


@_jit
def _length(buf: Bytes, p: int, stop: int) -> int:
    """The length of the cell at ``p`` (-1 for NULL), or -2 when its length runs past
    ``stop``."""
    return int32(buf, p) if p + 4 <= stop else -2


@_jit
def cells(
    buf: Bytes,
    rows: Ints,
    layout: npt.NDArray[np.int8],
    signed: npt.NDArray[np.bool_],
    bits: Ints,
    size: npt.NDArray[np.int32],
) -> int:
    """Read every cell of every row in one pass: a fixed-width column's value as a 64-bit
    pattern in ``bits[c, r]`` (2- and 4-byte ones sign-extended where ``signed[c]``), a
    variable one's first byte there; ``size[c, r]`` the cell's length, -1 for NULL (then
    ``bits`` is 0).

    Returns -1 when every row adds up, else the index of the first row that does not (a
    column count other than ``len(layout)``, a fixed-width cell of another width, a cell
    running past its row, or bytes left over).
    """
    columns = layout.shape[0]
    widths = np.array([8, 4, 2, 1, -1], dtype=np.int64)
    for r in range(rows.shape[0]):
        p, stop = _row(buf, rows[r], columns)
        if p < 0:
            return r
        for c in range(columns):
            n = _length(buf, p, stop)
            if n < -1:
                return r
            p += 4
            if n < 0:
                bits[c, r] = 0
                size[c, r] = -1
                continue
            if p + n > stop:
                return r
            size[c, r] = n
            kind = layout[c]
            if kind == VARIABLE:
                bits[c, r] = p
            elif n != int(widths[kind]):
                return r
            elif kind == FIXED8:
                bits[c, r] = be64(buf, p)
            else:
                value = _be(buf, p, n)
                half = np.int64(1) << (8 * n - 1)
                bits[c, r] = value - 2 * half if signed[c] and value >= half else value
            p += n
        if p != stop:
            return r
    return -1


@_jit
def text_offsets(size: npt.NDArray[np.int32], offsets: npt.NDArray[np.int32]) -> int:
    """Arrow string offsets (``len(size) + 1``) for the cells; returns the bytes they
    take, or -1 when that passes 2 GiB (beyond a 32-bit offset)."""
    total = 0
    offsets[0] = 0
    for r in range(size.shape[0]):
        if size[r] > 0:
            total += size[r]
            if total > 2_147_483_647:
                return -1
        offsets[r + 1] = total
    return total


@_jit
def text_bytes(buf: Bytes, at: Ints, size: npt.NDArray[np.int32], out: Bytes) -> None:
    """The cells' bytes one after the other (NULL cells add none)."""
    q = 0
    for r in range(at.shape[0]):
        p = at[r]
        for k in range(size[r]):  # none for NULL (-1)
            out[q] = buf[p + k]
            q += 1


_FNV_PRIME = np.uint64(0x100000001B3)


@_jit
def _same(buf: Bytes, p: int, q: int, n: int) -> bool:
    k = 0
    while k < n and buf[p + k] == buf[q + k]:
        k += 1
    return k == n


@_jit
def _word(buf: Bytes, p: int, n: int, k: int) -> int:
    """Bytes ``8k`` to ``8k + 7`` of the ``n`` at ``p`` (fewer at the end, none past it)
    as a number."""
    lo = k * 8
    return _be(buf, p + lo, min(8, n - lo)) if lo < n else 0


@_jit
def _slot(n: int, w0: int, w1: int, cap: int) -> int:
    h = (np.uint64(w0) ^ np.uint64(n)) * _FNV_PRIME
    h = (h ^ (h >> np.uint64(29)) ^ np.uint64(w1)) * _FNV_PRIME
    h ^= h >> np.uint64(32)
    return int(np.int64(h & np.uint64(cap - 1)))


@_jit
def dictionary(
    buf: Bytes, at: Ints, size: npt.NDArray[np.int32], codes: npt.NDArray[np.int32], firsts: Ints
) -> int:
    """Code the text cells by their bytes: ``codes[r]`` the index of cell ``r``'s value
    among the distinct values in the order first seen (-1 for NULL), ``firsts[k]`` the
    first row holding value ``k`` (``firsts`` has room for every row). Returns how many
    distinct values there are.

    An open-addressing table (doubled when half full) keyed by each value's length and
    first 16 bytes, which are the whole value for keys such as twin names (compared as
    two numbers); the rest of a longer value is compared byte for byte. No text is
    copied: only the distinct values are made strings (by the caller, from ``firsts``).
    """
    cap = 1024
    slots = np.full(cap, -1, dtype=np.int64)
    room = max(at.shape[0], 1)
    lengths = np.empty(room, dtype=np.int64)
    w0s = np.empty(room, dtype=np.int64)
    w1s = np.empty(room, dtype=np.int64)
    distinct = 0
    for r in range(at.shape[0]):
        n = int(size[r])
        if n < 0:
            codes[r] = -1
            continue
        p = at[r]
        w0 = _word(buf, p, n, 0)
        w1 = _word(buf, p, n, 1)
        j = _slot(n, w0, w1, cap)
        while True:
            c = slots[j]
            if c < 0:
                slots[j] = distinct
                lengths[distinct], w0s[distinct], w1s[distinct] = n, w0, w1
                firsts[distinct] = r
                codes[r] = distinct
                distinct += 1
                if 2 * distinct > cap:
                    cap *= 2
                    slots = np.full(cap, -1, dtype=np.int64)
                    for d in range(distinct):
                        i = _slot(lengths[d], w0s[d], w1s[d], cap)
                        while slots[i] >= 0:
                            i = (i + 1) & (cap - 1)
                        slots[i] = d
                break
            if (
                lengths[c] == n
                and w0s[c] == w0
                and w1s[c] == w1
                and (n <= 16 or _same(buf, at[firsts[c]] + 16, p + 16, n - 16))
            ):
                codes[r] = c
                break
            j = (j + 1) & (cap - 1)
    return distinct


@_jit
def group(position: Ints, bucket: Ints, order: Ints, bounds: Ints) -> int:
    """Put the rows whose ``position`` is 0 or more (a key's index; -1: none of the keys')
    in key order, each key's rows in the order they came (a counting sort): ``order``
    the row indices, ``bounds[k]:bounds[k + 1]`` key ``k``'s part of it (``bounds`` has
    one more entry than there are keys).

    Returns how many rows were placed, or -1 when some key's buckets do not rise
    strictly in that order (the caller then sorts by bucket too).
    """
    keys = bounds.shape[0] - 1
    bounds[:] = 0
    for r in range(position.shape[0]):
        if position[r] >= 0:
            bounds[position[r] + 1] += 1
    for k in range(keys):
        bounds[k + 1] += bounds[k]
    fill = bounds[:keys].copy()
    for r in range(position.shape[0]):
        p = position[r]
        if p >= 0:
            order[fill[p]] = r
            fill[p] += 1
    for k in range(keys):
        for i in range(bounds[k] + 1, bounds[k + 1]):
            if bucket[order[i]] <= bucket[order[i - 1]]:
                return -1
    return int(bounds[keys])


@_jit
def positions(twin: Ints, signal: Ints, width: int, of_code: Ints, out: Ints) -> None:
    """``out[r]``: row ``r``'s key index, ``of_code[twin[r] * width + signal[r]]``, or -1
    where its twin or signal is not one asked (-1) or the pair is past ``of_code``. One
    pass, no array between (each would be another 1 MiB for 144,000 rows)."""
    top = of_code.shape[0]
    for r in range(twin.shape[0]):
        t, s = twin[r], signal[r]
        code = t * width + s
        out[r] = of_code[code] if t >= 0 and s >= 0 and code < top else -1


# --------------------------------------------------------------- a tier read in key order
# A bucketed tier read's rows (``_keyed``) go from the answer's bytes straight into key
# order: ``key_rows`` finds each row's key from its name cells (looked up among the names
# asked for, no dictionary of the answer's names) and counts the rows of each key;
# ``place_rows`` then copies each row's bucket and numbers to its place in the key's run.
# Both give up (-1) at anything they do not read (the caller then decodes the answer the
# general way, which reports it): a NULL or non-8-byte bucket, a bucket that does not rise
# within its key, a row that does not add up.


@_jit
def _name_words(buf: Bytes, p: int, n: int) -> tuple[int, int]:
    """Two numbers standing for the name ``buf[p:p + n]``: its first and last 8 bytes
    (overlapping below 16; the name itself below 8), so a name of up to 16 bytes is
    told by them and its length alone."""
    if n >= 8:
        return int(be64(buf, p)), int(be64(buf, p + n - 8))
    return _be(buf, p, n), 0


@_jit
def name_table(names: Bytes, at: Ints) -> Ints:
    """An open-addressing table of the names ``names[at[i]:at[i + 1]]`` (index ``i`` in a
    slot, -1 empty), keyed by their length and ``_name_words``; at most half full."""
    count = at.shape[0] - 1
    cap = 16
    while cap < 2 * count:
        cap *= 2
    slots = np.full(cap, -1, dtype=np.int64)
    for i in range(count):
        n = int(at[i + 1] - at[i])
        w0, w1 = _name_words(names, at[i], n)
        j = _slot(n, w0, w1, cap)
        while slots[j] >= 0:
            j = (j + 1) & (cap - 1)
        slots[j] = i
    return slots


@_jit
def _lookup(buf: Bytes, p: int, n: int, names: Bytes, at: Ints, slots: Ints) -> int:
    """The index of the name ``buf[p:p + n]`` among ``names`` (``name_table``), -1 if none."""
    cap = slots.shape[0]
    w0, w1 = _name_words(buf, p, n)
    j = _slot(n, w0, w1, cap)
    while True:
        i = slots[j]
        if i < 0:
            return -1
        q = at[i]
        same = at[i + 1] - q == n and _name_words(names, q, n) == (w0, w1)
        if same and (n <= 16 or _same_bytes(buf, p + 8, names, q + 8, n - 16)):
            return int(i)
        j = (j + 1) & (cap - 1)


@_jit
def _same_bytes(a: Bytes, p: int, b: Bytes, q: int, n: int) -> bool:
    k = 0
    while k < n and a[p + k] == b[q + k]:
        k += 1
    return k == n


@_jit
def key_rows(
    buf: Bytes,
    rows: Ints,
    twins: Bytes,
    twin_at: Ints,
    twin_slots: Ints,
    signals: Bytes,
    signal_at: Ints,
    signal_slots: Ints,
    named: int,
    of_code: Ints,
    position: Ints,
    bounds: Ints,
) -> int:
    """Each row's key index in ``position`` (-1: a name not asked, or a pair not in
    ``of_code``, indexed by ``twin * signals + signal``), from its first ``named`` cells
    (the twin, then the signal when 2; with 1 the signal is the only one asked), and
    ``bounds[k]:bounds[k + 1]`` the run of key ``k`` (``bounds``: one more than the keys).

    Returns the rows placed, or -1 (see above) when a key's buckets (the cell after the
    names) do not rise strictly in the order the rows came, or a row's cells do not reach
    its bucket."""
    keys = bounds.shape[0] - 1
    width = signal_at.shape[0] - 1
    top = of_code.shape[0]
    last = np.full(keys, np.iinfo(np.int64).min, dtype=np.int64)
    counts = np.zeros(keys, dtype=np.int64)
    for r in range(rows.shape[0]):
        start = rows[r]
        stop = start + 1 + int32(buf, start + 1)
        p = start + 7
        code = 0
        for c in range(named):
            if p + 4 > stop:
                return -1
            n = int32(buf, p)
            p += 4
            if p + n > stop:
                return -1
            if n < 0:
                code = -1
                n = 0
            elif code >= 0:
                if c == 0:
                    found = _lookup(buf, p, n, twins, twin_at, twin_slots)
                    code = found * width if found >= 0 else -1
                else:
                    found = _lookup(buf, p, n, signals, signal_at, signal_slots)
                    code = code + found if found >= 0 else -1
            p += n
        k = of_code[code] if 0 <= code < top else -1
        position[r] = k
        if k < 0:
            continue
        if p + 12 > stop or int32(buf, p) != 8:
            return -1
        bucket = be64(buf, p + 4)
        if bucket <= last[k]:
            return -1
        last[k] = bucket
        counts[k] += 1
    bounds[0] = 0
    for k in range(keys):
        bounds[k + 1] = bounds[k] + counts[k]
    return int(bounds[keys])


@_jit
def place_rows(
    buf: Bytes,
    rows: Ints,
    named: int,
    position: Ints,
    bounds: Ints,
    integral: npt.NDArray[np.bool_],
    shift: int,
    stamps: Ints,
    values: npt.NDArray[np.float64],
    patterns: Ints,
) -> bool:
    """Copy each placed row (``key_rows``) to the next place in its key's run: its bucket
    (plus ``shift``) to ``stamps``, the cells after it to ``values[j]`` (as doubles from
    8-byte integers where ``integral[j]``, NULL as NaN), ``patterns`` the same memory as
    ``values`` (a double's cell is copied as its bit pattern).

    Returns False when a row (placed or not) does not add up (the columns ``named + 1 +
    len(integral)``, 8-byte numbers, no byte left over)."""
    fill = bounds[:-1].copy()
    columns = named + 1 + integral.shape[0]
    for r in range(rows.shape[0]):
        k = position[r]
        at = -1
        if k >= 0:
            at = fill[k]
            fill[k] += 1
        start = rows[r]
        stop = start + 1 + int32(buf, start + 1)
        if ((np.int64(buf[start + 5]) << 8) | buf[start + 6]) != columns:
            return False
        p = start + 7
        for c in range(columns):
            n = int32(buf, p) if p + 4 <= stop else -2
            p += 4
            if c < named or at < 0:
                p += max(n, 0)
                if n < -1 or p > stop:
                    return False
                continue
            if n == -1 and c > named:
                values[c - named - 1, at] = np.nan
                continue
            if n != 8 or p + 8 > stop:
                return False
            bits = be64(buf, p)
            if c == named:
                stamps[at] = bits + shift
            elif integral[c - named - 1]:
                values[c - named - 1, at] = np.float64(bits)
            else:
                patterns[c - named - 1, at] = bits
            p += 8
        if p != stop:
            return False
    return True
