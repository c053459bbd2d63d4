"""Exports of the sample plant and a generated 10k-twin plant pass every official check."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

import aas
import ontology
from loaders import generate_plant
from tests.aas._check import check_aasx, check_json, check_xml, export_checks


def _exporter(store: ontology.GraphStore) -> aas.Exporter:
    return aas.Exporter(store, aas.TwinMapper(store.model_set()))


def test_sample_plant_in_every_format(plant: ontology.MemoryStore, tmp_path: Path) -> None:
    exporter = _exporter(plant)
    ids = exporter.twin_ids()
    seen: list[tuple[int, int]] = []
    for fmt in aas.ExportFormat:
        path = tmp_path / f"plant.{fmt.value}"
        exporter.write(ids, path, fmt, lambda done, total: seen.append((done, total)))
    document = json.loads((tmp_path / "plant.json").read_text(encoding="utf-8"))
    objects = check_json(document)
    assert objects == len(document["assetAdministrationShells"]) + len(document["submodels"]) + len(
        document["conceptDescriptions"]
    )
    assert check_xml(tmp_path / "plant.xml") == objects
    assert check_aasx(tmp_path / "plant.aasx") == objects
    assert seen[-1] == (55, 55)


def test_streamed_json_equals_the_environment_serialised_whole(
    plant: ontology.MemoryStore,
) -> None:
    from aas_core3_1 import jsonization

    exporter = _exporter(plant)
    ids = exporter.twin_ids()
    out = io.BytesIO()
    exporter.write_json(ids, out)
    whole = jsonization.to_jsonable(exporter.environment(ids))
    assert json.loads(out.getvalue()) == whole
    # byte for byte what the standard library writes (orjson is only faster)
    assert out.getvalue() == json.dumps(whole, ensure_ascii=False, separators=(",", ":")).encode()


def test_an_empty_selection_is_an_empty_environment() -> None:
    exporter = _exporter(ontology.MemoryStore())
    out = io.BytesIO()
    exporter.write_json([], out)
    assert out.getvalue() == b"{}"


@pytest.fixture(scope="module")
def big_plant() -> ontology.MemoryStore:
    plant = generate_plant(10_000)
    store = ontology.MemoryStore()
    store.add_models(plant.models, principal="test")
    store.upsert_twins(plant.twins, principal="test")
    store.add_edges(plant.edges, principal="test")
    return store


@pytest.mark.slow
def test_a_10k_twin_plant_in_every_format_passes_every_check(
    big_plant: ontology.MemoryStore, tmp_path: Path
) -> None:
    exporter = _exporter(big_plant)
    ids = exporter.twin_ids()
    with export_checks() as checks:
        written = {
            aas.ExportFormat.JSON: checks.json_written,
            aas.ExportFormat.XML: checks.xml_written,
            aas.ExportFormat.AASX: checks.aasx_written,
        }
        assert set(written) == set(aas.ExportFormat), "a format without its checks"
        for kind, checked in written.items():
            path = tmp_path / f"big.{kind.value}"
            exporter.write(ids, path, kind)
            checked(path)
        shells, objects = checks.result()
    assert shells == 10_000
    assert objects > 10_000
