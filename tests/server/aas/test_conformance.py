"""The IDTA conformance tool (aas-test-engines): every 3.0 read-profile suite and the file checks.

``check_server`` runs against a real uvicorn server; ``check_file`` checks the
JSON export, the XML export in the 3.0 namespace and the AASX package (its
JSON part is valid under 3.0 and 3.1). The tool reads metamodel 3.0 only: an
AASX with a 3.1 XML part fails for its namespace alone (pinned below).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aas_test_engines import api, config, file, http

import aas
import ontology
from loaders import load_paths, sample_plant_paths
from tests.server.aas._live import live_server

SUITES = [
    "https://admin-shell.io/aas/API/3/0/AssetAdministrationShellRepositoryServiceSpecification/SSP-002",
    "https://admin-shell.io/aas/API/3/0/SubmodelRepositoryServiceSpecification/SSP-002",
]


@pytest.fixture(scope="module")
def plant() -> ontology.MemoryStore:
    store = ontology.MemoryStore()
    load_paths(sample_plant_paths(), store)
    return store


@pytest.fixture(scope="module")
def url(plant: ontology.MemoryStore) -> Iterator[str]:
    with live_server(plant) as base:
        yield base


def _report(result: Any) -> str:
    return json.dumps(result.to_dict())


def _failures(result: Any) -> str:
    return _report(result)[:4000]


@pytest.mark.parametrize("suite", SUITES)
def test_check_server_passes_every_read_profile_suite(url: str, suite: str) -> None:
    client = http.HttpClient(host=f"{url}/aas/api/v3.0")
    result, _ = api.execute_tests(client, config.CheckApiConfig(suite=suite, version="3.0"))
    assert result.ok(), _failures(result)


def test_check_file_passes_for_the_json_export(plant: ontology.MemoryStore) -> None:
    exporter = aas.Exporter(plant, aas.TwinMapper(plant.model_set()))
    out = io.BytesIO()
    exporter.write_json(exporter.twin_ids(), out)
    result = file.check_json_data(json.loads(out.getvalue()))
    assert result.ok(), _failures(result)


def _errors(result: Any) -> list[str]:
    """The messages of the findings at level ERROR or above that have no sub-findings."""
    if not result.sub_results:
        return [] if result.ok() else [result.message]
    return [m for sub in result.sub_results for m in _errors(sub)]


def test_check_file_passes_for_the_aasx_export(plant: ontology.MemoryStore, tmp_path: Path) -> None:
    exporter = aas.Exporter(plant, aas.TwinMapper(plant.model_set()))
    path = tmp_path / "plant.aasx"
    exporter.write(exporter.twin_ids(), path, aas.ExportFormat.AASX)
    with path.open("rb") as stream:
        result = file.check_aasx_file(stream)  # type: ignore[arg-type]  # it reads a zip
    assert result.ok(), _failures(result)
    assert '"Checking aasx/data.json"' in _report(result)


def test_check_file_rejects_an_aasx_with_a_31_xml_part_for_its_namespace_only(
    plant: ontology.MemoryStore, tmp_path: Path
) -> None:
    """The tool reads 3.0 only; the package and the part are otherwise what it accepts."""
    exporter = aas.Exporter(plant, aas.TwinMapper(plant.model_set()))
    path = tmp_path / "plant.aasx"
    exporter.write(exporter.twin_ids(), path, aas.ExportFormat.AASX, aasx_part=aas.AasxPart.XML)
    with path.open("rb") as stream:
        result = file.check_aasx_file(stream)  # type: ignore[arg-type]  # it reads a zip
    assert _errors(result) == [
        "invalid namespace, got '{https://admin-shell.io/aas/3/1}environment' @ /"
    ]


def test_check_file_passes_for_the_xml_export_in_the_30_namespace(
    plant: ontology.MemoryStore, tmp_path: Path
) -> None:
    exporter = aas.Exporter(plant, aas.TwinMapper(plant.model_set()))
    path = tmp_path / "plant.xml"
    exporter.write(exporter.twin_ids(), path, aas.ExportFormat.XML, xml_metamodel="3.0")
    with path.open("rb") as stream:
        result = file.check_xml_file(stream)  # type: ignore[arg-type]  # it parses bytes
    assert result.ok(), _failures(result)
