"""The compiled kernel (numba loops) and the numpy kernel give the same batches and state.

Random frames of every kind of row (numbers, booleans, texts, nulls, stale
nulls; unknown and retired twins, unknown signals, wrong types, NaN/inf, out
of range, too far ahead, too late, duplicates, out of order), fused in turn
over a state both kernels carry, with a mode machine that has numeric, text
and ``in`` rules.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest import IngestError
from ingest.frame import Frame, Kind
from ingest.pipeline import (
    Fused,
    FusionKernel,
    FusionState,
    Pipeline,
    SignalTable,
    _kernel_compiled,
    _kernel_jit,
    commit,
    pipeline_from_document,
)
from ontology.history import Quality
from tests.ingest.conftest import NOW_US, PIPELINE_DOC, T0_US

S = 1_000_000
FRAME_TWINS = ("a", "b", "c", "d", "e", "nobody")
FRAME_SIGNALS = (
    "speed", "temperature", "faultCode", "running", "product", "TEMP_F", "colour", "mode"
)  # fmt: skip
"""``mode`` is the machine's signal: a text sample for it meets the machine's names."""
TWINS = 5  # worker twins; "nobody" is unknown


def _pipeline() -> Pipeline:
    doc: dict[str, Any] = {**PIPELINE_DOC, "time": {"max_future": 5, "allowed_lateness": 10}}
    mode = dict(doc["mode"])
    mode["rules"] = [
        {"when": "product", "op": "eq", "value": "jam", "symbol": "fault"},
        {"when": "product", "op": "in", "value": ["ok", 3], "symbol": "clear"},
        {"when": "running", "op": "eq", "value": 0, "symbol": "still"},
        {"when": "speed", "op": "in", "value": [7, 8, "x"], "symbol": "fault"},
        *mode["rules"],
    ]
    doc["mode"] = mode
    return pipeline_from_document(doc)


PIPELINE = _pipeline()

VALUES = st.one_of(
    st.sampled_from([0.0, 1.0, -0.0, 7.0, 8.0, 5000.0, 7000.0, -100.0, math.nan, math.inf]),
    st.floats(-200, 7000, allow_nan=False),
)
ROW = st.tuples(
    st.integers(0, len(FRAME_TWINS) - 1),
    st.integers(0, len(FRAME_SIGNALS) - 1),
    st.integers(-40, 70).map(lambda s: T0_US + s * S // 4),  # ahead of NOW_US too
    st.sampled_from(list(Kind)),
    VALUES,
    st.sampled_from(["jam", "ok", "3", "x"]),
    st.sampled_from([int(Quality.GOOD), int(Quality.STALE)]),
)


def frame_of(rows: list[tuple[int, int, int, Kind, float, str, int]], dup: list[int]) -> Frame:
    rows = rows + [rows[i % len(rows)] for i in dup] if rows else rows
    n = len(rows)
    text = np.empty(n, dtype=object)
    value = np.empty(n, dtype=np.float64)
    for i, (_, _, _, kind, v, t, _) in enumerate(rows):
        value[i] = v if kind in (Kind.NUMBER, Kind.BOOLEAN) else math.nan
        text[i] = t if kind == Kind.TEXT else None
    return Frame(
        twin=np.array([r[0] for r in rows], dtype=np.int32),
        signal=np.array([r[1] for r in rows], dtype=np.int32),
        time=np.array([r[2] for r in rows], dtype=np.int64),
        value=value,
        kind=np.array([int(r[3]) for r in rows], dtype=np.uint8),
        text=text,
        quality=np.array([r[6] for r in rows], dtype=np.uint8),
        position=np.arange(n, dtype=np.int64),
        twins=FRAME_TWINS,
        signals=FRAME_SIGNALS,
    )


class Side:
    """One kernel with its state, fed the same frames as the other side."""

    def __init__(self, compiled: bool, threads: int = 1, rows_per_range: int = 16_384) -> None:
        """``rows_per_range``: the fewest rows a thread validates (small: frames are cut)."""
        self.signals = SignalTable(PIPELINE)
        self.kernel = FusionKernel(PIPELINE, self.signals, compiled=compiled, threads=threads)
        if self.kernel.compiled is not None:
            self.kernel.compiled.rows_per_range = rows_per_range
            self.kernel.compiled.late_rows_per_range = rows_per_range
        self.state = FusionState(len(self.signals.names))
        self.state.ensure_twins(TWINS)
        index = self.signals.index
        self.signal_map = np.array([index.get(s, -1) for s in FRAME_SIGNALS], dtype=np.int32)
        self.scale = np.array([2.0 if s == "TEMP_F" else 1.0 for s in FRAME_SIGNALS])
        self.offset = np.array([-32.0 if s == "TEMP_F" else 0.0 for s in FRAME_SIGNALS])
        self.signal_map[FRAME_SIGNALS.index("TEMP_F")] = index["temperature"]

    def fuse(self, frame: Frame, retired: np.ndarray, at_us: int) -> Fused:
        twin_map = np.array([0, 1, 2, 3, 4, -1], dtype=np.int32)
        fused = self.kernel.fuse(
            frame, twin_map, retired, self.signal_map, self.scale, self.offset, self.state, at_us
        )
        commit(self.kernel, fused, self.state)
        return fused


def assert_same(a: Any, b: Any, what: str) -> None:
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype, what
        if a.dtype == object:
            assert a.tolist() == b.tolist(), what
        else:
            assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), what
    else:
        assert a == b, what


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    batches=st.lists(
        st.tuples(
            st.lists(ROW, max_size=40),
            st.lists(st.integers(0, 60), max_size=4),
            st.lists(st.booleans(), min_size=TWINS, max_size=TWINS),
            st.integers(0, 20),
        ),
        min_size=1,
        max_size=4,
    ),
    threads=st.integers(1, 3),
    rows_per_range=st.sampled_from([1, 5, 16_384]),
)
def test_the_compiled_kernel_gives_what_the_numpy_kernel_gives(
    batches: list[tuple[list[Any], list[int], list[bool], int]], threads: int, rows_per_range: int
) -> None:
    """On one thread or several (``threads``; frames cut into ranges of ``rows_per_range``
    rows or more, each validated on its own thread): the same batches as the numpy steps."""
    compiled, reference = Side(True, threads, rows_per_range), Side(False)
    for rows, dup, retired_flags, clock in batches:
        frame = frame_of(rows, dup)
        retired = np.array(retired_flags, dtype=np.bool_)
        at_us = NOW_US - 3600 * S + clock * S  # NOW_US is an hour after T0_US
        got, want = compiled.fuse(frame, retired, at_us), reference.fuse(frame, retired, at_us)
        for name in Fused.__slots__:
            left, right = getattr(got, name), getattr(want, name)
            if name == "moves":
                for column in ("twin", "time", "before", "after"):
                    assert_same(getattr(left, column), getattr(right, column), f"moves.{column}")
            else:
                assert_same(left, right, name)
        for name in ("seen_time", "state_time", "state_value", "state_text", "mode", "mode_time"):
            assert_same(getattr(compiled.state, name), getattr(reference.state, name), name)
        assert compiled.state.watermark == reference.state.watermark


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_a_frame_over_many_twins_and_late_rows_matches(threads: int) -> None:
    """A bigger frame than hypothesis draws: thousands of rows, 1 % late, some duplicated."""
    rng = np.random.default_rng(3)
    n = 5000
    time = T0_US + np.arange(n, dtype=np.int64) * 100
    late = rng.random(n) < 0.01
    time[late] -= rng.integers(1, 200_000, int(late.sum()))
    rows = [
        (int(rng.integers(0, 5)), int(rng.integers(0, 3)), int(t), Kind.NUMBER, v, "", 0)
        for t, v in zip(time, rng.choice([0.0, 1.0, 3.0, 1500.0], n).tolist(), strict=True)
    ]
    frame = frame_of(rows, rng.integers(0, n, 20).tolist())
    compiled, reference = Side(True, threads, rows_per_range=700), Side(False)
    retired = np.zeros(TWINS, dtype=np.bool_)
    got, want = compiled.fuse(frame, retired, NOW_US), reference.fuse(frame, retired, NOW_US)
    assert got.reject_counts() == want.reject_counts()
    assert got.reject_counts()["duplicate"] > 0
    for name in ("twin", "signal", "time", "value", "update", "seen", "reject_rows"):
        assert_same(getattr(got, name), getattr(want, name), name)
    assert len(got.moves) == len(want.moves) > 0
    assert_same(got.moves.time, want.moves.time, "moves.time")


@pytest.mark.parametrize("threads", [1, 2])
def test_a_text_sample_of_the_mode_signal_and_a_move_of_the_machine_in_one_batch(
    threads: int,
) -> None:
    """The machine's name is written after the batch's texts (as the numpy steps do), and its
    times after the other keys' (the compiled commit runs them beside the others only when
    no key of the batch is the mode signal's)."""
    speed, mode = FRAME_SIGNALS.index("speed"), FRAME_SIGNALS.index("mode")
    rows = [
        (0, mode, T0_US + 2 * S, Kind.TEXT, math.nan, "jam", 0),
        (0, speed, T0_US + S, Kind.NUMBER, 1500.0, "", 0),  # STOP -> RUNNING, earlier
        (1, speed, T0_US + S, Kind.NUMBER, 1500.0, "", 0),
    ]
    retired = np.zeros(TWINS, dtype=np.bool_)
    compiled, reference = Side(True, threads), Side(False)
    for frame in (frame_of(rows, []), frame_of(rows[1:], [])):  # with, then without the text
        got, want = compiled.fuse(frame, retired, NOW_US), reference.fuse(frame, retired, NOW_US)
        assert got.mode_keys == want.mode_keys
        for name in ("seen_time", "state_time", "state_text", "mode", "mode_time"):
            assert_same(getattr(compiled.state, name), getattr(reference.state, name), name)
    key = 0 * compiled.state.signals + compiled.signals.index["mode"]
    assert reference.state.state_text[key] == "RUNNING"


def test_batches_still_held_keep_their_columns() -> None:
    """The compiled kernel writes a batch into memory it uses again once nothing holds the
    batch: batches kept alive over later ones still equal the numpy kernel's."""
    rng = np.random.default_rng(5)
    compiled, reference = Side(True), Side(False)
    retired = np.zeros(TWINS, dtype=np.bool_)
    kept: list[tuple[Fused, Fused]] = []
    for b in range(4):
        rows = [
            (int(rng.integers(0, 5)), int(rng.integers(0, 3)), T0_US + (b * 50 + i) * S // 10,
             Kind.NUMBER, float(v), "", 0)
            for i, v in enumerate(rng.choice([0.0, 1.0, 1500.0], 50).tolist())
        ]  # fmt: skip
        frame = frame_of(rows, [1, 2])
        got, want = compiled.fuse(frame, retired, NOW_US), reference.fuse(frame, retired, NOW_US)
        if b % 2 == 0:
            kept.append((got, want))
        del got, want
    for got, want in kept:
        for name in ("twin", "signal", "time", "value", "kind", "quality", "update", "seen",
                     "seen_key", "seen_newer", "reject_rows", "reject_code"):  # fmt: skip
            assert_same(getattr(got, name), getattr(want, name), name)


def test_the_kernel_is_compiled_once_per_process() -> None:
    FusionKernel(PIPELINE, SignalTable(PIPELINE))
    again = FusionKernel(PIPELINE, SignalTable(PIPELINE))
    assert again.compile_seconds == 0.0
    assert _kernel_compiled.warm() == 0.0


def test_a_function_numba_cannot_cache_is_compiled_without_a_cache() -> None:
    """Numba finds no place for a cache of code without a source file (like a read-only
    package without a user cache directory): the loop still compiles and runs."""
    namespace: dict[str, Any] = {}
    exec("def double(x):\n    return 2 * x\n", namespace)  # no file: no cache locator
    before = len(_kernel_jit.CACHING)
    double = _kernel_jit._jit(namespace["double"])
    assert double(21) == 42
    assert _kernel_jit.CACHING[before:] == [False]
    del _kernel_jit.CACHING[before:]


@pytest.mark.parametrize("compiled", [True, False])
def test_an_empty_frame_gives_an_empty_batch(compiled: bool) -> None:
    side = Side(compiled)
    fused = side.fuse(frame_of([], []), np.zeros(TWINS, dtype=np.bool_), NOW_US)
    assert len(fused.time) == len(fused.reject_rows) == len(fused.moves) == 0
    assert fused.watermark == side.state.watermark


def test_codes_outside_the_tables_are_refused_with_an_error_not_read() -> None:
    """The loops do not check bounds: the wrapper and the loop refuse what would overrun."""
    side = Side(True)
    frame = frame_of([(0, 0, T0_US, Kind.NUMBER, 1.0, "", 0)], [])
    bad_code = dataclasses.replace(frame, twin=np.array([len(FRAME_TWINS)], dtype=np.int32))
    retired = np.zeros(TWINS, dtype=np.bool_)
    with pytest.raises(IndexError, match="outside its name table"):
        side.fuse(bad_code, retired, NOW_US)
    too_far = np.array([0, 1, 2, 3, side.state.twins, -1], dtype=np.int32)
    with pytest.raises(IngestError, match=f"twin index {side.state.twins}"):
        side.kernel.fuse(
            frame, too_far, retired, side.signal_map, side.scale, side.offset, side.state, NOW_US
        )


@pytest.mark.parametrize("threads", [0, -1, 65])
def test_a_thread_count_outside_its_range_is_refused(threads: int) -> None:
    with pytest.raises(IngestError, match=f"kernel_threads {threads}: expected 1 to 64"):
        FusionKernel(PIPELINE, SignalTable(PIPELINE), threads=threads)


def _order_in_parts(
    times: list[int], keys: list[int], cuts: list[int], parts: int
) -> tuple[list[int], list[int]]:
    """The loops' ordering alone: rows validated in the ranges ``cuts`` makes (every row
    accepted, key ``keys[i]``: twin ``key // 3``, signal ``key % 3``), merged in ``parts``
    parts; the history's frame rows and the codes."""
    n, signals = len(times), 3
    f_time = np.array(times, dtype=np.int64)
    twin = np.array([k // signals for k in keys], dtype=np.int32)
    signal = np.array([k % signals for k in keys], dtype=np.int32)
    twin_map, signal_map = (
        np.arange(max(keys, default=0) // signals + 1, dtype=np.int32),
        (np.arange(signals, dtype=np.int32)),
    )
    ones, zeros = np.ones(signals), np.zeros(signals)
    work, code = np.empty(6 * n, dtype=np.int64), np.zeros(n, dtype=np.uint8)
    bounds = list(itertools.pairwise(sorted({0, n, *(c % (n + 1) for c in cuts)})))
    lists = [
        _kernel_jit.validate(
            lo, hi, twin, signal, f_time, ones[np.zeros(n, np.intp)], np.zeros(n, np.uint8),
            twin_map, np.zeros(0, np.bool_), signal_map, ones, zeros,
            np.zeros(signals, np.uint8), -np.inf * ones, np.inf * ones, 2**62, -(2**63),
            signals, work, code,
        )[3:]
        for lo, hi in bounds
    ]  # fmt: skip
    ranges = np.array(
        [(lo, *found) for (lo, _), found in zip(bounds, lists, strict=True)], dtype=np.int64
    ).reshape(-1, 3)
    late, starts, before = _kernel_jit.order_lists(ranges, f_time, work, code)
    if parts > 1:  # as the kernel: one part finds the late rows' duplicates as it merges
        edges = sorted({0, late.shape[0], *(c % (late.shape[0] + 1) for c in cuts)})
        for lo, hi in itertools.pairwise(edges):
            _kernel_jit.late_duplicates(lo, hi, late, starts, before, f_time, work, code)
        late = late[code[late] == 0]
    where = _kernel_jit.merge_cuts(parts, starts, before, late, f_time, work)
    history = (
        np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n, np.int32),
        np.empty(n, np.int32), np.empty(n, np.float64), np.empty(n, np.uint8),
        np.empty(n, np.uint8),
    )  # fmt: skip
    quality = np.zeros(n, np.uint8)
    kept = [
        _kernel_jit.merge(p, where, starts, before, late, f_time, quality, work, code, *history)
        for p in range(parts)
    ]
    m = sum(kept)
    assert parts == 1 or kept == np.diff(where[:, 0]).tolist()  # no duplicate left to drop
    assert history[1][:m].tolist() == [times[r] for r in history[0][:m]]  # the columns follow
    assert history[2][:m].tolist() == [keys[r] // signals for r in history[0][:m]]
    assert history[3][:m].tolist() == [keys[r] % signals for r in history[0][:m]]
    return history[0][:m].tolist(), code.tolist()


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(st.tuples(st.integers(0, 12), st.integers(0, 5)), max_size=120),
    cuts=st.lists(st.integers(0, 200), max_size=4),
    parts=st.integers(1, 8),
)
def test_the_ordering_merged_in_parts_is_a_stable_sort_without_duplicates(
    rows: list[tuple[int, int]], cuts: list[int], parts: int
) -> None:
    """However the frame is cut into ranges and the merge into parts (ties and duplicates
    at the parts' edges too): rows by (time, key), in frame order where both are equal,
    each (time, key) once (the first row; the others' code is DUPLICATE)."""
    times, keys = [T0_US + t for t, _ in rows], [k for _, k in rows]
    got, code = _order_in_parts(times, keys, cuts, parts)
    order = sorted(range(len(rows)), key=lambda i: (times[i], keys[i], i))
    want = [i for j, i in enumerate(order) if not j or rows[order[j - 1]] != rows[i]]
    assert got == want
    assert [i for i, c in enumerate(code) if c] == sorted(set(order) - set(want))
    assert all(code[i] == _kernel_jit.DUPLICATE for i in set(order) - set(want))


def _changes_in_ranges(
    keys: list[int], values: list[float], state: list[tuple[int, float]], shift: int, order: int
) -> tuple[list[int], list[int], list[bool], list[bool], list[int], int]:
    """The newest-per-key loops alone over a history of rows in time order (row ``p``: key
    ``keys[p]`` as twin ``key // 3``, signal ``key % 3``, time ``p``, value ``values[p]``;
    key ``k``'s state: time seen and value ``state[k]``): the key bitmap's words gathered a
    word at a time and the rows changed in blocks of ``2**shift`` rows, both run in the
    order ``order`` draws (0: in turn, 1: backwards, else shuffled), as threads may.
    The lists ``seen``, ``seen_key``, ``newer``, ``changed``, ``update``, and the mode
    signal's (signal 1's) key count."""
    m, signals = len(keys), 3
    twin = np.array([k // signals for k in keys], dtype=np.int32)
    signal = np.array([k % signals for k in keys], dtype=np.int32)
    time, value = np.arange(m, dtype=np.int64), np.array(values, dtype=np.float64)
    seen_time = np.array([t for t, _ in state], dtype=np.int64)
    state_value = np.array([v for _, v in state], dtype=np.float64)
    words = np.zeros(len(state) // 64 + 2, dtype=np.uint64)
    slots = np.full(len(state), 7, dtype=np.int32)  # leftovers of other batches: not read
    rec = np.full(2 * m, 99, dtype=np.int64)
    flag = np.full(m, 5, dtype=np.uint8)
    _kernel_jit.newest(twin, signal, signals, words, slots, flag)
    blocks = (m >> shift) + 1
    counts = np.zeros((words.shape[0], blocks), dtype=np.int64)
    rng = np.random.default_rng(order)

    def ordered(n: int) -> list[int]:
        turn = list(range(n))
        return turn if order == 0 else turn[::-1] if order == 1 else rng.permutation(n).tolist()

    for w in ordered(words.shape[0]):  # a word a range
        _kernel_jit.gather(
            w, w + 1, words, slots, seen_time, state_value, rec, flag, counts[w], shift
        )
    assert not words.any()  # cleared for the next batch
    firsts = np.concatenate(([0], np.cumsum(counts.sum(axis=0))))
    count = int(firsts[-1])
    seen, seen_key, update = (np.full(m + 1, -3, dtype=np.int64) for _ in range(3))
    newer, changed = np.zeros(m + 1, dtype=np.bool_), np.zeros(m + 1, dtype=np.bool_)
    deadband, got = np.array([0.5, 0.0, 2.0]), {}
    for b in ordered(blocks):
        got[b] = _kernel_jit.changes(
            b << shift, min(m, (b + 1) << shift), int(firsts[b]), flag, rec, twin, signals,
            time, signal, value, np.zeros(m, np.uint8), np.zeros(m, np.uint8), deadband, 1,
            seen, seen_key, newer, changed, update,
        )  # fmt: skip
    rows = [int(update[firsts[b] + i]) for b in range(blocks) for i in range(got[b][0])]
    return (
        seen[:count].tolist(), seen_key[:count].tolist(), newer[:count].tolist(),
        changed[:count].tolist(), rows, sum(mode for _, mode in got.values()),
    )  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(st.tuples(st.integers(0, 200), st.sampled_from([0.0, 1.0, 3.0])), max_size=90),
    seen=st.lists(st.integers(-1, 100), min_size=201, max_size=201),
    shift=st.integers(0, 4),
    order=st.integers(0, 5),
)
def test_the_newest_rows_in_blocks_and_key_ranges_in_any_order(
    rows: list[tuple[int, float]], seen: list[int], shift: int, order: int
) -> None:
    """Each key's newest row (the last) in row order, whether it is newer than the key's
    state and moved past its signal's deadband, however the key bitmap and the rows are
    cut and in whatever order the parts run (threads take them as they come)."""
    keys, values = [k for k, _ in rows], [v for _, v in rows]
    state = [(t, float(t % 3)) for t in seen]
    got = _changes_in_ranges(keys, values, state, shift, order)
    last = {k: p for p, k in enumerate(keys)}
    want_seen = sorted(last.values())
    newer = [p > state[keys[p]][0] for p in want_seen]
    deadband = (0.5, 0.0, 2.0)
    moved = [not abs(values[p] - state[keys[p]][1]) <= deadband[keys[p] % 3] for p in want_seen]
    changed = [n and m for n, m in zip(newer, moved, strict=True)]
    assert got[0] == want_seen
    assert got[1] == [keys[p] for p in want_seen]
    assert got[2] == newer
    assert got[3] == changed
    assert got[4] == [p for p, c in zip(want_seen, changed, strict=True) if c]
    assert got[5] == sum(keys[p] % 3 == 1 for p in want_seen)
