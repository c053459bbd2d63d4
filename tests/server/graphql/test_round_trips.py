"""Store round trips per query do not grow with the result (DataLoaders, one batch per level).

The store is the real in-process store wrapped in a proxy that counts calls:
instrumentation of the real store, not a stand-in for it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import cast

import pytest
from neo4j import Driver

import loaders
import ontology
from ontology.access import Action, Principal
from server.graphql import GraphQLLimits
from server.graphql import _loaders as server_loaders
from tests._services import drop_neo4j_namespace, unique_name
from tests.server.graphql.conftest import Counting, data, make_client

NESTED = """query($id: ID!) { twin(id: $id) { id children(first: 1000) { nodes { id signals { name }
  model { dtmi } children(first: 1000) { nodes { id properties children(first: 1000) {
  totalCount nodes { id lifecycle signals { name value } model { dtmi } } } } } } } } }"""
BATCHED = (
    "get_twins",
    "children_below",
    "twins_with_signals",
    "list_models",
    "model_set",
    "rollups",
)


class CountingAuthorizer:
    def __init__(self) -> None:
        self.calls = 0

    def allowed(
        self, principal: Principal, action: Action, twin_ids: Sequence[str]
    ) -> tuple[bool, ...]:
        self.calls += 1
        return (True,) * len(twin_ids)


def _plant(
    twins: int, fan_out: int, store: ontology.GraphStore | None = None
) -> tuple[ontology.GraphStore, str]:
    plant = loaders.generate_plant(twins, fan_out=fan_out, multi_parent_share=0.0)
    store = store if store is not None else ontology.MemoryStore()
    store.add_models(plant.models, principal="t")
    store.upsert_twins(plant.twins, principal="t")
    store.add_edges(plant.edges, principal="t")
    return store, plant.roots[0]


def _count(
    twins: int, fan_out: int, store: ontology.GraphStore | None = None
) -> tuple[Counter[str], int, int]:
    store, root = _plant(twins, fan_out, store)
    counting = Counting(store)
    authorizer = CountingAuthorizer()
    unlimited = GraphQLLimits(max_cost=10**12)  # three levels of first: 1000 weigh 10**9
    client = make_client(
        cast(ontology.GraphStore, counting), authorizer=authorizer, limits=unlimited
    )
    got = data(client, NESTED, {"id": root})
    leaves = [
        n
        for c in got["twin"]["children"]["nodes"]
        for g in c["children"]["nodes"]
        for n in g["children"]["nodes"]
    ]
    return counting.calls, authorizer.calls, len(leaves)


def test_batched_reads_and_authorizer_calls_are_constant() -> None:
    small, small_auth, small_leaves = _count(400, 7)
    large, large_auth, large_leaves = _count(1111, 10)
    assert (small_leaves, large_leaves) == (343, 1000)
    for name in BATCHED:
        assert large[name] == small[name], name
    assert large["get_twins"] <= 4
    assert large_auth == small_auth <= 8


def test_every_store_call_is_constant_over_a_3_level_query() -> None:
    small, _, small_leaves = _count(400, 7)
    large, _, large_leaves = _count(1111, 10)
    assert (small_leaves, large_leaves) == (343, 1000)
    assert large == small
    assert large["children_below"] == 1  # the three levels of children at once
    assert "children_of" not in large
    assert "children" not in large
    assert "get_signals" not in large


@pytest.mark.neo4j
def test_every_neo4j_store_call_is_constant_over_a_3_level_query(
    neo4j_uri: str, neo4j_driver: Driver
) -> None:
    counts: list[Counter[str]] = []
    for twins, fan_out, leaves in ((40, 3, 27), (156, 5, 125)):
        namespace = unique_name("t")
        store = ontology.Neo4jStore(ontology.Neo4jStoreSettings(uri=neo4j_uri, namespace=namespace))
        try:
            calls, _, got_leaves = _count(twins, fan_out, store)
        finally:
            store.close()
            drop_neo4j_namespace(neo4j_driver, namespace)
        assert got_leaves == leaves
        counts.append(calls)
    assert counts[0] == counts[1]
    assert counts[1]["children_below"] == 1


IDS_ONLY = """query($id: ID!) { twin(id: $id) { id children(first: 1000) { totalCount nodes { id
  children(first: 1000) { edges { node { id children(first: 1000) { nodes { id } } } } } } } } }"""


def _tree(store: ontology.GraphStore, twin_id: str, levels: int) -> object:
    if levels == 0:
        return twin_id
    kids = store.children(twin_id, first=ontology.MAX_PAGE).items
    return (twin_id, [_tree(store, k, levels - 1) for k in kids])


def _answered(node: dict[str, object], levels: int) -> object:
    if levels == 0:
        return node["id"]
    kids = cast(dict[str, list[dict[str, object]]], node["children"])
    found = kids["nodes"] if "nodes" in kids else [e["node"] for e in kids["edges"]]
    return (node["id"], [_answered(cast(dict[str, object], k), levels - 1) for k in found])


def test_a_nested_selection_of_ids_reads_no_twin_records() -> None:
    store, root = _plant(1111, 10)
    counting = Counting(store)
    client = make_client(cast(ontology.GraphStore, counting), limits=GraphQLLimits(max_cost=10**12))
    got = data(client, IDS_ONLY, {"id": root})
    assert _answered(got["twin"], 3) == _tree(store, root, 3)
    assert got["twin"]["children"]["totalCount"] == 10
    assert counting.calls == {"children_below": 1}  # it also tells that the root exists
    assert data(client, IDS_ONLY, {"id": "no/such/twin"}) == {"twin": None}


def test_a_tree_past_the_read_limit_is_read_on_level_by_level(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(server_loaders, "TREE_READ_LIMIT", 50)  # levels of 1, 10, 100, 1000
    store, root = _plant(1111, 10)
    counting = Counting(store)
    client = make_client(cast(ontology.GraphStore, counting), limits=GraphQLLimits(max_cost=10**12))
    got = data(client, IDS_ONLY, {"id": root})
    assert _answered(got["twin"], 3) == _tree(store, root, 3)
    # the first call reads 2 levels (11 twins; 111 would pass 50); the 3rd level's
    # children resolve in one batch of their own
    assert counting.calls == {"children_below": 1, "children_of": 1}  # no get_twins: ids only


def test_a_long_page_reads_its_twins_and_live_signals_in_one_call() -> None:
    store, _ = _plant(400, 7)
    store.set_signals(
        [
            ontology.SignalUpdate(t.id, "power", float(i), datetime(2026, 1, 1, tzinfo=UTC), "b")
            for i, t in enumerate(store.list_twins(first=300).items)
        ]
    )
    counting = Counting(store)
    client = make_client(cast(ontology.GraphStore, counting))
    got = data(client, "{ twins(first: 300) { nodes { id signals { name value } } } }")
    nodes = got["twins"]["nodes"]
    assert len(nodes) == 300
    for node in nodes:
        held = store.get_signals(node["id"])
        assert node["signals"] == [{"name": n, "value": held[n].value} for n in sorted(held)]
    assert counting.calls["twins_with_signals"] == 1  # records and signals together
    assert "get_twins" not in counting.calls
    assert "signals_of" not in counting.calls


CHILDREN_SIGNALS = """query($id: ID!) { twin(id: $id) { id children(first: 100) {
  nodes { id signals { name value } } } } }"""


def _with_signals(twins: int, fan_out: int) -> tuple[ontology.GraphStore, str, list[str]]:
    store, root = _plant(twins, fan_out)
    kids = list(store.children(root, first=100).items)
    store.set_signals(
        [
            ontology.SignalUpdate(k, "power", float(i), datetime(2026, 1, 1, tzinfo=UTC), "b")
            for i, k in enumerate(kids)
        ]
    )
    return store, root, kids


def test_a_twin_its_children_and_their_signals_take_one_store_call() -> None:
    store, root, kids = _with_signals(111, 10)
    counting = Counting(store)
    client = make_client(cast(ontology.GraphStore, counting))
    got = data(client, CHILDREN_SIGNALS, {"id": root})
    nodes = got["twin"]["children"]["nodes"]
    assert [n["id"] for n in nodes] == kids
    assert [n["signals"] for n in nodes] == [
        [{"name": "power", "value": float(i)}] for i in range(len(kids))
    ]
    assert counting.calls == {
        "children_with_signals": 1,  # the root, its children, their records and signals
        "model_set": 1,  # the signals' units (beside it, in the same worker-thread hop)
    }
    assert data(client, CHILDREN_SIGNALS, {"id": "no/such/twin"}) == {"twin": None}


PAGED_CHILDREN = """query($id: ID!, $after: String) { twin(id: $id) { id modelId
  children(first: 3, after: $after) { totalCount pageInfo { hasNextPage endCursor }
  edges { cursor node { id modelId signals { name value unit } } } } } }"""


def test_a_page_of_children_with_signals_answers_as_the_twin_reads_do() -> None:
    store, root, kids = _with_signals(111, 10)
    counting = Counting(store)
    client = make_client(cast(ontology.GraphStore, counting))
    seen: list[str] = []
    after = None
    while True:
        got = data(client, PAGED_CHILDREN, {"id": root, "after": after})["twin"]
        assert got["modelId"] == store.get_twin(root).model
        page = got["children"]
        assert page["totalCount"] == len(kids)
        for edge in page["edges"]:
            node = edge["node"]
            assert node["modelId"] == store.get_twin(node["id"]).model
            value = store.get_signals(node["id"])["power"].value
            assert node["signals"] == [{"name": "power", "value": value, "unit": None}]
            seen.append(node["id"])
        after = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
    assert seen == kids
    assert counting.calls["children_with_signals"] == 4  # one per request: 3 + 3 + 3 + 1
    assert "twins_with_signals" not in counting.calls
    assert "get_twins" not in counting.calls


def test_a_bad_cursor_for_children_with_signals_is_reported_by_the_field() -> None:
    store, root, _ = _with_signals(111, 10)
    client = make_client(store)
    response = client.post(
        "/graphql", json={"query": PAGED_CHILDREN, "variables": {"id": root, "after": "nope"}}
    )
    errors = response.json()["errors"]
    assert "is not a cursor from this API" in errors[0]["message"]
