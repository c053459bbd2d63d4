"""Bad input gets a clear GraphQL error, never a 500 and never an injected effect.

Malformed queries, depth, alias and token bombs, costly pages, huge ``first``,
unknown ids, Cypher- and SQL-injection strings in every string argument,
oversized bodies, slow and failing stores.
"""

from __future__ import annotations

import time
from typing import Any, cast

import pytest
from starlette.testclient import TestClient

import ontology
from server.graphql import GraphQLLimits
from tests.server.graphql.conftest import data, error_messages, make_client, run

INJECTIONS = (
    "' OR 1=1 --",
    '"}) MATCH (n) DETACH DELETE n //',
    "x') RETURN 1 UNION MATCH (n) DETACH DELETE n //",
    "'; DROP TABLE twins; --",
    "acme/jkt1' OR '1'='1",
    "$where: {}",
)

EVERY_STRING_ARGUMENT = """query($s: String!, $id: ID!) {
  a: twin(id: $id) { id }
  b: twin(alias: {namespace: $s, value: $s}) { id }
  c: twins(filter: {model: $s}) { totalCount }
  d: twins(filter: {semanticType: $s}) { totalCount }
  e: twins(filter: {under: $id}) { totalCount }
  f: twins(filter: {alias: {namespace: $s, value: $s}}) { totalCount }
  g: model(dtmi: $s) { dtmi }
  h: twin(id: "acme/jkt1") {
    signals(names: [$s]) { name }
    relationships(name: $s) { name }
    descendants(model: $s) { totalCount }
    sem: descendants(semanticType: $s) { totalCount }
  }
}"""


def _counts(store: ontology.GraphStore) -> tuple[int, int, int]:
    twins = store.list_twins(first=ontology.MAX_PAGE).items
    edges = sum(len(store.edges_from(t.id)) for t in twins)
    return len(twins), edges, len(store.list_models())


@pytest.mark.parametrize("text", INJECTIONS)
def test_injection_strings_in_every_string_argument_change_nothing(
    client: TestClient, plant: ontology.GraphStore, text: str
) -> None:
    before = _counts(plant)
    body = run(client, EVERY_STRING_ARGUMENT, {"s": text, "id": text})
    for message in error_messages(body):
        assert message != "Internal server error."
    got = body["data"]
    assert got["a"] is None and got["b"] is None and got["g"] is None
    assert got["c"]["totalCount"] == got["d"]["totalCount"] == got["e"]["totalCount"] == 0
    assert got["h"]["signals"] == [] and got["h"]["relationships"] == []
    assert _counts(plant) == before


def test_injection_in_a_cursor_is_refused_clearly(client: TestClient) -> None:
    body = run(
        client, "query($a: String) { twins(after: $a) { totalCount } }", {"a": INJECTIONS[1]}
    )
    (message,) = error_messages(body)
    assert "is not a cursor from this API" in message


@pytest.mark.parametrize(
    "query",
    ['{ twin(id: "x" { id }', "{ twins { totalCount }", "query { ", "{ twin(id: 12 { id } }", "}{"],
)
def test_malformed_queries_get_a_syntax_error(client: TestClient, query: str) -> None:
    response = client.post("/graphql", json={"query": query})
    assert response.status_code in (200, 400)
    (message,) = error_messages(response.json())
    assert message.startswith("Syntax Error")


def test_a_depth_bomb_is_refused_by_the_depth_limit(client: TestClient) -> None:
    query = '{ twin(id: "acme/jkt1") { ' + "children { nodes { " * 20 + "id" + " } }" * 20 + " } }"
    (message,) = error_messages(run(client, query))
    assert "exceeds maximum operation depth of 12" in message


def test_an_alias_bomb_is_refused_by_the_alias_limit(client: TestClient) -> None:
    query = "{ " + " ".join(f'a{i}: twin(id: "acme/jkt1") {{ id }}' for i in range(40)) + " }"
    (message,) = error_messages(run(client, query))
    assert message == "40 aliases found. Allowed: 30"


def test_a_token_bomb_is_refused_by_the_token_limit(client: TestClient) -> None:
    query = "{ service { " + "name " * 6000 + "} }"
    (message,) = error_messages(run(client, query))
    assert "token" in message.lower()


def test_nested_pages_over_the_cost_limit_are_refused_before_running(
    client: TestClient,
) -> None:
    query = """{ twins(first: 1000) { nodes { children(first: 1000) { nodes {
      children(first: 1000) { totalCount } } } } } }"""
    body = run(client, query)
    (error,) = body["errors"]
    assert error["message"].startswith("query cost: ")
    assert error["extensions"]["code"] == "LIMIT_EXCEEDED"
    assert body["data"] is None


def test_the_cost_of_first_given_as_a_variable_counts(client: TestClient) -> None:
    query = """query($n: Int) { twins(first: $n) { nodes { children(first: $n) { nodes {
      children(first: $n) { totalCount } } } } } }"""
    assert data(client, query, {"n": 2})["twins"]["nodes"]
    (message,) = error_messages(run(client, query, {"n": 900}))
    assert message.startswith("query cost: ")
    assert data(client, query, {"n": 2})["twins"]["nodes"]  # the checks are cached per variables


def test_the_cached_checks_tell_the_operations_of_one_text_apart(client: TestClient) -> None:
    query = """query Cheap { twins(first: 2) { totalCount } }
    query Costly { twins(first: 1000) { nodes { children(first: 1000) { nodes {
      children(first: 1000) { totalCount } } } } } }"""
    for _ in range(2):
        costly = client.post("/graphql", json={"query": query, "operationName": "Costly"})
        (message,) = error_messages(costly.json())
        assert message.startswith("query cost: ")
        cheap = client.post("/graphql", json={"query": query, "operationName": "Cheap"})
        assert cheap.json()["data"]["twins"]["totalCount"] > 0


def test_unknown_ids_are_null_or_empty_never_errors(client: TestClient) -> None:
    got = data(
        client,
        """{ twin(id: "no/such/twin") { id } model(dtmi: "dtmi:no:Such;1") { dtmi }
             twins(filter: {under: "no/such/twin"}) { totalCount }
             byModel: twins(filter: {model: "dtmi:no:Such;1"}) { totalCount } }""",
    )
    assert got == {
        "twin": None,
        "model": None,
        "twins": {"totalCount": 0},
        "byModel": {"totalCount": 0},
    }


def test_an_oversized_body_is_refused_with_a_graphql_error(client: TestClient) -> None:
    padding = "#" + "x" * (5 * 1024 * 1024)
    response = client.post("/graphql", json={"query": "{ service { name } }" + padding})
    assert response.status_code == 413
    (message,) = error_messages(response.json())
    assert message.startswith("request body: over")


def test_a_query_text_over_the_size_limit_is_refused(plant: ontology.GraphStore) -> None:
    client = make_client(plant, limits=GraphQLLimits(max_query_bytes=100))
    (message,) = error_messages(run(client, "{ service { name } }" + " " * 200))
    assert message == "query: 220 bytes; the limit is 100"
    (message,) = error_messages(run(client, "{ service { name } }#" + "\u00e9" * 40))
    assert message == "query: 101 bytes; the limit is 100"  # bytes of UTF-8, not characters
    assert data(client, "{ service { name } }#" + "\u00e9" * 39)["service"]["name"]


class _Failing:
    """The real store, except reading twins (``get_twins``, ``twins_exist``: ``twin(id)``
    reads one or the other) fails the way a broken backend would, or is slow."""

    def __init__(self, store: ontology.GraphStore, *, delay: float = 0.0) -> None:
        self.store = store
        self.delay = delay

    def _read(self, read: Any, twin_ids: Any) -> Any:
        if self.delay:
            time.sleep(self.delay)
            return read(twin_ids)
        raise RuntimeError("connection to bolt://secret-host:7687 lost")

    def get_twins(self, twin_ids: Any) -> Any:
        return self._read(self.store.get_twins, twin_ids)

    def twins_exist(self, twin_ids: Any) -> Any:
        return self._read(self.store.twins_exist, twin_ids)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def test_internal_errors_are_masked(plant: ontology.GraphStore) -> None:
    client = make_client(cast(ontology.GraphStore, _Failing(plant)))
    body = run(client, '{ twin(id: "acme/jkt1") { id } }')
    assert error_messages(body) == ["Internal server error."]
    assert "secret-host" not in str(body)


def test_an_operation_over_the_time_limit_is_cut_off(plant: ontology.GraphStore) -> None:
    client = make_client(
        cast(ontology.GraphStore, _Failing(plant, delay=1.0)), limits=GraphQLLimits(timeout_s=0.1)
    )
    response = client.post("/graphql", json={"query": '{ twin(id: "acme/jkt1") { id } }'})
    assert response.status_code == 504
    (message,) = error_messages(response.json())
    assert message == "the operation ran longer than the time limit of 0.1 s"


def test_an_operation_in_time_answers_beside_one_cut_off(plant: ontology.GraphStore) -> None:
    """One timer per loop keeps every request's limit: a request that ends in time answers,
    the next one over the limit on the same server is still cut off."""
    client = make_client(
        cast(ontology.GraphStore, _Failing(plant, delay=1.0)), limits=GraphQLLimits(timeout_s=0.1)
    )
    for _ in range(2):
        in_time = client.post("/graphql", json={"query": "{ __typename }"})
        assert in_time.status_code == 200
        assert in_time.json() == {"data": {"__typename": "Query"}}
        cut = client.post("/graphql", json={"query": '{ twin(id: "acme/jkt1") { id } }'})
        assert cut.status_code == 504
        message = "the operation ran longer than the time limit of 0.1 s"
        assert error_messages(cut.json()) == [message]


def test_graphiql_is_served_to_browsers(client: TestClient) -> None:
    response = client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()
