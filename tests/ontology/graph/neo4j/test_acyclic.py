"""The Neo4j store's statements leave no reference cycle of the driver's (``_acyclic``).

With the collector off, what a store read leaves behind is freed by refcounting
when the call returns, or it is garbage only the collector would find; before
``_acyclic`` every statement left about 50 such objects (docs/graphql.md).
"""

from __future__ import annotations

import gc
import json
import tracemalloc
import weakref
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, TypeVar

import neo4j
import pytest
from neo4j.exceptions import ClientError

from ontology import CONTAINS, Edge, Neo4jStore, Neo4jStoreSettings, SignalUpdate, TwinSpec
from ontology.graph.neo4j._acyclic import Sessions, release
from ontology.graph.neo4j._cypher import Cypher
from ontology.graph.neo4j._db import Neo4jDatabase, Runs

NODE = "dtmi:test:Node;1"
MODEL = json.dumps({"@context": "dtmi:dtdl:context;3", "@id": NODE, "@type": "Interface"})
WHO = "tester"
T = TypeVar("T")


@pytest.fixture
def store(neo4j_uri: str, neo4j_namespace: str) -> Iterator[Neo4jStore]:
    """Sixteen twins, four under ``t0`` and the others under those, each with a signal."""
    store = Neo4jStore(Neo4jStoreSettings(uri=neo4j_uri, namespace=neo4j_namespace))
    store.add_models([MODEL], principal=WHO)
    store.upsert_twins([TwinSpec(f"t{i}", NODE) for i in range(16)], principal=WHO)
    store.add_edges([Edge(f"t{i // 4}", CONTAINS, f"t{i}") for i in range(1, 16)], principal=WHO)
    now = datetime.now(UTC)
    store.set_signals([SignalUpdate(f"t{i}", "power", float(i), now) for i in range(16)])
    yield store
    store.close()


@pytest.fixture
def db(neo4j_uri: str, neo4j_namespace: str) -> Iterator[Neo4jDatabase]:
    db = Neo4jDatabase(Neo4jStoreSettings(uri=neo4j_uri, namespace=neo4j_namespace))
    yield db
    db.close()


def _cyclic_garbage(call: Callable[[], object], times: int = 5) -> Counter[str]:
    """The types of what ``times`` calls left that only the cyclic collector frees: the
    garbage made of objects those calls allocated (``tracemalloc`` knows them).

    Garbage of objects made before the calls is not theirs: under a heavy CPU load a cycle
    of a result the fixture's statements left (one hydration scope, allocated before the
    calls) was held by a pooled connection until a call reused it, and became garbage in
    the middle of the calls (2026-12-07: 1 to 8 runs of 10 under three busy loops)."""
    call()  # warm: caches, the kept hierarchy, pooled connections
    call()
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    tracing = not tracemalloc.is_tracing()
    if tracing:
        tracemalloc.start(1)
    try:
        for _ in range(times):
            call()
        gc.collect()
        made = [found for found in gc.garbage if tracemalloc.get_object_traceback(found)]
        return Counter(type(found).__qualname__ for found in made)
    finally:
        if tracing:
            tracemalloc.stop()
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


def _without_collector(call: Callable[[], T], seen: list[weakref.ref[Any]]) -> T:
    """``call()`` once warm, with the collector off: ``seen`` then holds that call's refs."""
    call()
    seen.clear()
    gc.collect()
    gc.disable()
    try:
        return call()
    finally:
        gc.enable()


@pytest.mark.neo4j
@pytest.mark.parametrize(
    ("name", "call"),
    [
        ("twins_with_signals", lambda s: s.twins_with_signals(["t1", "t2", "nope"])),
        ("get_twins", lambda s: s.get_twins(["t1", "t2"])),
        ("get_twin", lambda s: s.get_twin("t3")),
        ("descendants", lambda s: s.descendants("t0")),
        ("count_descendants", lambda s: s.count_descendants("t0")),
        ("children_below", lambda s: s.children_below(["t0"], 2)),
        ("signals_of", lambda s: s.signals_of(["t1", "t5"])),
        ("list_models", lambda s: s.list_models()),
    ],
)
def test_a_store_read_of_one_statement_leaves_no_cycle(
    store: Neo4jStore, name: str, call: Callable[[Neo4jStore], object]
) -> None:
    left = _cyclic_garbage(lambda: call(store))
    assert not left, f"{name} left cyclic garbage: {left.most_common(8)}"


@pytest.mark.neo4j
def test_read_one_frees_its_result_and_session_without_the_collector(
    db: Neo4jDatabase,
) -> None:
    seen: list[weakref.ref[Any]] = []

    def work(tx: Runs) -> list[int]:
        result = tx.run("UNWIND range(1, 3) AS i RETURN i")
        seen.append(weakref.ref(result))
        seen.append(weakref.ref(result._hydration_scope))
        return [record["i"] for record in result]

    assert _without_collector(lambda: db.read_one(work), seen) == [1, 2, 3]
    assert len(seen) == 2
    assert [ref() for ref in seen] == [None, None]  # freed by refcounting


@pytest.mark.neo4j
def test_a_managed_read_frees_its_transaction_and_results_without_the_collector(
    db: Neo4jDatabase,
) -> None:
    seen: list[weakref.ref[Any]] = []

    def work(tx: neo4j.ManagedTransaction) -> list[int]:
        seen.append(weakref.ref(tx))
        got = []
        for query in ("RETURN 1 AS i", "RETURN 2 AS i"):
            result = tx.run(query)
            seen.append(weakref.ref(result))
            got.append(result.single(strict=True)["i"])
        return got

    assert _without_collector(lambda: db.read(work), seen) == [1, 2]
    assert len(seen) == 3  # the transaction and its two results
    assert [ref() for ref in seen] == [None, None, None]


@pytest.mark.neo4j
def test_sessions_name_their_database_and_access_mode(
    neo4j_driver: neo4j.Driver, neo4j_namespace: str
) -> None:
    sessions = Sessions(neo4j_driver, "neo4j")
    cy = Cypher(neo4j_namespace)
    create = cy("CREATE (:Meta {key: 'probe'})")
    count = cy("MATCH (m:Meta {key: 'probe'}) RETURN count(m) AS n")
    with sessions.open(neo4j.READ_ACCESS) as session, pytest.raises(ClientError):
        session.run(create).consume()
    with sessions.open(neo4j.WRITE_ACCESS) as session:
        session.run(create).consume()
    with sessions.open(neo4j.READ_ACCESS) as session:
        assert session.run(count).single(strict=True)["n"] == 1
        database = session.run("CALL db.info() YIELD name RETURN name").single(strict=True)
        assert database["name"] == "neo4j"


def test_release_leaves_objects_it_does_not_know_alone() -> None:
    kept = {"a": 1}
    release([None, 3, "text", kept])  # no driver state to empty: nothing happens
    assert kept == {"a": 1}
