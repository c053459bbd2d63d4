"""The explorer page is served at ``/`` from the package, beside GraphQL and health."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from server import ServerSettings, create_app
from server.explorer import explorer_route, is_built


def _built(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir(parents=True)
    (tmp_path / "index.html").write_text("<!doctype html><title>Twinweave explorer</title>")
    (tmp_path / "assets" / "index-abc.js").write_text("console.log('page');")
    return tmp_path


def test_a_built_page_is_served_at_the_root_with_its_assets(tmp_path: Path) -> None:
    client = TestClient(Starlette(routes=[explorer_route(_built(tmp_path))]))
    page = client.get("/")
    assert page.status_code == 200
    assert "<title>Twinweave explorer</title>" in page.text
    assert page.headers["content-type"].startswith("text/html")
    asset = client.get("/assets/index-abc.js")
    assert asset.status_code == 200
    assert "javascript" in asset.headers["content-type"]
    assert client.get("/assets/missing.js").status_code == 404


def test_without_a_build_the_root_says_how_to_build_it(tmp_path: Path) -> None:
    assert not is_built(tmp_path)
    client = TestClient(Starlette(routes=[explorer_route(tmp_path)]))
    response = client.get("/")
    assert response.status_code == 503
    assert "scripts/build-explorer" in response.text
    assert "/graphql" in response.text


@pytest.mark.parametrize("path", ["/../pyproject.toml", "/%2e%2e/pyproject.toml"])
def test_paths_outside_the_build_are_not_served(tmp_path: Path, path: str) -> None:
    client = TestClient(Starlette(routes=[explorer_route(_built(tmp_path / "site"))]))
    (tmp_path / "pyproject.toml").write_text("secret")
    response = client.get(path)
    assert response.status_code == 404
    assert "secret" not in response.text


def test_the_app_keeps_graphql_and_health_beside_the_page() -> None:
    client = TestClient(create_app(ServerSettings(version="9.9.9")))
    assert client.get("/healthz").json()["status"] == "ok"
    answer = client.post("/graphql", json={"query": "{ service { version } }"})
    assert answer.json() == {"data": {"service": {"version": "9.9.9"}}}
    graphiql = client.get("/graphql", headers={"accept": "text/html"})
    assert graphiql.status_code == 200
    assert "graphiql" in graphiql.text.lower()
    root = client.get("/")
    assert root.status_code == (200 if is_built() else 503)


def test_the_route_is_a_plain_route_when_unbuilt(tmp_path: Path) -> None:
    assert isinstance(explorer_route(tmp_path), Route)
