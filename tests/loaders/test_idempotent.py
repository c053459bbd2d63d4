"""Loading the same files twice gives the same graph; the second run changes nothing."""

from __future__ import annotations

from pathlib import Path

from loaders import load_paths, sample_plant_paths
from ontology import MemoryStore
from tests.loaders._plant import HIERARCHY_YAML, MACHINES_CSV, NETWORK_CSV
from tests.loaders.conftest import Write


def _graph(store: MemoryStore, ids: list[str]) -> list[object]:
    twins = store.get_twins(ids)
    out: list[object] = []
    for twin in twins:
        assert twin is not None
        out.append((twin.id, twin.model, dict(twin.properties), twin.aliases, twin.etag))
        out.append(sorted((e.name, e.target) for e in store.edges_from(twin.id)))
    return out


def test_second_load_reports_everything_unchanged(
    store: MemoryStore, models: Path, write: Write
) -> None:
    paths = [
        models,
        write("plant.yaml", HIERARCHY_YAML),
        write("machines.csv", MACHINES_CSV),
        write("network.csv", NETWORK_CSV),
    ]
    first = load_paths(paths, store)
    assert first.ok, first.as_text()
    ids = [t.id for t in store.list_twins(first=1000).items]
    before = _graph(store, ids)
    audit_before = len(store.audit(first=10_000).items)
    second = load_paths(paths, store)
    assert second.ok, second.as_text()
    assert (second.models.created, second.models.unchanged) == (0, 9)
    assert (second.twins.created, second.twins.updated, second.twins.unchanged) == (0, 0, 7)
    assert (second.edges.created, second.edges.updated) == (0, 0)
    assert second.edges.unchanged == first.edges.created
    assert second.aliases == 0
    assert _graph(store, ids) == before  # etags too: nothing was rewritten
    assert len(store.audit(first=10_000).items) == audit_before


def test_sample_plant_twice_is_unchanged(store: MemoryStore) -> None:
    paths = list(sample_plant_paths())
    first = load_paths(paths, store)
    second = load_paths(paths, store)
    assert first.ok and second.ok
    assert second.twins.unchanged == first.twins.created
    assert second.edges.unchanged == first.edges.created
    assert second.twins.created == second.twins.updated == 0
