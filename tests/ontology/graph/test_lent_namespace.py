"""A namespace lent again by the pool (``neo4j_lent_namespace``) is one a new store would see.

The contract suite's Neo4j store runs on prefixes lent from
``tests/_neo4j_namespaces.py``: the schema made once, the nodes deleted after
each test. These tests check that a prefix lent for the second time, after a
test wrote every kind of node a store keeps, answers exactly as a new prefix
does: the same schema, no node, and the same answers (sequence numbers, times,
counters) to the same calls; and that a prefix a test changed is not lent again.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from neo4j import Driver

from ontology import (
    CONTAINS,
    Aggregate,
    Alias,
    Edge,
    Neo4jStore,
    Neo4jStoreSettings,
    RollupSpec,
    SignalUpdate,
    Twin,
)
from tests._neo4j_namespaces import Neo4jNamespacePool, neo4j_namespace_schema
from tests._services import (
    NEO4J_DATABASE,
    neo4j_namespace_nodes,
)
from tests.ontology.graph.conftest import (
    PLANT_CONTAINS,
    PLANT_TWINS,
    START,
    WHO,
    FixedClock,
    all_model_texts,
)

pytestmark = pytest.mark.neo4j


def _open(uri: str, namespace: str) -> Neo4jStore:
    return Neo4jStore(Neo4jStoreSettings(uri=uri, namespace=namespace), clock=FixedClock())


@pytest.fixture
def pool(neo4j_uri: str, neo4j_driver: Driver) -> Iterator[Neo4jNamespacePool]:
    """A pool of the test's own, so that which prefix it lends is known."""
    made = Neo4jNamespacePool(neo4j_driver, lambda namespace: _open(neo4j_uri, namespace).close())
    yield made
    made.close()


def _story(store: Neo4jStore) -> list[object]:
    """Every kind of node a store writes, and what the store answers about it (no etags:
    those are random on every write)."""
    seen: list[object] = []
    seen.append(
        [(m.dtmi, m.uploaded_at) for m in store.add_models(all_model_texts(), principal=WHO)]
    )
    seen.append(store.upsert_twins(PLANT_TWINS, principal=WHO))
    contains = [Edge(parent, CONTAINS, child) for parent, child in PLANT_CONTAINS]
    seen.append(store.add_edges(contains, principal=WHO))
    store.add_aliases("machine/m1", [Alias("erp", "EQ-1")], principal=WHO)
    store.set_signals([SignalUpdate("machine/m1", "power", 7.5, START, "b1")])
    store.set_signals([SignalUpdate("machine/p1", "power", 2.5, START, "b1")])
    store.define_rollup(RollupSpec("powerTotal", "power", Aggregate.SUM), principal=WHO)
    seen.append(store.recompute_rollups())
    seen.append(store.rollups())
    seen.append(dict(store.get_signals("site/s1")))
    seen.append(store.resolve_aliases("erp", ["EQ-1"]))
    seen.append(
        [(t.id, t.model, dict(t.properties), t.lifecycle, t.created_at) for t in _twins(store)]
    )
    audit = store.audit(first=1000).items
    seen.append([(r.seq, r.at, r.principal, r.action, r.key) for r in audit])
    seen.append([(m.dtmi, m.uploaded_at, m.uploaded_by) for m in store.list_models()])
    return seen


def _twins(store: Neo4jStore) -> list[Twin]:
    return list(store.list_twins(first=1000).items)


def _counters(driver: Driver, namespace: str) -> dict[str, int]:
    """The store's ``Meta`` counters (sequence numbers and change counts)."""
    records, _, _ = driver.execute_query(
        f"MATCH (m:`{namespace}_Meta`) RETURN m.key AS key, m.version AS v",
        database_=NEO4J_DATABASE,
    )
    return {record["key"]: record["v"] for record in records}


def _empty_answers(store: Neo4jStore) -> list[object]:
    return [
        store.list_models(),
        store.list_twins().items,
        store.audit().items,
        store.rollups(),
        store.twins_exist(["site/s1"]),
    ]


def test_a_lent_again_namespace_answers_as_a_new_one(
    pool: Neo4jNamespacePool, neo4j_namespace: str, neo4j_uri: str, neo4j_driver: Driver
) -> None:
    with pool.lease() as first:
        store = _open(neo4j_uri, first)
        try:
            _story(store)
        finally:
            store.close()
        assert neo4j_namespace_nodes(neo4j_driver, first) > 0
        assert _counters(neo4j_driver, first)
    with pool.lease() as again:
        assert again == first  # the same prefix, emptied
        lent, fresh = _open(neo4j_uri, again), _open(neo4j_uri, neo4j_namespace)
        try:
            schema = neo4j_namespace_schema(neo4j_driver, again)
            assert schema == neo4j_namespace_schema(neo4j_driver, neo4j_namespace) == pool.schema
            assert len(schema) == 6 + 6 + 7  # constraints, their indexes, plain indexes
            assert neo4j_namespace_nodes(neo4j_driver, again) == 0
            assert _counters(neo4j_driver, again) == _counters(neo4j_driver, neo4j_namespace) == {}
            assert _empty_answers(lent) == _empty_answers(fresh)
            assert _story(lent) == _story(fresh)
            assert _counters(neo4j_driver, again) == _counters(neo4j_driver, neo4j_namespace)
        finally:
            lent.close()
            fresh.close()
    assert pool.dropped == 0


def test_a_namespace_left_with_other_nodes_is_emptied_of_them_too(
    pool: Neo4jNamespacePool, neo4j_driver: Driver
) -> None:
    with pool.lease() as first:
        neo4j_driver.execute_query(
            f"CREATE (:`{first}_Extra` {{id: 1}})-[:REL]->(:`{first}_Twin` {{id: 'x'}})",
            database_=NEO4J_DATABASE,
        )
    assert neo4j_namespace_nodes(neo4j_driver, first) == 0
    with pool.lease() as again:
        assert again == first
    assert pool.dropped == 0


def test_a_namespace_whose_schema_a_test_changed_is_dropped_not_lent_again(
    pool: Neo4jNamespacePool, neo4j_driver: Driver
) -> None:
    with pool.lease() as first:
        neo4j_driver.execute_query(f"DROP INDEX {first}_audit_at", database_=NEO4J_DATABASE)
    assert pool.dropped == 1
    assert neo4j_namespace_schema(neo4j_driver, first) == frozenset()
    with pool.lease() as other:
        assert other != first
        assert neo4j_namespace_schema(neo4j_driver, other) == pool.schema
