"""A fresh ``Fusion`` starts from the state the graph store holds, read in bulk, on every store."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import cast

import pytest

from ingest.pipeline import Fusion, Pipeline
from ontology import GraphStore, MemoryStore, Neo4jStore, Neo4jStoreSettings, SignalUpdate
from ontology import StoreUnavailableError as StoreDown
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


ROWS = [
    ("machine/m1", "faultCode", T0_US + 5_000_000, 9.0),  # older than the stored value
    ("machine/m2", "faultCode", T0_US + 20_000_000, 0.0),  # clears the stored FAULT
    ("sensor/t1", "speed", T0_US + 20_000_000, 50.0),  # equal to the stored value
    ("line/l1", "speed", T0_US + 20_000_000, 10.0),  # nothing stored
]
Answer = tuple[dict[tuple[str, str], float | str], list[tuple[str, str]]]
EXPECTED: Answer = (
    {("machine/m2", "faultCode"): 0.0, ("line/l1", "speed"): 10.0},
    [
        ("line/l1", "STOP->RUNNING"),
        ("machine/m1", "STOP->FAULT"),  # a late sample still drives the (never stored) mode
        ("machine/m2", "FAULT->IDLE"),
        ("sensor/t1", "STOP->RUNNING"),
    ],
)
"""``ROWS`` fused over the stored values of ``store_first_values``: (updates, mode moves)."""


def store_first_values(store: GraphStore) -> None:
    at = datetime.fromtimestamp(T0_US / 1e6 + 10, UTC)
    store.set_signals(
        [
            SignalUpdate("machine/m1", "faultCode", 3.0, at),
            SignalUpdate("machine/m2", "mode", "FAULT", at),
            SignalUpdate("sensor/t1", "speed", 50.0, at),
        ]
    )


def stored_then_fused(fusion: Fusion) -> Answer:
    fused = run(fusion, ROWS)
    return updates(fusion, fused), sorted((twin, code) for twin, _, code in codes(fusion, fused))


def test_first_seen_twins_start_from_the_stored_values_times_and_modes(
    pipeline: Pipeline, store: GraphStore
) -> None:
    store_first_values(store)
    assert stored_then_fused(Fusion(pipeline, store)) == EXPECTED


class CountedReads:
    """A real graph store counting the fusion's reads; its ``signals_of`` raises as a store
    that is down would the first ``failures`` times."""

    def __init__(self, store: GraphStore, failures: int = 0) -> None:
        self._store = store
        self.failures = failures
        self.reads: list[str] = []

    def get_twins(self, ids: Sequence[str]) -> object:
        self.reads.append("get_twins")
        return self._store.get_twins(ids)

    def signals_of(self, ids: Sequence[str]) -> object:
        self.reads.append("signals_of")
        if self.failures:
            self.failures -= 1
            msg = "graph down (test)"
            raise StoreDown(msg)
        return self._store.signals_of(ids)

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)


def test_warmed_twins_start_from_the_stored_state_and_fuse_reads_nothing_more(
    pipeline: Pipeline, store: GraphStore
) -> None:
    store_first_values(store)
    counted = CountedReads(store)
    fusion = Fusion(pipeline, cast(GraphStore, counted))
    fusion.warm(["machine/m1", "machine/m2", "sensor/t1", "line/l1", "no/such-twin"])
    warmed = len(counted.reads)
    assert warmed >= 2  # the twins resolved and their state read
    assert stored_then_fused(fusion) == EXPECTED
    assert len(counted.reads) == warmed  # fuse found them all resolved and loaded


def test_a_state_read_that_failed_is_made_by_the_next_fuse(
    pipeline: Pipeline, store: GraphStore
) -> None:
    store_first_values(store)
    counted = CountedReads(store, failures=1)
    fusion = Fusion(pipeline, cast(GraphStore, counted))
    with pytest.raises(StoreDown):
        fusion.warm(["machine/m1", "machine/m2", "sensor/t1", "line/l1"])
    # the twins are resolved now; their state is read by the fuse that needs it
    assert stored_then_fused(fusion) == EXPECTED


def test_a_fuse_whose_state_read_failed_reads_it_again_when_retried(
    pipeline: Pipeline, store: GraphStore
) -> None:
    store_first_values(store)
    fusion = Fusion(pipeline, cast(GraphStore, CountedReads(store, failures=1)))
    with pytest.raises(StoreDown):
        stored_then_fused(fusion)
    assert stored_then_fused(fusion) == EXPECTED
