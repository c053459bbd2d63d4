"""The mode machine over whole columns: rules -> symbols, then a segmented scan of the table.

A transition table is a function per symbol (``state -> next state``), and
composing functions is associative, so the state after every sample of every
twin comes from a prefix scan of compositions (log2(n) numpy steps) instead of
a Python loop over samples.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from ingest.frame import Kind
from ingest.pipeline._config import ModeRule, ModeSpec

NO_SYMBOL = -1
_COMPARE = {
    "gt": np.greater,
    "ge": np.greater_equal,
    "lt": np.less,
    "le": np.less_equal,
    "eq": np.equal,
    "ne": np.not_equal,
}


def symbols(
    spec: ModeSpec,
    signal_index: dict[str, int],
    signal: npt.NDArray[np.int32],
    value: npt.NDArray[np.float64],
    kind: npt.NDArray[np.uint8],
    text: npt.NDArray[np.object_],
) -> npt.NDArray[np.int16]:
    """The symbol of each row (the first rule that matches), ``NO_SYMBOL`` where none does."""
    out = np.full(signal.shape[0], NO_SYMBOL, dtype=np.int16)
    symbol_index = {s: i for i, s in enumerate(spec.symbols)}
    by_signal: dict[int, list[ModeRule]] = {}
    for rule in spec.rules:  # one pass over the column per rule signal, not per rule
        by_signal.setdefault(signal_index[rule.when], []).append(rule)
    for code, rules in by_signal.items():
        rows = np.flatnonzero(signal == code)
        if not rows.size:
            continue
        is_text = kind[rows] == Kind.TEXT
        mine = np.full(rows.size, NO_SYMBOL, dtype=np.int16)
        for rule in rules:
            hit = _hits(rule, rows, is_text, value, text)
            mine[hit & (mine == NO_SYMBOL)] = symbol_index[rule.symbol]
        out[rows] = mine
    return out


def _hits(
    rule: ModeRule,
    rows: npt.NDArray[np.intp],
    is_text: npt.NDArray[np.bool_],
    value: npt.NDArray[np.float64],
    text: npt.NDArray[np.object_],
) -> npt.NDArray[np.bool_]:
    """Where ``rule`` matches, over its signal's rows."""
    hit = np.zeros(rows.size, dtype=np.bool_)
    any_text = bool(is_text.any())
    if rule.op == "in":
        texts = [v for v in rule.value if isinstance(v, str)]
        numbers = [float(v) for v in rule.value if not isinstance(v, str)]
        if any_text:
            hit[is_text] = np.isin(text[rows[is_text]], np.array(texts, dtype=object))
        hit[~is_text] = np.isin(value[rows[~is_text]], np.array(numbers, dtype=np.float64))
    elif isinstance(rule.value, str):
        if rule.op in ("eq", "ne") and any_text:
            equal = text[rows[is_text]] == rule.value
            hit[is_text] = equal if rule.op == "eq" else ~equal
    elif any_text:
        hit[~is_text] = _COMPARE[rule.op](value[rows[~is_text]], float(rule.value))
    else:
        hit = _COMPARE[rule.op](value[rows], float(rule.value))
    return hit


@dataclass(frozen=True, slots=True)
class ModeRun:
    """What the machine did over one batch's rows (given grouped by twin, in time order)."""

    order: npt.NDArray[np.intp]
    """The input rows in (twin, time) order; the arrays below follow it."""
    before: npt.NDArray[np.int16]
    after: npt.NDArray[np.int16]
    last: npt.NDArray[np.bool_]
    """True on each twin's last row: ``after`` there is the twin's new state."""


def run(
    table: npt.NDArray[np.int16],
    twin: npt.NDArray[np.int32],
    symbol: npt.NDArray[np.int16],
    start: npt.NDArray[np.int16],
) -> ModeRun:
    """Apply ``table`` to each twin's symbols (rows in time order), starting at ``start[twin]``.

    When every symbol's function is idempotent (applying it twice is applying it
    once: true of tables whose symbols are conditions, like "speed > 0"), a
    symbol repeating the twin's previous one cannot move the machine, so the
    scan runs over the changes of symbol only.
    """
    order = group_by(twin)
    tw = twin[order]
    sy = symbol[order]
    m = int(tw.shape[0])
    if m == 0:
        empty = np.empty(0, dtype=np.int16)
        return ModeRun(order, empty, empty, np.empty(0, dtype=np.bool_))
    first = np.empty(m, dtype=np.bool_)
    first[0] = True
    np.not_equal(tw[1:], tw[:-1], out=first[1:])
    last = np.empty(m, dtype=np.bool_)
    last[-1] = True
    last[:-1] = first[1:]
    s0 = start[tw]
    if idempotent(table):
        steps = first.copy()
        np.not_equal(sy[1:], sy[:-1], out=steps[1:])
        steps |= first
        picked = np.flatnonzero(steps)
    else:
        picked = np.arange(m)
    after_picked = _scan(table, first[picked], sy[picked], s0[picked])
    # rows between picked ones repeat the previous symbol: they keep its state
    after = after_picked[np.cumsum(steps) - 1] if picked.shape[0] < m else after_picked
    before = np.empty(m, dtype=np.int16)
    before[0] = s0[0]
    np.copyto(before[1:], np.where(first[1:], s0[1:], after[:-1]))
    return ModeRun(order, before, after, last)


def idempotent(table: npt.NDArray[np.int16]) -> bool:
    """True if ``f(f(s)) == f(s)`` for every symbol's function ``f``."""
    columns = np.arange(table.shape[1])
    return bool((table[table, columns] == table).all())


def group_by(twin: npt.NDArray[np.int32]) -> npt.NDArray[np.intp]:
    """A stable order grouping equal twins (two 16-bit radix passes: linear time)."""
    low = (twin & 0xFFFF).astype(np.uint16)
    order = np.argsort(low, kind="stable")
    high = (twin >> 16).astype(np.uint16)
    if high.any():
        order = order[np.argsort(high[order], kind="stable")]
    return order


_MAX_FUNCTIONS = 256
"""Largest closure of a table's functions the scan composes by code (a 256 x 256 table)."""


@dataclass(frozen=True, slots=True)
class _Monoid:
    """A table's symbol functions closed under composition, each function a code."""

    functions: npt.NDArray[np.int16]
    """``functions[code]``: the next state for each state."""
    of_symbol: npt.NDArray[np.intp]
    """The code of each symbol's function."""
    compose: npt.NDArray[np.intp]
    """``compose[a * size + b]``: the code of ``a o b`` (``b`` first, then ``a``)."""


@lru_cache(maxsize=64)
def _monoid(shape: tuple[int, int], cells: bytes) -> _Monoid | None:
    """The closure of ``table``'s columns, or None when it has over ``_MAX_FUNCTIONS`` members."""
    table = np.frombuffer(cells, dtype=np.int16).reshape(shape)
    codes: dict[bytes, int] = {}
    found: list[npt.NDArray[np.int16]] = []
    for column in table.T:
        codes.setdefault(column.tobytes(), len(found))
        if len(found) < len(codes):
            found.append(np.ascontiguousarray(column))
    of_symbol = np.array([codes[column.tobytes()] for column in table.T], dtype=np.intp)
    done = 0
    while done < len(found):  # compose every new member with every member, both ways
        size = len(found)
        members = np.array(found)
        for a in range(done, size):
            for f in (members[a][members], members[:, members[a]]):
                for row in f:
                    if codes.setdefault(row.tobytes(), len(found)) == len(found):
                        found.append(row)
                        if len(found) > _MAX_FUNCTIONS:
                            return None
        done = size
    functions = np.array(found, dtype=np.int16)
    size = functions.shape[0]
    pairs = functions[:, functions]  # pairs[a, b, s] = a[b[s]]: a o b
    compose = np.array([codes[row.tobytes()] for row in pairs.reshape(size * size, -1)])
    return _Monoid(functions, of_symbol, compose.astype(np.intp))


def _scan(
    table: npt.NDArray[np.int16],
    first: npt.NDArray[np.bool_],
    symbol: npt.NDArray[np.int16],
    s0: npt.NDArray[np.int16],
) -> npt.NDArray[np.int16]:
    """The state after each row: a segmented prefix scan of composed transition functions.

    Each function is a code and composing two is one lookup in the closure's
    composition table; tables whose closure is too large compose state vectors.
    """
    m = int(first.shape[0])
    positions = np.arange(m)
    segment_start = np.maximum.accumulate(np.where(first, positions, 0))
    table = np.ascontiguousarray(table, dtype=np.int16)
    monoid = _monoid((int(table.shape[0]), int(table.shape[1])), table.tobytes())
    if monoid is None:
        return _scan_vectors(table, positions, segment_start, symbol, s0)
    size = monoid.functions.shape[0]
    # code[i] = f_i o f_(i-1) o ... o f_(segment start)
    code = monoid.of_symbol[symbol]
    step = 1
    while step < m:
        rows = positions[step:][positions[step:] - step >= segment_start[step:]]
        if not rows.size:
            break
        code[rows] = monoid.compose[code[rows] * size + code[rows - step]]
        step *= 2
    result: npt.NDArray[np.int16] = monoid.functions[code, s0.astype(np.intp)]
    return result


def _scan_vectors(
    table: npt.NDArray[np.int16],
    positions: npt.NDArray[np.intp],
    segment_start: npt.NDArray[np.intp],
    symbol: npt.NDArray[np.int16],
    s0: npt.NDArray[np.int16],
) -> npt.NDArray[np.int16]:
    """The scan with each composed function as a row of next states (any table)."""
    m = int(positions.shape[0])
    # composed[i] = f_i o f_(i-1) o ... o f_(segment start): a row of next states per state
    composed = np.ascontiguousarray(table[:, symbol].T).astype(np.intp)
    step = 1
    while step < m:
        rows = positions[positions - step >= segment_start]
        if not rows.size:
            break
        composed[rows] = np.take_along_axis(composed[rows], composed[rows - step], axis=1)
        step *= 2
    result: npt.NDArray[np.int16] = composed[positions, s0.astype(np.intp)].astype(np.int16)
    return result
