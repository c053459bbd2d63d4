"""The loader against the real Neo4j store: the sample plant and a synthetic plant."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from loaders import generate_plant, load_paths, sample_plant_paths, write_adt_ndjson
from ontology import GraphStore

pytestmark = pytest.mark.neo4j


@pytest.fixture
def neo4j_store(neo4j_uri: str, neo4j_namespace: str) -> Iterator[GraphStore]:
    from ontology import Neo4jStore, Neo4jStoreSettings

    store = Neo4jStore(Neo4jStoreSettings(uri=neo4j_uri, namespace=neo4j_namespace))
    yield store
    store.close()


def test_sample_plant_loads_into_neo4j_and_twice_is_unchanged(neo4j_store: GraphStore) -> None:
    paths = list(sample_plant_paths())
    first = load_paths(paths, neo4j_store)
    assert first.ok, first.as_text()
    assert first.twins.created == 55
    filler = neo4j_store.get_twin("acme/jkt1/packaging/line1/filler1")
    assert {a.namespace for a in filler.aliases} == {"erp", "mac", "sparkplug"}
    assert len(neo4j_store.parents("acme/jkt1/packaging/line1/conveyor-drive")) == 2
    second = load_paths(paths, neo4j_store)
    assert second.ok, second.as_text()
    assert (second.twins.created, second.twins.updated) == (0, 0)
    assert second.twins.unchanged == 55
    assert second.edges.unchanged == first.edges.created


def test_synthetic_plant_round_trips_into_neo4j(neo4j_store: GraphStore, tmp_path: Path) -> None:
    plant = generate_plant(2_000, fan_out=8, multi_parent_share=0.05, seed=5)
    path = tmp_path / "plant.ndjson"
    write_adt_ndjson(path, models=plant.models, twins=plant.twins, edges=plant.edges)
    report = load_paths([path], neo4j_store)
    assert report.ok, report.as_text()
    assert report.twins.created == 2_000
    assert report.edges.created == len(plant.edges)
    shared = plant.multi_parent[0]
    assert len(neo4j_store.parents(shared)) == 2
