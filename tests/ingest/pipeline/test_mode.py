"""The mode machine's segmented scan equals stepping the table one sample at a time."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ingest.pipeline._mode import run

SYMBOLS = 3


@st.composite
def machines(draw: st.DrawFn) -> tuple[np.ndarray, list[tuple[int, int]], np.ndarray]:
    """A table of 1 to 7 states (7 states: most closures exceed the coded scan's limit)."""
    states = draw(st.integers(1, 7))
    table = draw(hnp.arrays(np.int16, (states, SYMBOLS), elements=st.integers(0, states - 1)))
    rows = draw(st.lists(st.tuples(st.integers(0, 4), st.integers(0, SYMBOLS - 1)), max_size=60))
    start = draw(hnp.arrays(np.int16, 5, elements=st.integers(0, states - 1)))
    return table, rows, start


@settings(max_examples=300, deadline=None)
@given(machine=machines())
def test_the_scan_equals_a_loop(
    machine: tuple[np.ndarray, list[tuple[int, int]], np.ndarray],
) -> None:
    table, rows, start = machine
    twin = np.array([r[0] for r in rows], dtype=np.int32)
    symbol = np.array([r[1] for r in rows], dtype=np.int16)
    ran = run(table, twin, symbol, start)
    current = {t: int(start[t]) for t in range(5)}
    expected = {}
    for i, (t, s) in enumerate(rows):
        before = current[t]
        current[t] = int(table[before, s])
        expected[i] = (before, current[t])
    got = {int(ran.order[j]): (int(ran.before[j]), int(ran.after[j])) for j in range(len(rows))}
    assert got == expected
    finals = {int(twin[ran.order[j]]): int(ran.after[j]) for j in np.flatnonzero(ran.last)}
    assert finals == {t: current[t] for t in set(twin.tolist())}
