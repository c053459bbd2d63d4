"""Each input format loads: DTDL folders, YAML and JSON hierarchies, CSV tables."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from loaders import load_paths
from ontology import CONTAINS, Lifecycle, MemoryStore
from tests.loaders._plant import HIERARCHY_YAML, MACHINE, MACHINES_CSV
from tests.loaders.conftest import Write


def test_models_folder_loads_every_interface(store: MemoryStore, models: Path) -> None:
    report = load_paths([models], store)
    assert report.ok, report.as_text()
    assert report.models.created == 9
    assert "dtmi:twinweave:sample:Machine;1" in {m.dtmi for m in store.list_models()}


def test_yaml_hierarchy_nests_children_as_contains_edges(
    store: MemoryStore, models: Path, write: Write
) -> None:
    path = write("plant.yaml", HIERARCHY_YAML)
    report = load_paths([models, path], store)
    assert report.ok, report.as_text()
    assert report.twins.created == 5
    assert store.parents("p/site/area/line/m1") == ("p/site/area/line",)
    assert store.children("p/site").items == ("p/site/area",)
    m1 = store.get_twin("p/site/area/line/m1")
    assert m1.properties == {"machineType": "Filler", "ratedPower": 12.5}
    assert m1.lifecycle is Lifecycle.PROVISIONED
    feeds = store.edges_from("p/site/area/line/m1", "feeds")
    assert [(e.target, dict(e.properties)) for e in feeds] == [
        ("p/site/area/line/m2", {"bufferCapacity": 5})
    ]


def test_json_hierarchy_loads_like_yaml(store: MemoryStore, models: Path, write: Write) -> None:
    document = yaml.safe_load(HIERARCHY_YAML)
    path = write("plant.json", json.dumps(document, indent=2))
    report = load_paths([models, path], store)
    assert report.ok, report.as_text()
    assert report.twins.created == 5
    assert store.resolve_aliases("erp", ["EQ-12"]) == ("p/site/area/line/m2",)


def test_json_hierarchy_rows_carry_line_numbers(
    store: MemoryStore, models: Path, write: Write
) -> None:
    twins = [
        {"id": "p/a", "model": MACHINE},
        {"id": "p/b", "model": "dtmi:nowhere:X;1"},
    ]
    path = write("plant.json", json.dumps({"twins": twins}, indent=2))
    report = load_paths([models, path], store)
    [rejection] = report.rejections
    assert (rejection.file, rejection.line) == (str(path), 7)
    assert "dtmi:nowhere:X;1" in rejection.reason


def test_csv_converts_cells_by_the_model_schema(
    store: MemoryStore, models: Path, write: Write
) -> None:
    path = write("machines.csv", MACHINES_CSV)
    report = load_paths([models, path], store)
    assert report.ok, report.as_text()
    m1 = store.get_twin("p/m1")
    assert m1.properties == {
        "manufacturer": "Krones",
        "ratedPower": 55.5,
        "commissioningDate": "2019-04-01",
        "nameplate": {"yearOfConstruction": 2018},
    }
    assert store.get_twin("p/m2").properties["ratedPower"] == 7.0
    assert store.parents("p/m2") == ("p/m1",)
    assert report.aliases == 4


def test_csv_several_parents_make_a_dag(store: MemoryStore, models: Path, write: Write) -> None:
    csv_text = (
        "id,model,parent\n"
        f"p/a,{MACHINE},\n"
        f"p/b,{MACHINE},\n"
        f"p/shared,dtmi:twinweave:sample:Motor;1,p/a;p/b\n"
    )
    report = load_paths([models, write("t.csv", csv_text)], store)
    assert report.ok, report.as_text()
    assert set(store.parents("p/shared")) == {"p/a", "p/b"}
    assert {e.name for e in store.edges_to("p/shared")} == {CONTAINS}


def test_csv_lifecycle_and_relationship_columns(
    store: MemoryStore, models: Path, write: Write
) -> None:
    csv_text = f"id,model,lifecycle,rel:feeds\np/a,{MACHINE},active,p/b\np/b,{MACHINE},,\n"
    report = load_paths([models, write("t.csv", csv_text)], store)
    assert report.ok, report.as_text()
    assert store.get_twin("p/a").lifecycle is Lifecycle.ACTIVE
    assert [e.target for e in store.edges_from("p/a", "feeds")] == ["p/b"]


def test_dry_run_writes_nothing_and_counts_what_would_change(
    store: MemoryStore, models: Path, write: Write
) -> None:
    path = write("plant.yaml", HIERARCHY_YAML)
    report = load_paths([models, path], store, dry_run=True)
    assert report.ok, report.as_text()
    assert report.dry_run
    assert (report.models.created, report.twins.created, report.edges.created) == (9, 5, 5)
    assert store.list_models() == ()
    assert store.get_twins(["p/site"]) == (None,)


def test_a_row_moves_the_lifecycle_of_a_stored_twin(
    store: MemoryStore, models: Path, write: Write
) -> None:
    assert load_paths([models, write("a.csv", f"id,model\np/a,{MACHINE}\n")], store).ok
    report = load_paths([write("b.csv", "id,lifecycle\np/a,active\n")], store)
    assert report.ok, report.as_text()
    assert store.get_twin("p/a").lifecycle is Lifecycle.ACTIVE
    assert any("lifecycle" in note for note in report.notes)
    report = load_paths([write("c.csv", "id,lifecycle\np/a,provisioned\n")], store)
    [rejection] = report.rejections
    assert "cannot become provisioned" in rejection.reason
