"""Reads of concurrent callers shared in one statement (``_shared.SharedRead``), and the
Neo4j store's ``twins_with_signals`` through it: the same answers as reads of their own,
and each sees every write committed before it was called."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from ontology import (
    CONTAINS,
    Edge,
    Neo4jStore,
    Neo4jStoreSettings,
    NotFoundError,
    SignalUpdate,
    TwinSpec,
)
from ontology.graph.neo4j._shared import SharedRead

MODEL = json.dumps(
    {"@context": "dtmi:dtdl:context;3", "@id": "dtmi:test:Node;1", "@type": "Interface"}
)
NODE = "dtmi:test:Node;1"
WHO = "tester"
WAIT_S = 10.0


class _Gated:
    """A read that records its keys and holds its first call until ``release``."""

    def __init__(self, fail: set[str] | None = None) -> None:
        self.calls: list[list[str]] = []
        self.release = threading.Event()
        self.fail = fail or set()
        self._first = True
        self._lock = threading.Lock()

    def __call__(self, keys: list[str]) -> Mapping[str, str]:
        with self._lock:
            self.calls.append(keys)
            first, self._first = self._first, False
        if first:
            assert self.release.wait(WAIT_S)
        bad = self.fail.intersection(keys)
        if bad:
            raise ValueError(f"bad key {sorted(bad)[0]!r}")
        return {k: k.upper() for k in keys if not k.startswith("missing")}


def _joined(shared: SharedRead[str, str], keys: int) -> None:
    """Until the batch waiting behind the running read holds ``keys`` keys."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        waiting = shared._waiting
        if waiting and len(waiting[-1].keys) >= keys:
            return
        time.sleep(0.001)
    raise AssertionError(f"no batch of {keys} keys formed within {WAIT_S} s")


def _running(
    pool: ThreadPoolExecutor, shared: SharedRead[str, str], read: _Gated
) -> Future[Mapping[str, str]]:
    """A call of key ``a``, once its read runs (held by ``read`` until released)."""
    first = pool.submit(shared, ["a"])
    deadline = time.monotonic() + WAIT_S
    while not read.calls and time.monotonic() < deadline:
        time.sleep(0.001)
    return first


def test_calls_made_while_a_read_runs_go_together_each_key_once() -> None:
    read = _Gated()
    shared = SharedRead(read, most=100)
    with ThreadPoolExecutor(8) as pool:
        first = _running(pool, shared, read)
        asked = [["b", "c"], ["c"], ["missing-1", "d"], ["b"]]
        later = [pool.submit(shared, keys) for keys in asked]
        _joined(shared, 4)  # b, c, missing-1, d
        read.release.set()
        assert first.result()["a"] == "A"
        for keys, future in zip(asked, later, strict=True):
            got = future.result()
            assert {k: got.get(k) for k in keys} == {
                k: (None if k.startswith("missing") else k.upper()) for k in keys
            }
    assert read.calls == [["a"], ["b", "c", "missing-1", "d"]]


def test_a_call_that_does_not_fit_starts_the_next_batch() -> None:
    read = _Gated()
    shared = SharedRead(read, most=3)
    with ThreadPoolExecutor(8) as pool:
        first = _running(pool, shared, read)
        second = pool.submit(shared, ["b", "c"])
        _joined(shared, 2)
        third = pool.submit(shared, ["d", "e"])  # 2 + 2 > 3: a batch of its own
        deadline = time.monotonic() + WAIT_S
        while len(shared._waiting) < 2 and time.monotonic() < deadline:
            time.sleep(0.001)
        read.release.set()
        assert first.result()["a"] == "A"
        assert second.result()["c"] == "C"
        assert third.result()["e"] == "E"
    assert read.calls == [["a"], ["b", "c"], ["d", "e"]]


def test_when_a_shared_read_fails_each_caller_reads_alone() -> None:
    read = _Gated(fail={"bad"})
    shared = SharedRead(read, most=100)
    with ThreadPoolExecutor(8) as pool:
        first = _running(pool, shared, read)
        good = pool.submit(shared, ["b"])
        bad = pool.submit(shared, ["bad"])
        _joined(shared, 2)
        read.release.set()
        assert first.result()["a"] == "A"
        assert good.result()["b"] == "B"  # its own read, after the shared one failed
        with pytest.raises(ValueError, match="'bad'"):
            bad.result()
    assert sorted(map(tuple, read.calls)) == [("a",), ("b",), ("b", "bad"), ("bad",)]


def test_a_lone_call_gets_its_error_from_the_one_read() -> None:
    read = _Gated(fail={"bad"})
    read.release.set()
    shared = SharedRead(read, most=100)
    with pytest.raises(ValueError, match="'bad'"):
        shared(["bad"])
    assert read.calls == [["bad"]]
    assert shared(["x"])["x"] == "X"  # the next call runs: nothing left held


# ------------------------------------------------------------------- on Neo4j


@pytest.fixture
def stores(neo4j_uri: str, neo4j_namespace: str) -> Iterator[tuple[Neo4jStore, Neo4jStore]]:
    """A store sharing its reads and one that does not, on the same twins."""
    # exists_stale_ms 0: each store reads at every call, so one sees the other's writes at
    # once (the kept answers' bound is tested in test_kept_existence.py)
    shared = Neo4jStore(
        Neo4jStoreSettings(uri=neo4j_uri, namespace=neo4j_namespace, exists_stale_ms=0)
    )
    alone = Neo4jStore(
        Neo4jStoreSettings(
            uri=neo4j_uri, namespace=neo4j_namespace, share_reads=False, exists_stale_ms=0
        )
    )
    shared.add_models([MODEL], principal=WHO)
    shared.upsert_twins([TwinSpec(f"t{i}", NODE) for i in range(16)], principal=WHO)
    yield shared, alone
    shared.close()
    alone.close()


@pytest.mark.neo4j
def test_concurrent_reads_answer_as_reads_of_their_own(
    stores: tuple[Neo4jStore, Neo4jStore],
) -> None:
    shared, alone = stores
    now = datetime.now(UTC)
    shared.set_signals([SignalUpdate(f"t{i}", "power", float(i), now) for i in range(0, 16, 2)])
    asked = [[f"t{i}", f"t{(i * 5) % 16}", "nope"] for i in range(16)] * 4
    with ThreadPoolExecutor(16) as pool:
        got = list(pool.map(shared.twins_with_signals, asked))
    assert got == [alone.twins_with_signals(ids) for ids in asked]
    assert got[3][0] is not None and got[3][2] is None
    assert got[2][0] is not None and got[2][0][1]["power"].value == 2.0


@pytest.mark.neo4j
def test_concurrent_existence_checks_answer_as_checks_of_their_own(
    stores: tuple[Neo4jStore, Neo4jStore],
) -> None:
    shared, alone = stores
    asked = [[f"t{i}", f"t{(i * 5) % 16}", "nope", f"t{i + 16}"] for i in range(16)] * 4
    with ThreadPoolExecutor(16) as pool:
        got = list(pool.map(shared.twins_exist, asked))
    assert got == [alone.twins_exist(ids) for ids in asked]
    assert got[3] == (True, True, False, False)
    shared.delete_twin("t3", etag=None, principal=WHO)
    with ThreadPoolExecutor(16) as pool:
        after = list(pool.map(shared.twins_exist, asked))
    assert after[3] == (False, True, False, False)
    assert after == [alone.twins_exist(ids) for ids in asked]


@pytest.mark.neo4j
def test_each_read_sees_the_writes_committed_before_it(
    stores: tuple[Neo4jStore, Neo4jStore],
) -> None:
    """Sixteen threads each write their twin's value and read it back, 20 times over:
    a read shared with others' never answers from before its own write."""
    shared, _ = stores
    start = datetime.now(UTC)
    stale: list[str] = []

    def writer_reader(i: int) -> None:
        twin = f"t{i}"
        for n in range(20):
            value = float(i * 1000 + n)
            shared.set_signals([SignalUpdate(twin, "power", value, start + timedelta(seconds=n))])
            (found,) = shared.twins_with_signals([twin])
            if found is None or found[1]["power"].value != value:
                stale.append(f"{twin}: wrote {value}, read {found}")

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(writer_reader, range(16)))
    assert stale == []


@pytest.mark.neo4j
def test_concurrent_counts_answer_as_counts_of_their_own_before_and_after_a_change(
    stores: tuple[Neo4jStore, Neo4jStore],
) -> None:
    """``count_descendants`` calls share their counter reads (and Neo4j's counts while the
    kept hierarchy is not current): each answer is a lone store's, an unknown twin is
    ``NotFoundError``, and a change another store makes shows in the next calls."""
    shared, alone = stores
    chain = [Edge(f"t{i}", CONTAINS, f"t{i + 1}") for i in range(15)]
    alone.add_edges(chain, principal=WHO)
    asked = [f"t{i % 16}" for i in range(64)]

    def counts(twin: str) -> int | str:
        try:
            return shared.count_descendants(twin)
        except NotFoundError:
            return "not found"

    with ThreadPoolExecutor(16) as pool:
        assert list(pool.map(counts, [*asked, "nope"])) == [
            *(15 - int(t[1:]) for t in asked),
            "not found",
        ]
        alone.remove_edge("t7", CONTAINS, "t8", principal=WHO)
        assert list(pool.map(counts, asked)) == [alone.count_descendants(t) for t in asked]
    assert shared.count_descendants("t0") == 7
