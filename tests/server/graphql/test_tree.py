"""A nested selection of ids is completed directly (``_tree``): the same answers and errors.

Each query runs twice: as it is (ids only: the direct completion) and with
``lifecycle`` added on every level of twins, which needs their records and so
leaves every level to graphql-core; with ``lifecycle`` taken out again, both
answers must be the same, errors (message and path) included.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from graphql import GraphQLObjectType
from starlette.testclient import TestClient

import loaders
import ontology
from server.graphql import GraphQLLimits, _tree
from server.graphql._tree import TreeExecutionContext
from tests.server.graphql.conftest import make_client, run

TREE = """query($id: ID!, $first: Int, $inner: Int, $after: String, $deep: Boolean!) {
  twin(id: $id) { id
    kids: children(first: $first) { __typename totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      nodes { ...Ids LIFECYCLE
        children(first: $inner, after: $after) { totalCount edges { cursor node { id LIFECYCLE
          children @include(if: $deep) { nodes { __typename id LIFECYCLE } } } } } }
      more: edges { cursor node { ... on Twin { twin: id LIFECYCLE } } } } } }
fragment Ids on Twin { id }"""
LIVE = """query($id: ID!) { twin(id: $id) { children(first: 3) { nodes { id LIFECYCLE
  signals { __typename name value unit time quality batch }
  named: signals(names: ["power", "nothing"]) { value } } } } }"""


@pytest.fixture(scope="module")
def tree() -> tuple[TestClient, str]:
    plant = loaders.generate_plant(156, fan_out=5, multi_parent_share=0.0)
    store = ontology.MemoryStore()
    store.add_models(plant.models, principal="t")
    store.upsert_twins(plant.twins, principal="t")
    store.add_edges(plant.edges, principal="t")
    now = datetime(2026, 6, 1, tzinfo=UTC)
    store.set_signals(
        [ontology.SignalUpdate(t.id, "power", i * 0.5, now, "b") for i, t in enumerate(plant.twins)]
    )
    return make_client(store, limits=GraphQLLimits(max_cost=10**9)), plant.roots[0]


@pytest.fixture
def completed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The object types the direct completion answered (it is spied on)."""
    names: list[str] = []
    direct_object = TreeExecutionContext._object

    def spy(self: TreeExecutionContext, kind: GraphQLObjectType, *args: Any) -> Any:
        names.append(kind.name)
        return direct_object(self, kind, *args)

    monkeypatch.setattr(TreeExecutionContext, "_object", spy)
    return names


def _without_lifecycle(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_lifecycle(v) for k, v in value.items() if k != "lifecycle"}
    if isinstance(value, list):
        return [_without_lifecycle(v) for v in value]
    return value


def _both(client: TestClient, variables: dict[str, Any], query: str = TREE) -> tuple[Any, Any]:
    direct = run(client, query.replace("LIFECYCLE", ""), variables)
    generic = run(client, query.replace("LIFECYCLE", "lifecycle"), variables)
    assert "errors" in generic or "lifecycle" in str(generic)  # the records were read
    return direct, _without_lifecycle(generic)


@pytest.mark.parametrize("deep", [True, False])
def test_ids_only_trees_answer_as_graphql_core_does(
    tree: tuple[TestClient, str], deep: bool, completed: list[str]
) -> None:
    client, root = tree
    direct, generic = _both(
        client, {"id": root, "first": 3, "inner": None, "after": None, "deep": deep}
    )
    assert "errors" not in direct
    assert {"TwinConnection", "Twin", "TwinEdge", "PageInfo"} <= set(completed)
    assert direct == generic
    kids = direct["data"]["twin"]["kids"]
    assert kids["totalCount"] > 3 and kids["pageInfo"]["hasNextPage"]
    assert [n["id"] for n in kids["nodes"]] == [e["node"]["twin"] for e in kids["more"]]
    grandchildren = kids["nodes"][0]["children"]["edges"]
    assert grandchildren and ("children" in grandchildren[0]["node"]) is deep


def test_a_page_after_a_cursor_answers_the_same(tree: tuple[TestClient, str]) -> None:
    client, root = tree
    first, _ = _both(client, {"id": root, "first": 1, "inner": 5, "after": None, "deep": False})
    edges = first["data"]["twin"]["kids"]["nodes"][0]["children"]["edges"]
    direct, generic = _both(
        client, {"id": root, "first": 1, "inner": 5, "after": edges[0]["cursor"], "deep": True}
    )
    assert direct == generic
    after = direct["data"]["twin"]["kids"]["nodes"][0]["children"]["edges"]
    assert [e["node"]["id"] for e in after] == [e["node"]["id"] for e in edges[1:]]


@pytest.mark.parametrize(
    ("inner", "after", "message"),
    [(100_000, None, "page cap"), (2, "not-a-cursor", "not a cursor from this API")],
)
def test_errors_below_are_reported_as_graphql_core_does(
    tree: tuple[TestClient, str], inner: int, after: str | None, message: str
) -> None:
    client, root = tree
    variables = {"id": root, "first": 2, "inner": inner, "after": after, "deep": True}
    direct, generic = _both(client, variables)
    assert direct["errors"] and message in direct["errors"][0]["message"]
    assert direct["errors"][0]["path"][:3] == ["twin", "kids", "nodes"]
    assert direct == generic


def test_live_signals_read_ahead_answer_as_graphql_core_does(
    tree: tuple[TestClient, str], completed: list[str]
) -> None:
    client, root = tree
    direct, generic = _both(client, {"id": root}, LIVE)
    assert "errors" not in direct
    assert "Signal" in completed
    assert direct == generic
    nodes = direct["data"]["twin"]["children"]["nodes"]
    assert len(nodes) == 3
    assert all(n["signals"][0]["name"] == "power" and n["named"] for n in nodes)


def test_a_plan_kept_across_requests_answers_each_with_its_own_reads() -> None:
    plant = loaders.generate_plant(40, fan_out=3, multi_parent_share=0.0)
    store = ontology.MemoryStore()
    store.add_models(plant.models, principal="t")
    store.upsert_twins(plant.twins, principal="t")
    store.add_edges(plant.edges, principal="t")
    client = make_client(store)
    query = 'query($id: ID!) { twin(id: $id) { id signals(names: ["power"]) { value } } }'
    twin_id = plant.twins[-1].id
    answers = []
    for value in (1.5, 2.5, 3.5):
        update = ontology.SignalUpdate(twin_id, "power", value, datetime.now(UTC), f"b{value}")
        store.set_signals([update])
        answers.append(run(client, query, {"id": twin_id}))
    assert [a["data"]["twin"]["signals"] for a in answers] == [
        [{"value": 1.5}],
        [{"value": 2.5}],
        [{"value": 3.5}],
    ]
    kept = [nodes for nodes, plan in _tree._shared.values() if plan is not None]
    assert {"twin", "signals"} <= {node.name.value for nodes in kept for node in nodes}
    other = run(client, query, {"id": plant.twins[-2].id})["data"]["twin"]
    assert other == {"id": plant.twins[-2].id, "signals": []}


def test_a_selection_reading_a_variable_is_planned_per_request(
    tree: tuple[TestClient, str],
) -> None:
    client, root = tree
    query = """query($id: ID!, $n: Int!, $deep: Boolean!) { twin(id: $id) {
      children { nodes { id children(first: $n) { nodes { id
        children @include(if: $deep) { totalCount } } } } } } }"""
    for n, deep in ((1, False), (2, True), (1, True)):
        got = run(client, query, {"id": root, "n": n, "deep": deep})
        assert "errors" not in got
        for node in got["data"]["twin"]["children"]["nodes"]:
            below = node["children"]["nodes"]
            assert len(below) == n
            assert all(("children" in b) is deep for b in below)
