"""``twinweave load``: the sample plant in, reports on stdout, exit codes CI can use."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loaders import sample_plant_paths
from ontology import MemoryStore
from twinweave.cli import main

MACHINE = "dtmi:twinweave:sample:Machine;1"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("TWINWEAVE_DATA_DIR", str(folder))
    monkeypatch.setenv("TWINWEAVE_GRAPH_STORE", "memory")
    return folder


def _sample() -> list[str]:
    return [str(p) for p in sample_plant_paths()]


def test_sample_plant_loads_and_persists(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["load", *_sample()]) == 0
    out = capsys.readouterr().out
    assert "0 rejected" in out
    assert "twins:   55 created" in out
    snapshot = data_dir / "graph.snapshot"
    assert snapshot.is_file()
    reopened = MemoryStore(snapshot=snapshot)
    assert reopened.get_twin("acme/jkt1/packaging/line1/filler1").model == MACHINE
    reopened.close()


def test_second_run_reports_unchanged_as_json(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["load", "-q", *_sample()]) == 0
    capsys.readouterr()
    assert main(["load", "--report", "json", *_sample()]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["twins"] == {"created": 0, "updated": 0, "unchanged": 55, "rejected": 0}
    assert report["rejections"] == []


def test_rejected_rows_exit_1_with_file_line_and_reason(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = tmp_path / "rows.csv"
    rows.write_text(f"id,model,ratedPower\np/a,{MACHINE},1\np/b,{MACHINE},lots\n")
    assert main(["load", _sample()[0], str(rows)]) == 1
    out = capsys.readouterr().out
    assert f"{rows}:3: property 'ratedPower'" in out


def test_dry_run_writes_nothing(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["load", "--dry-run", *_sample()]) == 0
    assert "would load" in capsys.readouterr().out
    assert not (data_dir / "graph.snapshot").exists()


def test_principal_is_audited(data_dir: Path) -> None:
    assert main(["load", "--principal", "alice", _sample()[0]]) == 0
    store = MemoryStore(snapshot=data_dir / "graph.snapshot")
    assert {r.principal for r in store.audit(first=100).items} == {"alice"}
    store.close()


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["load", "/nowhere/at/all.yaml"], "does not exist"),
        (["load", "--batch-size", "0", "x.csv"], "--batch-size 0"),
    ],
)
def test_usage_and_io_errors_exit_2(
    data_dir: Path, capsys: pytest.CaptureFixture[str], argv: list[str], words: str
) -> None:
    assert main(argv) == 2
    assert words in capsys.readouterr().err


def test_neo4j_store_selected_by_settings(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With Neo4j selected and unreachable, the load stops with exit 2 and says why."""
    monkeypatch.setenv("TWINWEAVE_GRAPH_STORE", "neo4j")
    monkeypatch.setenv("TWINWEAVE_NEO4J_URI", "bolt://127.0.0.1:1")
    assert main(["load", _sample()[0]]) == 2
    err = capsys.readouterr().err
    assert "twinweave load:" in err


def test_help_names_formats_and_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["load", "--help"])
    out = capsys.readouterr().out
    for word in ("--dry-run", "--principal", "--report", "Exit codes", "NDJSON"):
        assert word in out
