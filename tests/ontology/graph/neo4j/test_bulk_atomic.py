"""A bulk call larger than one batch is all or nothing, also when Neo4j fails it midway.

Such a call is written one batch per transaction. These tests make a later
batch fail on the real server, after earlier batches committed: another
transaction holds a lock the batch needs, the test waits until the store's
transaction is blocked on it (``SHOW TRANSACTIONS``), then either commits a
twin the batch wants to create (a uniqueness violation the store could not
see when it planned) or terminates the store's transaction (it waits for an
edge the other transaction wrote). Afterwards nothing
of the call may be left: no twin, edge, alias or audit record, and replaced
twins and updated edges are back as they were.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
from neo4j import Driver, Transaction

from ontology import (
    CONTAINS,
    Alias,
    ConflictError,
    Edge,
    OntologyError,
    TwinSpec,
)
from tests.ontology.graph.neo4j.test_store import ASSET, MODEL, WHO, _store

pytestmark = pytest.mark.neo4j

AT = "2026-01-01T00:00:00+00:00"


@contextmanager
def _holding(driver: Driver, query: str, **params: object) -> Iterator[Transaction]:
    """An open transaction that ran ``query`` (and holds its locks) until committed or left."""
    with driver.session(database="neo4j") as session:
        tx = session.begin_transaction()
        try:
            tx.run(query, params).consume()
            yield tx
        finally:
            if not tx.closed():
                tx.rollback()


def _blocked(driver: Driver, namespace: str) -> str:
    """The id of the store's transaction once it waits for a lock (a statement on ``namespace``)."""
    query = (
        "SHOW TRANSACTIONS YIELD transactionId, currentQuery, status "
        "WHERE status STARTS WITH 'Blocked' AND currentQuery CONTAINS $label "
        "RETURN transactionId"
    )
    deadline = time.monotonic() + 120  # a bound on waiting, not a timing assertion
    while time.monotonic() < deadline:
        records = driver.execute_query(query, label=f":{namespace}_", database_="neo4j").records
        if records:
            return str(records[0][0])
        time.sleep(0.05)
    pytest.fail("the store's write never waited for the lock the other transaction holds")


def test_an_upsert_failing_in_a_later_batch_leaves_nothing_of_the_call(
    neo4j_uri: str, neo4j_namespace: str, neo4j_driver: Driver
) -> None:
    store = _store(neo4j_uri, neo4j_namespace, batch_size=2)
    try:
        store.add_models([MODEL], principal=WHO)
        old = store.create_twin(
            TwinSpec("t0", ASSET, {"label": "old"}, aliases=(Alias("erp", "OLD"),)),
            principal=WHO,
        )
        audit_before = store.audit(first=1000).items
        specs = [TwinSpec("t0", ASSET, {"label": "new"}, aliases=(Alias("erp", "NEW"),))]
        specs += [
            TwinSpec(f"t{i}", ASSET, {"label": f"n{i}"}, aliases=(Alias("erp", f"E{i}"),))
            for i in range(1, 6)
        ]
        # Batches: [t0 (replaced), t1], [t2, t3], [t4, t5]. Another writer creates t3.
        theirs = (
            f"CREATE (:{neo4j_namespace}_Twin {{id: 't3', model: $model, lifecycle: 'active', "
            "etag: 'theirs', props: '{}', aliases: '[]', created: $at, updated: $at})"
        )
        with (
            _holding(neo4j_driver, theirs, model=ASSET, at=AT) as other,
            ThreadPoolExecutor(max_workers=1) as pool,
        ):
            call = pool.submit(store.upsert_twins, specs, principal=WHO)
            _blocked(neo4j_driver, neo4j_namespace)
            other.commit()
            with pytest.raises(ConflictError):
                call.result(timeout=300)

        assert store.get_twin("t0") == old
        assert store.get_twins(["t1", "t2", "t4", "t5"]) == (None, None, None, None)
        assert store.get_twin("t3").etag == "theirs"
        assert store.resolve_aliases("erp", ["OLD", "NEW", "E1", "E2", "E3"]) == (
            "t0",
            None,
            None,
            None,
            None,
        )
        assert store.audit(first=1000).items == audit_before
    finally:
        store.close()


def test_add_edges_terminated_in_a_later_batch_leaves_nothing_of_the_call(
    neo4j_uri: str, neo4j_namespace: str, neo4j_driver: Driver
) -> None:
    store = _store(neo4j_uri, neo4j_namespace, batch_size=2)
    try:
        store.add_models([MODEL], principal=WHO)
        twins = [TwinSpec(f"a{i}", ASSET) for i in range(6)]
        assert store.upsert_twins(twins, principal=WHO).created == 6
        feeds = Edge("a4", "feeds", "a5", {"note": "old"})
        store.add_edges([feeds], principal=WHO)
        audit_before = store.audit(first=1000).items
        edges = [
            Edge("a0", CONTAINS, "a1"),
            Edge("a0", CONTAINS, "a2"),
            Edge("a4", "feeds", "a5", {"note": "new"}),  # the second batch waits for this edge
            Edge("a1", CONTAINS, "a3"),
            Edge("a2", CONTAINS, "a3"),
        ]
        lock = (
            f"MATCH (:{neo4j_namespace}_Twin {{id: 'a4'}})-[e]->"
            f"(:{neo4j_namespace}_Twin {{id: 'a5'}}) SET e.locked = true"
        )
        with (
            _holding(neo4j_driver, lock) as other,
            ThreadPoolExecutor(max_workers=1) as pool,
        ):
            call = pool.submit(store.add_edges, edges, principal=WHO)
            blocked = _blocked(neo4j_driver, neo4j_namespace)
            terminated = neo4j_driver.execute_query(
                "TERMINATE TRANSACTIONS $id", id=blocked, database_="neo4j"
            ).records
            assert [record["transactionId"] for record in terminated] == [blocked]
            other.rollback()
            with pytest.raises(OntologyError):
                call.result(timeout=300)

        assert store.edges_from("a4") == (feeds,)
        assert store.edges_from("a0") == ()
        assert store.edges_to("a3") == ()
        assert store.descendants("a0").items == ()
        assert store.audit(first=1000).items == audit_before
    finally:
        store.close()
