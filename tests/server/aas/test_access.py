"""Through ``create_app``: the AAS API asks the same Authorizer about the same principal as GraphQL.

A policy hides the machining hall (and everything below it) from the
principal 'partner' (header X-Principal); the anonymous principal sees it.
The hidden subtree is gone from every AAS read, and asking for it is the same
404 as an unknown id (never a 403 that would tell it exists).
"""

from __future__ import annotations

from typing import Any

import pytest
from starlette.requests import HTTPConnection
from starlette.testclient import TestClient

import ontology
from ontology.access import Principal
from server import ServerSettings, create_app
from tests.server.aas.conftest import HideMachining, b64, shell_path, submodel_path

V31 = "/aas/api/v3.1"
HIDDEN = "acme/jkt1/machining/cell1/mill1"
"""A twin below the hidden hall, with a model, a nameplate and a hierarchy submodel."""


def _principal(connection: HTTPConnection) -> Principal:
    return Principal(connection.headers.get("x-principal", "anonymous"))


@pytest.fixture
def app_client(store: ontology.MemoryStore) -> TestClient:
    app = create_app(
        ServerSettings(version="test"),
        store=store,
        authorizer=HideMachining(),
        principal_of=_principal,
    )
    return TestClient(app)


PARTNER = {"x-principal": "partner"}


def _pages(client: TestClient, path: str, headers: dict[str, str]) -> list[Any]:
    items: list[Any] = []
    params: dict[str, Any] = {"limit": 13}
    while True:
        response = client.get(path, params=params, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        items.extend(body["result"])
        cursor = body["paging_metadata"].get("cursor")
        if cursor is None:
            return items
        params["cursor"] = cursor


def _not_found_text(response: Any) -> str:
    assert response.status_code == 404, response.text
    (message,) = response.json()["messages"]
    return str(message["text"])


def test_the_anonymous_principal_sees_the_subtree(app_client: TestClient) -> None:
    assert app_client.get(V31 + shell_path(HIDDEN)).status_code == 200
    assert app_client.get(V31 + submodel_path(HIDDEN, "model") + "/$value").status_code == 200
    shells = _pages(app_client, V31 + "/shells", {})
    assert any("/machining" in s["id"] for s in shells)


def test_the_subtree_vanishes_from_shells_and_their_pages(app_client: TestClient) -> None:
    everyone = _pages(app_client, V31 + "/shells", {})
    seen = _pages(app_client, V31 + "/shells", PARTNER)
    assert [s["id"] for s in seen] == [s["id"] for s in everyone if "/machining" not in s["id"]]
    assert len(seen) < len(everyone)
    refs = _pages(app_client, V31 + "/shells/$reference", PARTNER)
    assert not any("/machining" in r["keys"][0]["value"] for r in refs)


def test_the_subtree_vanishes_from_submodels_and_their_pages(app_client: TestClient) -> None:
    for suffix in ("", "/$reference", "/$metadata"):
        found = _pages(app_client, V31 + "/submodels" + suffix, PARTNER)
        assert found
        assert "/machining" not in str(found), suffix
    values = app_client.get(V31 + "/submodels/$value", params={"limit": 1000}, headers=PARTNER)
    assert values.status_code == 200
    assert "/machining" not in values.text
    hall = app_client.get(V31 + submodel_path("acme/jkt1", "hierarchy"), headers=PARTNER)
    assert "packaging" in hall.text
    assert "machining" not in hall.text


@pytest.mark.parametrize(
    "path",
    [
        shell_path(HIDDEN),
        shell_path(HIDDEN) + "/$reference",
        shell_path(HIDDEN) + "/asset-information",
        shell_path(HIDDEN) + "/submodel-refs",
        shell_path(HIDDEN) + submodel_path(HIDDEN, "model"),
        submodel_path(HIDDEN, "model"),
        submodel_path(HIDDEN, "model") + "/$value",
        submodel_path(HIDDEN, "model") + "/$metadata",
        submodel_path(HIDDEN, "model") + "/submodel-elements",
        submodel_path(HIDDEN, "nameplate") + "/$value",
        submodel_path(HIDDEN, "hierarchy"),
    ],
)
def test_a_hidden_twin_is_the_same_404_as_an_unknown_one(app_client: TestClient, path: str) -> None:
    assert app_client.get(V31 + path).status_code == 200
    hidden = _not_found_text(app_client.get(V31 + path, headers=PARTNER))
    nowhere = HIDDEN.replace("machining", "nowhere")
    unknown_path = path.replace(
        b64(f"urn:twinweave:aas:{HIDDEN}"), b64(f"urn:twinweave:aas:{nowhere}")
    )
    for key in ("model", "nameplate", "hierarchy"):
        unknown_path = unknown_path.replace(
            b64(f"urn:twinweave:sm:{HIDDEN}#{key}"), b64(f"urn:twinweave:sm:{nowhere}#{key}")
        )
    assert unknown_path != path
    unknown = _not_found_text(app_client.get(V31 + unknown_path, headers=PARTNER))
    assert unknown.replace("nowhere", "machining") == hidden


def test_serialization_of_a_hidden_shell_is_404(app_client: TestClient) -> None:
    params = {"aasIds": b64(f"urn:twinweave:aas:{HIDDEN}")}
    assert app_client.get(V31 + "/serialization", params=params).status_code == 200
    _not_found_text(app_client.get(V31 + "/serialization", params=params, headers=PARTNER))
    everything = app_client.get(V31 + "/serialization", headers=PARTNER)
    assert everything.status_code == 200
    assert "/machining" not in everything.text


def test_graphql_hides_the_same_twins_for_the_same_principal(app_client: TestClient) -> None:
    query = {"query": f'{{ twin(id: "{HIDDEN}") {{ id }} }}'}
    assert app_client.post("/graphql", json=query).json()["data"]["twin"] == {"id": HIDDEN}
    assert app_client.post("/graphql", json=query, headers=PARTNER).json()["data"]["twin"] is None
