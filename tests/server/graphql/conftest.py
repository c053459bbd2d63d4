"""Fixtures of the GraphQL suite: the sample plant in every graph store, a client, ``gql``.

``plant`` is parametrised over the in-process store and Neo4j (marked ``neo4j``:
a fresh label prefix per test). It holds the sample plant (loaded the way the
demo loads it), live ``power`` values on the Jakarta machines and a declared
``totalPower`` rollup (the sum of ``power`` over each twin's descendants).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from neo4j import Driver
from starlette.testclient import TestClient

import loaders
import ontology
from ontology.access import Action, Authorizer, Principal
from ontology.history import (
    DuckDBHistorySettings,
    HistoryStore,
    QuestDBHistoryStore,
    open_history_store,
)
from server import ServerSettings, create_app
from server.graphql import GraphQLLimits
from tests._services import drop_neo4j_namespace, unique_name
from tests.ontology.history.conftest import questdb_history_settings

WHO = "tester"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
SITE = "acme/jkt1"
MACHINE_MODEL = "dtmi:twinweave:sample:Machine;1"
TOTAL_POWER = ontology.RollupSpec("totalPower", "power", ontology.Aggregate.SUM)

Gql = Callable[..., dict[str, Any]]


def load_plant(store: ontology.GraphStore) -> dict[str, float]:
    """The sample plant, ``power`` on every Jakarta machine, the rollup; returns the powers."""
    loaders.load_paths(loaders.sample_plant_paths(), store, principal=WHO)
    machines = store.descendants(SITE, model=MACHINE_MODEL, first=ontology.MAX_PAGE).items
    powers = {m: float(i + 1) for i, m in enumerate(machines)}
    store.set_signals(
        [
            ontology.SignalUpdate(m, "power", p, NOW, f"batch-{i}")
            for i, (m, p) in enumerate(powers.items())
        ]
    )
    store.define_rollup(TOTAL_POWER, principal=WHO)
    store.recompute_rollups()
    return powers


@pytest.fixture(scope="module", params=["memory", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def plant(request: pytest.FixtureRequest) -> Iterator[ontology.GraphStore]:
    """The sample plant in the store under test, shared by a module's tests.

    A test that changes it puts it back as it found it.
    """
    store: ontology.GraphStore
    if request.param == "memory":
        store = ontology.MemoryStore()
        load_plant(store)
        yield store
        store.close()
        return
    uri: str = request.getfixturevalue("neo4j_uri")
    driver: Driver = request.getfixturevalue("neo4j_driver")
    namespace = unique_name("t")
    store = ontology.Neo4jStore(ontology.Neo4jStoreSettings(uri=uri, namespace=namespace))
    try:
        load_plant(store)
        yield store
    finally:
        store.close()
        drop_neo4j_namespace(driver, namespace)


HISTORY_STORES = [pytest.param("duckdb"), pytest.param("questdb", marks=pytest.mark.questdb)]
"""The history stores a history test runs on (``params`` of its module fixture)."""


def open_history(request: pytest.FixtureRequest) -> HistoryStore:
    """A fresh history store of ``request.param``: in-memory DuckDB, or QuestDB (own prefix)."""
    if request.param == "duckdb":
        return open_history_store(DuckDBHistorySettings())
    where = request.getfixturevalue("questdb")
    return open_history_store(questdb_history_settings(where, prefix=unique_name("t")))


def close_history(store: HistoryStore) -> None:
    """Close it, dropping QuestDB's tables first."""
    if isinstance(store, QuestDBHistoryStore):
        store.drop_tables()
    store.close()


def make_client(
    store: ontology.GraphStore,
    authorizer: Authorizer | None = None,
    limits: GraphQLLimits | None = None,
) -> TestClient:
    app = create_app(
        ServerSettings(version="0.0.0-test"),
        store=store,
        authorizer=authorizer,
        graphql_limits=limits,
    )
    return TestClient(app)


def run(client: TestClient, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """POST one operation; the whole response body (``data`` and maybe ``errors``)."""
    response = client.post("/graphql", json={"query": query, "variables": variables or {}})
    assert response.status_code in (200, 400), response.text
    body: dict[str, Any] = response.json()
    return body


def data(client: TestClient, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """The ``data`` of an operation that must succeed."""
    body = run(client, query, variables)
    assert "errors" not in body, body["errors"]
    result: dict[str, Any] = body["data"]
    return result


def error_messages(body: dict[str, Any]) -> list[str]:
    return [e["message"] for e in body.get("errors", [])]


class HideSubtree:
    """Refuses every twin at or below ``root``; allows the rest."""

    def __init__(self, store: ontology.GraphStore, root: str) -> None:
        self.hidden = frozenset({root, *store.descendants(root, first=ontology.MAX_PAGE).items})

    def allowed(
        self, principal: Principal, action: Action, twin_ids: Sequence[str]
    ) -> tuple[bool, ...]:
        return tuple(t not in self.hidden for t in twin_ids)


def some_machines(store: ontology.GraphStore) -> list[str]:
    """Up to 20 machines of the sample plant (the shared-read tests' ids)."""
    return list(store.descendants(SITE, model=MACHINE_MODEL, first=20).items)


class Counting:
    """Forwards every call to the store and counts it by method name."""

    def __init__(self, store: ontology.GraphStore) -> None:
        self.store = store
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        target = getattr(self.store, name)
        if not callable(target):
            return target

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return target(*args, **kwargs)

        return call


@pytest.fixture
def client(plant: ontology.GraphStore) -> TestClient:
    return make_client(plant)
