"""The sample plant shipped with the project: valid DTDL, loads with zero rejections."""

from __future__ import annotations

from collections import Counter

import dtdl
import loaders
from loaders import load_paths, sample_plant_paths
from loaders._sample import sample_model_texts
from ontology import Alias, MemoryStore


def test_models_validate_with_zero_diagnostics() -> None:
    texts = list(sample_model_texts())
    assert len(texts) == 9
    assert dtdl.validate(texts) == []
    model_set = dtdl.parse(texts)
    machine = model_set.interfaces["dtmi:twinweave:sample:Machine;1"]
    assert "dtmi:twinweave:sample:Asset;1" in machine.bases
    assert machine.relationships["feeds"].max_multiplicity == 2
    assert set(machine.components) == {"nameplate"}
    assert machine.telemetries["temperature"].unit == "degreeCelsius"
    assert machine.properties["ratedPower"].unit == "kilowatt"


def test_paths_exist_in_load_order() -> None:
    paths = sample_plant_paths()
    assert [p.name for p in paths] == [
        "models",
        "hierarchy.yaml",
        "machines_erp.csv",
        "network_mac.csv",
    ]
    assert all(p.exists() for p in paths)


def test_loads_with_zero_rejections(store: MemoryStore) -> None:
    report = load_paths(list(sample_plant_paths()), store)
    assert report.ok, report.as_text()
    assert report.rejections == ()
    models = Counter(t.model.split(":")[-1] for t in store.list_twins(first=1000).items)
    assert models["Site;1"] == 2
    assert models["ProductionLine;1"] == 4
    assert models["Machine;1"] == 20
    assert models["Motor;1"] + models["Gearbox;1"] + models["Spindle;1"] >= 20


def test_machines_are_harmonised_across_three_files(store: MemoryStore) -> None:
    load_paths(list(sample_plant_paths()), store)
    machine_ids = store.list_twins(model="dtmi:twinweave:sample:Machine;1", first=100).items
    assert len(machine_ids) == 20
    for machine in machine_ids:
        namespaces = {a.namespace for a in machine.aliases}
        assert namespaces == {"erp", "mac", "sparkplug"}, machine.id
        assert "manufacturer" in machine.properties  # from the ERP file (by AssetID)
        assert "firmwareVersion" in machine.properties  # from the network file (by MAC)
    filler = store.get_twin("acme/jkt1/packaging/line1/filler1")
    assert Alias("erp", "EQ-10001") in filler.aliases


def test_a_shared_sub_assembly_makes_a_dag(store: MemoryStore) -> None:
    load_paths(list(sample_plant_paths()), store)
    shared = [t.id for t in store.list_twins(first=1000).items if len(store.parents(t.id)) > 1]
    assert shared == ["acme/jkt1/packaging/line1/conveyor-drive"]
    assert "acme/jkt1" in store.ancestors(shared[0])


def test_public_surface() -> None:
    assert sorted(loaders.__all__) == sorted(
        [
            "Counts",
            "LoadLimits",
            "LoadReport",
            "LoaderError",
            "NoProgress",
            "Progress",
            "RowRejection",
            "SyntheticPlant",
            "generate_plant",
            "load_paths",
            "sample_plant_paths",
            "write_adt_ndjson",
        ]
    )
    for name in loaders.__all__:
        assert getattr(loaders, name) is not None
