"""Array kernels of the rollup package: CSR offsets, distinct keys, row slices, checks.

Node numbers are int64 arrays; a CSR grouping keeps row ``r``'s items at
``offsets[r]:offsets[r+1]``. Shared by the ancestor index, the level plan and
the engine.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ontology._errors import InvalidError

IntArray = NDArray[np.int64]
"""Node numbers (or packed pair keys)."""


def group_offsets(sorted_keys: IntArray, n: int) -> IntArray:
    off = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(sorted_keys, minlength=n), out=off[1:])
    return off


def distinct(keys: IntArray, *, runs: bool = False) -> IntArray:
    """The distinct values, ascending (``np.unique`` hashes first and is slower here).

    ``runs``: the keys are a few ascending runs, which a stable sort merges quickly.
    """
    if len(keys) < 2:
        return keys.copy()
    if not bool((keys[1:] >= keys[:-1]).all()):
        keys = np.sort(keys, kind="stable" if runs else "quicksort")
    keep = np.empty(len(keys), dtype=np.bool_)
    keep[0] = True
    np.not_equal(keys[1:], keys[:-1], out=keep[1:])
    return keys[keep]


def first_distinct(keys: IntArray) -> tuple[IntArray, IntArray]:
    """The distinct values, ascending, and the index of the first occurrence of each."""
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    keep = np.ones(len(keys), dtype=np.bool_)
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep], order[keep]


def positions(offsets: IntArray, rows: IntArray, lens: IntArray) -> IntArray:
    """Positions of the CSR rows ``rows`` (of lengths ``lens``) concatenated."""
    # position = start of its row + rank within the row
    shift: IntArray = np.repeat(offsets[rows] - (np.cumsum(lens) - lens), lens)
    return np.arange(len(shift), dtype=np.int64) + shift


def slices(offsets: IntArray, rows: IntArray, lengths: IntArray) -> tuple[IntArray, IntArray]:
    """Positions of the CSR rows ``rows`` concatenated, and the index into ``rows`` of each."""
    lens = lengths[rows]
    row = np.repeat(np.arange(len(rows), dtype=np.int64), lens)
    return positions(offsets, rows, lens), row


def int_array(values: ArrayLike, name: str) -> IntArray:
    arr = np.asarray(values)
    if arr.ndim != 1:
        msg = f"{name} has shape {arr.shape}; expected a 1-D array of node indexes"
        raise InvalidError(msg)
    if arr.dtype.kind not in "iu" and not (arr.dtype.kind in "fb" and arr.size == 0):
        msg = f"{name} has dtype {arr.dtype}; expected integer node indexes"
        raise InvalidError(msg)
    return arr.astype(np.int64, copy=False)


def check_range(arr: IntArray, n: int, name: str) -> None:
    if arr.size and (int(arr.min()) < 0 or int(arr.max()) >= n):
        bad = int(np.flatnonzero((arr < 0) | (arr >= n))[0])
        msg = f"{name}[{bad}] is {int(arr[bad])}; expected a node index in [0, {n})"
        raise InvalidError(msg)
