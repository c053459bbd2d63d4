"""The sample plant behind the AAS API, in-process (starlette TestClient)."""

from __future__ import annotations

import base64
from collections.abc import Sequence

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

import ontology
from loaders import load_paths, sample_plant_paths
from ontology.access import Action, Principal
from server import ServerSettings, create_app
from server.aas import aas_app

FILLER = "acme/jkt1/packaging/line1/filler1"
BASES = ("/aas/api/v3.0", "/aas/api/v3.1")


def b64(text: str, *, padded: bool = False) -> str:
    encoded = base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii")
    return encoded if padded else encoded.rstrip("=")


def shell_path(twin: str) -> str:
    return f"/shells/{b64('urn:twinweave:aas:' + twin)}"


def submodel_path(twin: str, key: str) -> str:
    return f"/submodels/{b64(f'urn:twinweave:sm:{twin}#{key}')}"


class HideMachining:
    """A policy: the principal 'partner' may not see the machining hall and below."""

    def allowed(
        self, principal: Principal, action: Action, twin_ids: Sequence[str]
    ) -> tuple[bool, ...]:
        hidden = principal.name == "partner"
        return tuple(not (hidden and "/machining" in t) for t in twin_ids)


@pytest.fixture
def store() -> ontology.MemoryStore:
    store = ontology.MemoryStore()
    load_paths(sample_plant_paths(), store)
    return store


@pytest.fixture
def client(store: ontology.MemoryStore) -> TestClient:
    return TestClient(create_app(ServerSettings(version="test"), store=store))


@pytest.fixture
def partner(store: ontology.MemoryStore) -> TestClient:
    """Every request as the principal 'partner' (header X-Principal), under HideMachining."""
    api = aas_app(
        store,
        authorizer=HideMachining(),
        principal_of=lambda r: Principal(r.headers.get("x-principal", "anonymous")),
    )
    app = Starlette(routes=[Mount("/aas/api", app=api)])
    return TestClient(app, headers={"x-principal": "partner"})
