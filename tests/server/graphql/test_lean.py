"""The lean path of POST /graphql answers exactly as strawberry's view; the unusual goes there."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

import ontology
from server.graphql import GraphQLLimits
from server.graphql._lean import Prepared, prepare
from server.graphql._schema import build_schema
from tests.server.graphql.conftest import SITE, HideSubtree, load_plant, make_client

LIVE = 'query($id: ID!) { twin(id: $id) { id signals(names: ["power"]) { name value time } } }'
TREE = """query($id: ID!) { twin(id: $id) { id model children(first: 3) { totalCount
  pageInfo { hasNextPage endCursor } nodes { id signals { name value unit } } } } }"""
TWO = 'query A { service { name } } query B { twin(id: "acme/jkt1") { id } }'
COSTLY = "{ twins(first: 1000) { nodes { children(first: 1000) { nodes { id } } } } }"
SAME_ANSWERS: list[tuple[str, dict[str, Any] | None, str | None]] = [
    (LIVE, {"id": SITE}, None),
    (TREE, {"id": SITE}, None),
    ("{ __typename }", None, None),
    ('fragment F on Twin { id lifecycle } { twin(id: "acme/jkt1") { ...F } }', None, None),
    (LIVE, {"id": "no/such/twin"}, None),
    (LIVE, {"id": ""}, None),  # a readable input error
    (LIVE, {}, None),  # a variable missing: graphql-core's error
    (LIVE, {"id": 5}, None),  # an Int for an ID: coerced
    (LIVE, {"id": [1]}, None),  # not coercible
    (TWO, None, "B"),
    (TWO, None, None),  # two operations and no name
    (TWO, None, "C"),  # no such operation
    ('{ twin(id: "x") { nope } }', None, None),  # a validation error
    ("{ twin(id: ", None, None),  # a syntax error
    ("mutation { __typename }", None, None),
    ("query { twins(first: 100000) { totalCount } }", None, None),  # over the page cap
    (COSTLY, None, None),
]


def _client() -> TestClient:
    store = ontology.MemoryStore()
    load_plant(store)
    return make_client(store)


def _post(client: TestClient, body: dict[str, Any]) -> tuple[int, str, bytes]:
    response = client.post("/graphql", json=body)
    return response.status_code, response.headers["content-type"], response.content


@pytest.mark.parametrize(("query", "variables", "name"), SAME_ANSWERS)
def test_a_plain_request_gets_the_answer_the_view_gives(
    query: str, variables: dict[str, Any] | None, name: str | None
) -> None:
    client = _client()
    body: dict[str, Any] = {"query": query, "variables": variables, "operationName": name}
    lean = _post(client, body)
    view = _post(client, {**body, "extensions": {}})  # a member the lean path leaves to the view
    assert lean == view
    assert lean[0] != 200 or b'"data":' in lean[2]


def test_a_hidden_twin_is_null_on_the_lean_path_as_on_the_view() -> None:
    store = ontology.MemoryStore()
    load_plant(store)
    client = make_client(store, authorizer=HideSubtree(store, SITE))
    body = {"query": LIVE, "variables": {"id": SITE}}
    lean = _post(client, body)
    assert lean == (200, "application/json", b'{"data":{"twin":null}}')
    assert lean == _post(client, {**body, "extensions": {}})


def _scope(
    content_type: bytes = b"application/json", accept: bytes = b"application/json"
) -> dict[str, Any]:
    headers = [(b"content-type", content_type), (b"accept", accept)]
    return {"type": "http", "method": "POST", "headers": headers}


def test_prepare_takes_a_plain_query_that_passes_the_guards() -> None:
    schema = build_schema(GraphQLLimits())
    plain = {"query": LIVE, "variables": {"id": SITE}, "operationName": None}
    got = prepare(schema, _scope(), plain)
    assert isinstance(got, Prepared)
    assert got.variables == {"id": SITE}
    assert prepare(schema, _scope(b"application/json; charset=utf-8"), plain) is not None


@pytest.mark.parametrize(
    ("scope", "body"),
    [
        (_scope(), {"query": LIVE, "extensions": {}}),
        (_scope(), [{"query": LIVE}]),  # a batch
        (_scope(), {"query": LIVE, "variables": [1]}),
        (_scope(), {"query": LIVE, "operationName": 3}),
        (_scope(), {"query": ""}),
        (_scope(), {"query": None}),
        (_scope(), {"query": "{ twin(id: "}),
        (_scope(), {"query": "{ nope }"}),
        (_scope(), {"query": "mutation { __typename }"}),
        (_scope(), {"query": "subscription { __typename }"}),
        (_scope(), {"query": TWO}),
        (_scope(), {"query": COSTLY}),
        (_scope(), {"query": "{ __typename }" + " " * 70_000}),
        (_scope(b"text/plain"), {"query": LIVE}),
        (_scope(accept=b"multipart/mixed"), {"query": LIVE}),
    ],
)
def test_prepare_leaves_anything_else_to_the_view(scope: dict[str, Any], body: object) -> None:
    assert prepare(build_schema(GraphQLLimits()), scope, body) is None
