"""``twinweave aas export``: the sample plant out as JSON, XML and AASX, checked in full."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loaders import sample_plant_paths
from tests.aas._check import aasx_parts, check_aasx, check_json, check_xml
from twinweave.cli import main

FILLER = "acme/jkt1/packaging/line1/filler1"


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("data")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TWINWEAVE_DATA_DIR", str(folder))
        patch.setenv("TWINWEAVE_GRAPH_STORE", "memory")
        assert main(["load", "-q", *[str(p) for p in sample_plant_paths()]]) == 0
    return folder


@pytest.fixture
def data_dir(loaded: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TWINWEAVE_DATA_DIR", str(loaded))
    monkeypatch.setenv("TWINWEAVE_GRAPH_STORE", "memory")
    return loaded


def test_everything_as_json(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "plant.json"
    assert main(["aas", "export", "--format", "json", "-o", str(out)]) == 0
    assert "55 twins as AAS json" in capsys.readouterr().out
    document = json.loads(out.read_text(encoding="utf-8"))
    assert len(document["assetAdministrationShells"]) == 55
    assert check_json(document) > 55


def test_a_subtree_as_xml(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "line1.xml"
    assert main(["aas", "export", "--format", "xml", "--subtree", FILLER, "-o", str(out)]) == 0
    # the filler, its motor: two shells, each with its submodels, and the ConceptDescriptions
    assert check_xml(out) > 2
    assert out.read_text(encoding="utf-8").count("<assetAdministrationShell>") == 2


@pytest.mark.parametrize("part", ["json", "xml"])
def test_one_twin_as_aasx(data_dir: Path, tmp_path: Path, part: str) -> None:
    out = tmp_path / "filler.aasx"
    args = ["aas", "export", "--format", "aasx", "--aasx-part", part, "--twin", FILLER]
    assert main([*args, "-o", str(out)]) == 0
    assert list(aasx_parts(out)) == [f"/aasx/data.{part}"]
    assert check_aasx(out) > 1


def test_an_unknown_twin_exits_2_and_leaves_no_file(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.json"
    assert main(["aas", "export", "--subtree", "no/such", "-o", str(out)]) == 2
    assert "no/such" in capsys.readouterr().err
    assert not out.exists()
    assert not list(tmp_path.iterdir())
    assert main(["aas", "export", "--twin", "no/such", "-o", str(out)]) == 2
    assert "twin 'no/such' not found" in capsys.readouterr().err


def test_an_output_folder_that_does_not_exist_exits_2(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["aas", "export", "-o", str(tmp_path / "missing" / "x.json")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_aas_without_a_command_prints_usage_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["aas"]) == 2
    assert "export" in capsys.readouterr().out
