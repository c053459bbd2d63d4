"""Twins' existence kept by the Neo4j store while the ``topology`` counter holds.

``twins_exist`` keeps what it read with the counter; ``kept_exist`` answers from that
without a query. This store's own creates and deletes are seen by the next call; another
store's (another process) by every call that begins ``exists_stale_ms`` after it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime

import pytest

import ontology
from ontology import Edge, InvalidError, Neo4jStore, Neo4jStoreSettings, NotFoundError, TwinSpec
from ontology.graph.neo4j._kept_existence import KeptExistence

MODEL = json.dumps(
    {
        "@context": "dtmi:dtdl:context;3",
        "@id": "dtmi:test:Thing;1",
        "@type": "Interface",
        "contents": [{"@type": "Property", "name": "label", "schema": "string"}],
    }
)
THING = "dtmi:test:Thing;1"
WHO = "tester"


def _store(uri: str, namespace: str, stale_ms: int) -> Neo4jStore:
    return Neo4jStore(Neo4jStoreSettings(uri=uri, namespace=namespace, exists_stale_ms=stale_ms))


@pytest.fixture
def store(neo4j_uri: str, neo4j_namespace: str) -> Iterator[Neo4jStore]:
    store = _store(neo4j_uri, neo4j_namespace, 60_000 // 6)  # 10 s: nothing ages in a test
    store.add_models([MODEL], principal=WHO)
    store.upsert_twins([TwinSpec("a", THING), TwinSpec("b", THING)], principal=WHO)
    yield store
    store.close()


def test_the_bound_is_checked() -> None:
    with pytest.raises(InvalidError, match="exists_stale_ms is -1; expected an integer"):
        Neo4jStoreSettings(uri="bolt://127.0.0.1:1", exists_stale_ms=-1)
    with pytest.raises(InvalidError, match="exists_stale_ms is 10001"):
        Neo4jStoreSettings(uri="bolt://127.0.0.1:1", exists_stale_ms=10_001)


@pytest.mark.neo4j
def test_a_read_is_kept_and_answered_without_a_query(store: Neo4jStore) -> None:
    assert store.kept_exist(["a", "zz"]) is None  # nothing read yet
    assert store.twins_exist(["a", "zz", "b"]) == (True, False, True)
    assert store.kept_exist(["b", "a", "zz"]) == (True, True, False)
    assert store.kept_exist(["a", "never-asked"]) is None  # one id not kept: not answered


@pytest.mark.neo4j
def test_own_creates_and_deletes_are_seen_by_the_next_call(store: Neo4jStore) -> None:
    assert store.twins_exist(["a", "c"]) == (True, False)
    store.create_twin(TwinSpec("c", THING), principal=WHO)
    assert store.kept_exist(["c"]) is None
    assert store.twins_exist(["c", "a"]) == (True, True)
    store.delete_twin("a", etag=None, principal=WHO)
    assert store.kept_exist(["a"]) is None
    assert store.twins_exist(["a", "c"]) == (False, True)
    # a twin "renamed": deleted and created again under another id, in bulk
    store.delete_twin("c", etag=None, principal=WHO)
    store.upsert_twins([TwinSpec("c2", THING)], principal=WHO)
    assert store.twins_exist(["c", "c2"]) == (False, True)
    assert store.kept_exist(["c", "c2"]) == (False, True)


@pytest.mark.neo4j
def test_a_live_signal_write_keeps_the_answers(store: Neo4jStore) -> None:
    assert store.twins_exist(["a"]) == (True,)
    store.set_signals([ontology.SignalUpdate("a", "label", "x", datetime.now(UTC))])
    assert store.kept_exist(["a"]) == (True,)  # no twin created or deleted: still kept


@pytest.fixture
def reader(
    store: Neo4jStore, neo4j_uri: str, request: pytest.FixtureRequest
) -> Iterator[Neo4jStore]:
    """A second store on the same namespace (another process's), with the bound given."""
    with closing(_store(neo4j_uri, store.settings.namespace, request.param)) as second:
        yield second


@pytest.mark.neo4j
@pytest.mark.parametrize("reader", [300], indirect=True)
def test_another_stores_delete_is_seen_once_the_bound_has_passed(
    store: Neo4jStore, reader: Neo4jStore
) -> None:
    assert reader.twins_exist(["a", "b"]) == (True, True)
    store.delete_twin("a", etag=None, principal=WHO)
    store.create_twin(TwinSpec("d", THING), principal=WHO)
    # within the bound the kept answer may still be given (not asserted: a slow host)
    time.sleep(0.35)
    assert reader.kept_exist(["a", "b"]) is None  # the last reading is too old
    assert reader.twins_exist(["a", "b", "d"]) == (False, True, True)
    assert reader.kept_exist(["a", "d"]) == (False, True)


@pytest.mark.neo4j
@pytest.mark.parametrize("reader", [1_000], indirect=True)
def test_the_cache_thread_keeps_the_reading_fresh_under_steady_calls(
    store: Neo4jStore, reader: Neo4jStore
) -> None:
    assert reader.twins_exist(["a"]) == (True,)
    hits = calls = 0
    end = time.monotonic() + 2.5
    while time.monotonic() < end:  # past half the bound, a call wakes the cache's thread
        hits += reader.kept_exist(["a"]) == (True,)
        calls += 1
        time.sleep(0.02)
    assert hits > 0.7 * calls  # without the thread, every call after the first second misses
    store.delete_twin("a", etag=None, principal=WHO)  # another store's write
    time.sleep(1.05)
    assert reader.twins_exist(["a"]) == (False,)


@pytest.mark.neo4j
@pytest.mark.parametrize("reader", [0], indirect=True)
def test_with_no_bound_nothing_is_kept(store: Neo4jStore, reader: Neo4jStore) -> None:
    assert reader.twins_exist(["a", "b"]) == (True, True)
    assert reader.kept_exist(["a", "b"]) is None
    store.delete_twin("a", etag=None, principal=WHO)
    assert reader.twins_exist(["a", "b"]) == (False, True)  # at once


def test_an_answer_read_before_an_own_write_is_not_kept() -> None:
    kept = KeptExistence(lambda: 7, stale_ms=10_000)
    writes, started = kept.writes, time.monotonic()
    kept.wrote()  # the store's write ended while the read ran
    kept.keep(7, started, writes, {"a": True})
    assert kept.kept(["a"]) is None
    kept.keep(7, time.monotonic(), kept.writes, {"a": False})
    assert kept.kept(["a"]) == (False,)
    kept.close()


def test_answers_read_at_another_counter_are_not_given() -> None:
    kept = KeptExistence(lambda: 8, stale_ms=10_000)
    kept.keep(7, time.monotonic(), 0, {"a": True})
    assert kept.kept(["a"]) == (True,)
    kept.keep(8, time.monotonic(), 0, {"b": True})  # the counter moved: "a" dropped
    assert kept.kept(["a"]) is None
    assert kept.kept(["b"]) == (True,)
    kept.close()


@pytest.mark.neo4j
@pytest.mark.parametrize("reader", [300], indirect=True)
def test_descendants_from_the_kept_hierarchy_follow_the_bound(
    store: Neo4jStore, reader: Neo4jStore
) -> None:
    # the kept hierarchy's check uses a recent reading of the counter: no statement
    store.add_edges([Edge("a", ontology.CONTAINS, "b")], principal=WHO)
    assert store.descendants("a").items == ("b",)
    store.create_twin(TwinSpec("a/c", THING), principal=WHO)
    store.add_edges([Edge("a", ontology.CONTAINS, "a/c")], principal=WHO)
    assert store.descendants("a").items == ("a/c", "b")  # own writes: at once
    assert store.count_descendants("a") == 2
    with pytest.raises(NotFoundError):
        store.descendants("nowhere")
    assert store.descendants("a").items == ("a/c", "b")
    assert reader.descendants("a").items == ("a/c", "b")
    store.remove_edge("a", ontology.CONTAINS, "b", principal=WHO)  # another store's write
    time.sleep(0.35)
    assert reader.descendants("a").items == ("a/c",)
    assert reader.count_descendants("a") == 1
