"""The endpoint's JSON: written by orjson, the same answer the standard library gave."""

from __future__ import annotations

import asyncio
import gc
from datetime import UTC, datetime
from typing import Any, cast

from starlette.testclient import TestClient
from strawberry.asgi import GraphQL

import ontology
from server.graphql._http import YOUNG_THRESHOLD, GraphQLApp
from tests.server.graphql.conftest import SITE, load_plant, make_client

QUERY = '{ twin(id: "acme/jkt1") { id signals(names: ["note", "big"]) { name value } } }'


def _client(value: ontology.JsonValue) -> TestClient:
    store = ontology.MemoryStore()
    load_plant(store)
    now = datetime.now(UTC)
    store.set_signals(
        [
            ontology.SignalUpdate(SITE, "note", 'Zählerstand \u00e9 "1"\n', now),
            ontology.SignalUpdate(SITE, "big", value, now),
        ]
    )
    return make_client(store)


def test_the_response_is_compact_json_of_the_answer() -> None:
    response = _client(1.5e-05).post("/graphql", json={"query": QUERY})
    body = response.json()
    assert response.headers["content-type"] == "application/json"
    assert body == {
        "data": {
            "twin": {
                "id": SITE,
                "signals": [
                    {"name": "note", "value": 'Zählerstand \u00e9 "1"\n'},
                    {"name": "big", "value": 1.5e-05},
                ],
            }
        }
    }
    assert b'"id":"acme/jkt1","signals":[{"name":"note"' in response.content  # compact
    assert "Zählerstand".encode() in response.content  # UTF-8, not escaped


def test_what_orjson_refuses_is_written_by_the_standard_library() -> None:
    response = _client(2**70).post("/graphql", json={"query": QUERY})
    assert response.status_code == 200
    assert b'"value":1180591620717411303424' in response.content
    assert response.json()["data"]["twin"]["signals"][1]["value"] == 2**70


def test_after_its_first_request_the_server_collects_the_young_generation_less_often() -> None:
    assert YOUNG_THRESHOLD > 700  # the interpreter's default, which it replaces
    response = _client(1.0).post("/graphql", json={"query": QUERY})
    assert response.status_code == 200
    assert gc.get_threshold()[0] == YOUNG_THRESHOLD
    assert gc.get_freeze_count() > 0  # the heap alive at the first request was frozen


def test_the_sub_response_is_strawberrys_and_what_resolvers_set_on_it_is_kept() -> None:
    async def both() -> tuple[Any, Any]:
        ours = await GraphQLApp.get_sub_response(cast("GraphQLApp", None), cast("Any", None))
        theirs = await GraphQL.get_sub_response(cast("GraphQL[Any, Any]", None), cast("Any", None))
        return ours, theirs

    ours, theirs = asyncio.run(both())
    for response in (ours, theirs):
        assert response.status_code is None
        assert response.raw_headers == []
        response.headers["x-trace"] = "1"  # as a resolver would, through info.context.response
    assert ours.raw_headers == theirs.raw_headers == [(b"x-trace", b"1")]
    assert (ours.body, ours.background) == (theirs.body, theirs.background)
