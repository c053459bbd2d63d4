"""A page of twins completed column by column, from their ids and their ``signals(at:)`` rows.

``twins(...) { nodes { id signals(names: [...], at: $t) { value time } } }``
needs nothing of a twin but its id and its rows of the page's one ``as_of``
read. The direct completion (``_tree``) answers such a page without a
``Twin`` object or a plan step per twin: each selected field of the twins is
one column over the page (the ids as they are, ``__typename``, each
``signals`` field's lists built from the rows' columns), and the page's
result is made from the columns in one pass. These are the builders; which
selections qualify, and the coercion of each value, are ``_tree``'s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Any

from server.graphql._rows_at import RowsAt

Result = dict[str, Any]
Columns = list[tuple[str, list[Any]]]
"""Response names with their values, one value per row (or per twin)."""
TwinRows = tuple[RowsAt, list[int]]
"""A twin's rows: the columns of its list's read, and its rows there, in order."""
_first = itemgetter(0)


def objects(columns: Columns) -> list[Result]:
    """One result per row of ``columns`` (all of one length), its keys in the columns' order."""
    if not columns:
        return []
    names = [name for name, _ in columns]
    values = [column for _, column in columns]
    if len(columns) == 1:
        (name,), (only,) = names, values
        return [{name: v} for v in only]
    if len(columns) == 2:
        (a, b), (left, right) = names, values
        return [{a: x, b: y} for x, y in zip(left, right, strict=True)]
    return [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]


def rows_of(ready: Mapping[str, TwinRows], ids: Sequence[str]) -> list[TwinRows] | None:
    """Each twin's rows from those fetched ahead, in the order of ``ids`` (``None`` when
    some twin's were not fetched)."""
    got = [ready.get(t) for t in ids]
    if None in got:
        return None
    return got  # type: ignore[return-value]  # no None left


def same_rows(got: Sequence[TwinRows]) -> RowsAt | None:
    """The one ``RowsAt`` every twin's rows are in (``None``: several reads)."""
    held = set(map(_first, got))
    return held.pop() if len(held) == 1 else None


def signal_lists(columns: Columns, got: Sequence[TwinRows]) -> list[list[Result]]:
    """Each twin's list of signals: one result per row of its own (``columns`` are the
    selection's values over every row of the twins' one read)."""
    if len(columns) == 1:
        ((name, column),) = columns
        return [
            ([{name: column[mine[0]]}] if len(mine) == 1 else [{name: column[i]} for i in mine])
            for _, mine in got
        ]
    return [[{name: c[i] for name, c in columns} for i in mine] for _, mine in got]


def regular_signal_lists(
    columns: Columns, position: Sequence[int], width: int, count: int
) -> list[list[Result]]:
    """Each of ``count`` twins' lists of signals from one read in which twin ``i`` holds the
    rows ``i * width`` to ``(i + 1) * width`` (``position``: each row's place in ``columns``,
    -1 where no sample was found): no list of row numbers per twin."""
    if width == 0:
        return [[] for _ in range(count)]
    if width == 1 and len(columns) == 1:
        ((name, column),) = columns
        return [[{name: column[p]}] if p >= 0 else [] for p in position]
    if width == 1:
        return [[{n: c[p] for n, c in columns}] if p >= 0 else [] for p in position]
    return [
        [{n: c[p] for n, c in columns} for p in position[start : start + width] if p >= 0]
        for start in range(0, len(position), width)
    ]
