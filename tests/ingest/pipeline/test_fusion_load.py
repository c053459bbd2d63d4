"""A fresh ``Fusion`` starts from the state the graph store holds, read in bulk, on every store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from ingest.pipeline import Fusion, Pipeline
from ontology import GraphStore, MemoryStore, Neo4jStore, Neo4jStoreSettings, SignalUpdate
from tests.ingest.conftest import T0_US, build_plant
from tests.ingest.pipeline.test_fusion import codes, run, updates


@pytest.fixture(params=["memory", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def store(request: pytest.FixtureRequest) -> Iterator[GraphStore]:
    if request.param == "memory":
        graph: GraphStore = MemoryStore()
    else:
        uri = request.getfixturevalue("neo4j_uri")
        namespace = request.getfixturevalue("neo4j_namespace")
        graph = Neo4jStore(Neo4jStoreSettings(uri=uri, namespace=namespace))
    yield build_plant(graph)
    graph.close()


def test_first_seen_twins_start_from_the_stored_values_times_and_modes(
    pipeline: Pipeline, store: GraphStore
) -> None:
    at = datetime.fromtimestamp(T0_US / 1e6 + 10, UTC)
    store.set_signals(
        [
            SignalUpdate("machine/m1", "faultCode", 3.0, at),
            SignalUpdate("machine/m2", "mode", "FAULT", at),
            SignalUpdate("sensor/t1", "speed", 50.0, at),
        ]
    )
    fusion = Fusion(pipeline, store)
    fused = run(
        fusion,
        [
            ("machine/m1", "faultCode", T0_US + 5_000_000, 9.0),  # older than the stored value
            ("machine/m2", "faultCode", T0_US + 20_000_000, 0.0),  # clears the stored FAULT
            ("sensor/t1", "speed", T0_US + 20_000_000, 50.0),  # equal to the stored value
            ("line/l1", "speed", T0_US + 20_000_000, 10.0),  # nothing stored
        ],
    )
    assert updates(fusion, fused) == {
        ("machine/m2", "faultCode"): 0.0,
        ("line/l1", "speed"): 10.0,
    }
    moves = sorted((twin, code) for twin, _, code in codes(fusion, fused))
    assert moves == [
        ("line/l1", "STOP->RUNNING"),
        ("machine/m1", "STOP->FAULT"),  # a late sample still drives the (never stored) mode
        ("machine/m2", "FAULT->IDLE"),
        ("sensor/t1", "STOP->RUNNING"),
    ]
