"""The server skeleton: health and the GraphQL service description."""

from __future__ import annotations

from starlette.testclient import TestClient

from server import ServerSettings, create_app


def _client(missing: tuple[str, ...] = ()) -> TestClient:
    return TestClient(create_app(ServerSettings(version="9.9.9", missing=missing)))


def test_health_reports_version_and_what_is_missing() -> None:
    body = _client(("history",)).get("/healthz").json()
    assert body == {"status": "ok", "version": "9.9.9", "missing": ["history"]}


def test_graphql_lists_missing_capabilities_as_not_ready() -> None:
    response = _client(("history", "aas")).post(
        "/graphql", json={"query": "{ service { version capabilities { name ready } } }"}
    )
    service = response.json()["data"]["service"]
    assert service["version"] == "9.9.9"
    ready = {c["name"]: c["ready"] for c in service["capabilities"]}
    assert ready == {
        "graphql-endpoint": True,
        "health": True,
        "graphql-twins": True,
        "graphql-mutations": True,
        "federation": True,
        "history": False,
        "aas": False,
    }


def test_graphql_rejects_an_unknown_field_with_a_clear_error() -> None:
    response = _client().post("/graphql", json={"query": "{ twinz { id } }"})
    errors = response.json()["errors"]
    assert "Cannot query field 'twinz'" in errors[0]["message"]
