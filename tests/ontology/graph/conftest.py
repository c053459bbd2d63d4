"""Fixtures for the graph-store contract suite: every store, the test models, a small plant.

``store`` is parametrised over the in-process store and the Neo4j store (the
latter marked ``neo4j``: it runs against the real server, on a label prefix of
its own for the test, ``neo4j_lent_namespace``: the store's schema made once per
session, every node deleted after each test). Time comes from a fixed clock that
advances one second per reading, so audit records and signal times are deterministic.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ontology import CONTAINS, Edge, GraphStore, JsonValue, MemoryStore, TwinSpec

MODELS_DIR = Path(__file__).parent / "models"
START = datetime(2026, 1, 1, tzinfo=UTC)
WHO = "alice"

SITE = "dtmi:test:Site;1"
SITE2 = "dtmi:test:Site;2"
AREA = "dtmi:test:Area;1"
LINE = "dtmi:test:Line;1"
MACHINE = "dtmi:test:Machine;1"
MOTOR = "dtmi:test:Motor;1"
PRESS = "dtmi:test:Press;1"
SENSOR = "dtmi:test:Sensor;1"


def model_text(name: str) -> str:
    return (MODELS_DIR / f"{name}.json").read_text(encoding="utf-8")


def all_model_texts() -> list[str]:
    """Every test model except Site version 2."""
    names = ("Site", "Area", "Line", "Machine", "Motor", "Press", "Sensor")
    return [model_text(n) for n in names]


class Exploding(Mapping[str, JsonValue]):
    """Properties whose reading fails: stands for any failure in the middle of a batch."""

    def __getitem__(self, key: str) -> JsonValue:
        raise RuntimeError("boom")

    def __iter__(self) -> Iterator[str]:
        raise RuntimeError("boom")

    def __len__(self) -> int:
        return 1


class FixedClock:
    """``START``, then one second later on every call."""

    def __init__(self) -> None:
        self.now = START - timedelta(seconds=1)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


StoreFactory = Callable[[], GraphStore]


@pytest.fixture(params=["memory", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def store_factory(request: pytest.FixtureRequest, clock: FixedClock) -> Iterator[StoreFactory]:
    """Builds the store under test (one per test; the same backing data on each call)."""
    opened: list[GraphStore] = []
    if request.param == "memory":

        def make() -> GraphStore:
            opened.append(MemoryStore(clock=clock))
            return opened[-1]

    else:
        from ontology import Neo4jStore, Neo4jStoreSettings

        uri: str = request.getfixturevalue("neo4j_uri")
        # Lent from a pool: the schema made once, the data deleted after the test.
        namespace: str = request.getfixturevalue("neo4j_lent_namespace")

        def make() -> GraphStore:
            settings = Neo4jStoreSettings(uri=uri, namespace=namespace)
            opened.append(Neo4jStore(settings, clock=clock))
            return opened[-1]

    yield make
    for opened_store in opened:
        opened_store.close()


@pytest.fixture
def store(store_factory: StoreFactory) -> GraphStore:
    return store_factory()


@pytest.fixture
def modelled(store: GraphStore) -> GraphStore:
    """The store holding every test model."""
    store.add_models(all_model_texts(), principal=WHO)
    return store


PLANT_TWINS = (
    TwinSpec("site/s1", SITE, {"name": "Jakarta"}),
    TwinSpec("area/a1", AREA, {"name": "Packaging"}),
    TwinSpec("area/a2", AREA, {"name": "Stores"}),
    TwinSpec("line/l1", LINE, {"name": "Line 1", "capacity": 120.0, "mode": "running"}),
    TwinSpec("line/l2", LINE, {"name": "Line 2"}),
    TwinSpec("machine/m1", MACHINE, {"serial": "SN-1", "motor": {"ratedPower": 7.5}}),
    TwinSpec("machine/m2", MACHINE, {"serial": "SN-2"}),
    TwinSpec("machine/p1", PRESS, {"serial": "SN-3", "tonnage": 250.0}),
    TwinSpec("sensor/t1", SENSOR, {"setpoint": 21.5}),
)
PLANT_CONTAINS = (
    ("site/s1", "area/a1"),
    ("site/s1", "area/a2"),
    ("area/a1", "line/l1"),
    ("area/a1", "line/l2"),
    ("line/l1", "machine/m1"),
    ("line/l1", "machine/p1"),
    ("line/l2", "machine/p1"),
    ("line/l2", "machine/m2"),
    ("machine/m1", "sensor/t1"),
)
"""A DAG: ``machine/p1`` sits on both lines (a diamond under ``area/a1``)."""


@pytest.fixture
def plant(modelled: GraphStore) -> GraphStore:
    """The test models plus a small plant hierarchy (see ``PLANT_CONTAINS``)."""
    result = modelled.upsert_twins(PLANT_TWINS, principal=WHO)
    assert result.created == len(PLANT_TWINS), result.rejected
    edges = [Edge(parent, CONTAINS, child) for parent, child in PLANT_CONTAINS]
    added = modelled.add_edges(edges, principal=WHO)
    assert added.created == len(edges), added.rejected
    return modelled
