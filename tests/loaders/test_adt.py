"""The Azure Digital Twins import NDJSON shape: a generated plant written and loaded back."""

from __future__ import annotations

from pathlib import Path

from loaders import generate_plant, load_paths, write_adt_ndjson
from ontology import Lifecycle, MemoryStore, TwinSpec
from tests.loaders.conftest import Write


def test_generated_plant_round_trips_through_ndjson(store: MemoryStore, tmp_path: Path) -> None:
    plant = generate_plant(600, fan_out=5, multi_parent_share=0.05, seed=3)
    path = tmp_path / "plant.ndjson"
    write_adt_ndjson(path, models=plant.models, twins=plant.twins, edges=plant.edges)
    report = load_paths([path], store)
    assert report.ok, report.as_text()
    assert report.rows == len(plant.models) + len(plant.twins) + len(plant.edges)
    assert report.twins.created == len(plant.twins)
    assert report.edges.created == len(plant.edges)
    stored = store.get_twins([t.id for t in plant.twins])
    for spec, twin in zip(plant.twins, stored, strict=True):
        assert twin is not None
        assert (twin.model, dict(twin.properties), twin.aliases) == (
            spec.model,
            dict(spec.properties),
            spec.aliases,
        )
    for shared in plant.multi_parent[:20]:
        assert len(store.parents(shared)) == 2
    again = load_paths([path], store)
    assert again.twins.unchanged == len(plant.twins)
    assert again.edges.unchanged == len(plant.edges)


def test_components_metadata_aliases_and_lifecycle(
    store: MemoryStore, models: Path, write: Write
) -> None:
    text = "\n".join(
        [
            '{"Section": "Header"}',
            '{"fileVersion": "1.0.0", "author": "test", "organization": "acme"}',
            '{"Section": "Twins"}',
            '{"$dtId": "m1", "$metadata": {"$model": "dtmi:twinweave:sample:Machine;1"},'
            ' "manufacturer": "Krones", "nameplate": {"$metadata": {}, "ratedVoltage": 400.0},'
            ' "$aliases": {"erp": "EQ-1", "mac": ["aa", "bb"]}, "$lifecycle": "active"}',
            '{"$dtId": "m2", "$metadata": {"$model": "dtmi:twinweave:sample:Machine;1"}}',
            "",
            '{"Section": "Relationships"}',
            '{"$dtId": "m1", "$relationshipId": "r1", "$targetId": "m2",'
            ' "$relationshipName": "feeds", "bufferCapacity": 3}',
            '{"$dtId": "m1", "$relationshipId": "r2", "$targetId": "m2",'
            ' "$relationshipName": "contains"}',
        ]
    )
    report = load_paths([models, write("g.ndjson", text)], store)
    assert report.ok, report.as_text()
    m1 = store.get_twin("m1")
    assert dict(m1.properties) == {"manufacturer": "Krones", "nameplate": {"ratedVoltage": 400.0}}
    assert m1.lifecycle is Lifecycle.ACTIVE
    assert store.resolve_aliases("mac", ["aa", "bb"]) == ("m1", "m1")
    assert store.parents("m2") == ("m1",)
    [feeds] = store.edges_from("m1", "feeds")
    assert dict(feeds.properties) == {"bufferCapacity": 3}


def test_written_lines_are_the_adt_sections(tmp_path: Path) -> None:
    path = tmp_path / "x.ndjson"
    spec = TwinSpec("a", "dtmi:x:A;1", {"p": 1})
    write_adt_ndjson(path, models=['{"@id": "dtmi:x:A;1"}'], twins=[spec], edges=[])
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == '{"Section":"Header"}'
    assert lines[2] == '{"Section":"Models"}'
    assert lines[4] == '{"Section":"Twins"}'
    assert lines[5] == '{"$dtId":"a","$metadata":{"$model":"dtmi:x:A;1"},"p":1}'
    assert lines[6] == '{"Section":"Relationships"}'
