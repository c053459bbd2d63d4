"""``twinweave ingest`` end to end on the embedded stores (file replay; Kafka in test_kill)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
import yaml

from ontology import MemoryStore
from ontology.history import DuckDBHistorySettings, DuckDBHistoryStore, SeriesKey
from tests.ingest.conftest import PIPELINE_DOC, T0_US, build_plant
from tests.ingest.worker.test_worker import END, START
from twinweave.cli import main

T0_MS = T0_US // 1000


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An embedded data folder holding the test plant (graph snapshot)."""
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("TWINWEAVE_DATA_DIR", str(data))
    monkeypatch.delenv("TWINWEAVE_GRAPH_STORE", raising=False)
    build_plant(MemoryStore(snapshot=data / "graph.snapshot")).close()
    return data


@pytest.fixture
def pipeline_file(tmp_path: Path) -> Path:
    path = tmp_path / "pipeline.yaml"
    path.write_text(yaml.safe_dump(PIPELINE_DOC, sort_keys=False), encoding="utf-8")
    return path


def test_a_replay_file_reaches_the_embedded_stores(
    data_dir: Path, pipeline_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = tmp_path / "feed.ndjson"
    lines = [
        orjson.dumps({"twin": "EQ-1", "signal": "faultCode", "time": T0_MS + i, "value": i})
        for i in range(5)
    ]
    feed.write_bytes(b"\n".join([*lines, b"garbage"]) + b"\n")
    code = main(
        [
            "ingest",
            "--source",
            f"replay:{feed}",
            "--pipeline",
            str(pipeline_file),
            "--max-records",
            "2",
        ]
    )
    assert code == 0
    assert "stopped; 3 batches, 6 samples" in capsys.readouterr().err
    graph = MemoryStore(snapshot=data_dir / "graph.snapshot")
    assert graph.get_signals("machine/m1")["faultCode"].value == 4.0
    history = DuckDBHistoryStore(DuckDBHistorySettings(path=data_dir / "history.duckdb"))
    try:
        raw = history.raw(SeriesKey("machine/m1", "faultCode"), START, END)
        assert raw.value.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
        assert history.reject_counts(START, END) == {"malformed": 1}
    finally:
        history.close()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--source", "ftp://x"], "--source 'ftp://x' is not understood"),
        (["--source", "kafka://host:1/"], "expected kafka://HOST:PORT/TOPIC"),
        (["--source", "replay:/no/such/file"], "no file"),
        (["--pipeline", "/no/such.yaml", "--source", "sim"], "cannot be read"),
        (["--max-records", "0", "--source", "sim"], "max_records"),
    ],
)
def test_bad_arguments_stop_with_exit_2(
    data_dir: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", *args]) == 2
    assert message in capsys.readouterr().err


def test_a_bad_pipeline_names_the_file_and_place(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nsignals: {}\n", encoding="utf-8")
    assert main(["ingest", "--pipeline", str(bad), "--source", "sim"]) == 2
    assert f"{bad}: at version" in capsys.readouterr().err
