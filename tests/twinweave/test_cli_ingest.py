"""``twinweave ingest`` end to end on the embedded stores (file replay; Kafka in test_kill)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
import yaml

from ontology import MemoryStore
from ontology.history import DuckDBHistorySettings, DuckDBHistoryStore, SeriesKey
from tests._services import free_ports
from tests.ingest.conftest import PIPELINE_DOC, T0_US, build_plant
from tests.ingest.worker.test_worker import END, START
from twinweave.cli import main
from twinweave.cli._slow_notice import KERNEL_NOTICE

T0_MS = T0_US // 1000


def embedded(data: Path, monkeypatch: pytest.MonkeyPatch) -> MemoryStore:
    """``data`` as TWINWEAVE_DATA_DIR, and its (empty) embedded graph store to fill and close."""
    data.mkdir()
    monkeypatch.setenv("TWINWEAVE_DATA_DIR", str(data))
    monkeypatch.delenv("TWINWEAVE_GRAPH_STORE", raising=False)
    return MemoryStore(snapshot=data / "graph.snapshot")


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An embedded data folder holding the test plant (graph snapshot)."""
    build_plant(embedded(tmp_path / "data", monkeypatch)).close()
    return tmp_path / "data"


@pytest.fixture
def pipeline_file(tmp_path: Path) -> Path:
    path = tmp_path / "pipeline.yaml"
    path.write_text(yaml.safe_dump(PIPELINE_DOC, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("threads", ["1", "2"])
def test_a_replay_file_reaches_the_embedded_stores(
    data_dir: Path,
    pipeline_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    threads: str,
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
            "--kernel-threads",
            threads,
        ]
    )
    assert code == 0
    # 2 records, then the 4 left: one-sample records of one key grow the second batch
    assert "stopped; 2 batches, 6 samples" in capsys.readouterr().err
    graph = MemoryStore(snapshot=data_dir / "graph.snapshot")
    assert graph.get_signals("machine/m1")["faultCode"].value == 4.0
    history = DuckDBHistoryStore(DuckDBHistorySettings(path=data_dir / "history.duckdb"))
    try:
        raw = history.raw(SeriesKey("machine/m1", "faultCode"), START, END)
        assert raw.value.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
        assert history.reject_counts(START, END) == {"malformed": 1}
    finally:
        history.close()


def test_a_bad_line_of_a_replay_file_is_told_by_its_line(
    data_dir: Path, pipeline_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each refused line: the file, its line number, what was wrong, what was expected and
    how it starts; the first ten of a run, then a note that the rest are counted."""
    feed = tmp_path / "feed.ndjson"
    good = orjson.dumps({"twin": "EQ-1", "signal": "faultCode", "time": T0_MS, "value": 1})
    bad = [b'{"twin": "EQ-1", "value": 3,}', b"", b"[1]", *[b"x%d" % i for i in range(10)]]
    feed.write_bytes(b"\n".join([good, *bad]) + b"\n")
    assert main(["ingest", "--source", f"replay:{feed}", "--pipeline", str(pipeline_file)]) == 0
    err = capsys.readouterr().err
    told = [
        line.removeprefix("twinweave ingest: rejected ")
        for line in err.splitlines()
        if line.startswith("twinweave ingest: rejected ")
    ]
    assert told[0] == (
        f"{feed} line 2: malformed: record is not JSON: trailing comma is not allowed at "
        "column 28; expected a JSON object (a sample, or one with 'samples', 'signals' or "
        '\'columns\') or an array of samples; the record starts \'{"twin": "EQ-1", "value": 3,}\''
    )
    assert told[1] == (
        f"{feed} line 4: bad_shape: sample 0 is a JSON int; expected an object; "
        "the record starts '[1]'"
    )
    assert told[2].startswith(f"{feed} line 5: malformed: record is not JSON: ")
    assert len(told) == 10
    assert "twinweave ingest: 10 rejects told; later ones are counted" in err
    assert "rejects: malformed 11, bad_shape 1" in err
    history = DuckDBHistoryStore(DuckDBHistorySettings(path=data_dir / "history.duckdb"))
    try:
        kept = history.rejects(START, END).items
    finally:
        history.close()
    assert (kept[0].source.path, kept[0].offset, kept[0].raw) == (
        str(feed),
        2,
        b'{"twin": "EQ-1", "value": 3,}',
    )


def test_rejects_over_several_batches_are_told_ten_in_all_and_the_note_once(
    data_dir: Path, pipeline_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Batches of 3 records, 14 bad lines: lines 1-10 told in the order they came, the note
    after the tenth once, and every reject still counted."""
    feed = tmp_path / "feed.ndjson"
    feed.write_bytes(b"\n".join(b"bad%d" % i for i in range(14)) + b"\n")
    args = ["ingest", "--source", f"replay:{feed}", "--pipeline", str(pipeline_file)]
    assert main([*args, "--max-records", "3", "--grow-limit", "1"]) == 0
    err = capsys.readouterr().err.splitlines()
    told = [line for line in err if line.startswith("twinweave ingest: rejected ")]
    places = [line.removeprefix("twinweave ingest: rejected ").split(": ")[0] for line in told]
    assert places == [f"{feed} line {n}" for n in range(1, 11)]
    notes = [i for i, line in enumerate(err) if "10 rejects told; later ones" in line]
    assert notes == [err.index(told[-1]) + 1]
    assert "rejects: malformed 14" in "\n".join(err)


def test_a_kafka_broker_that_cannot_be_reached_is_told_first_in_twinweaves_words(
    data_dir: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """What was tried (the address, topic and group), what failed (aiokafka's words inside
    the message) and what to check; aiokafka's own log line is not printed ahead of it."""
    (port,) = free_ports(1)  # nothing listens there
    source = f"kafka://127.0.0.1:{port}/plant"
    assert main(["ingest", "--source", source, "--group", "g1", "-q"]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(
        f"twinweave ingest: cannot reach Kafka at '127.0.0.1:{port}' to read topic 'plant' "
        f"as group 'g1' (aiokafka: Unable connect to \"127.0.0.1:{port}\""
    )
    assert line.endswith(
        "; check that a Kafka broker runs at that address and listens there "
        "(its advertised listeners included), and that this host may connect to it"
    )
    assert not [r for r in caplog.records if r.name.startswith("aiokafka")]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--source", "ftp://x"], "--source 'ftp://x' is not understood"),
        (["--source", "kafka://host:1/"], "expected kafka://HOST:PORT/TOPIC"),
        (["--source", "replay:/no/such/file"], "no file"),
        (["--pipeline", "/no/such.yaml", "--source", "sim"], "cannot be read"),
        (["--max-records", "0", "--source", "sim"], "max_records"),
        (["--grow-limit", "0", "--source", "sim"], "grow_limit=0; expected 1 to 1000"),
        (
            ["--source", "mqtt://127.0.0.1:1", "--sparkplug-reorder-timeout", "-1"],
            "reorder_timeout_s=-1.0; expected 0 to 3600 seconds",
        ),
    ],
)
def test_bad_arguments_stop_with_exit_2(
    data_dir: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", *args]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("threads", ["0", "65", "two"])
def test_a_bad_kernel_thread_count_is_a_usage_error(
    data_dir: Path, threads: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["ingest", "--source", "sim", "--kernel-threads", threads])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert f"--kernel-threads: {threads!r}; expected a whole number of threads from 1 to 64" in err


def test_a_bad_pipeline_names_the_file_and_place(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nsignals: {}\n", encoding="utf-8")
    assert main(["ingest", "--pipeline", str(bad), "--source", "sim"]) == 2
    assert f"{bad}: at version" in capsys.readouterr().err


@pytest.fixture
def sample_plant_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An embedded data folder holding the sample plant."""
    from loaders import load_paths, sample_plant_paths

    store = embedded(tmp_path / "plant", monkeypatch)
    load_paths(sample_plant_paths(), store)
    store.close()
    return tmp_path / "plant"


@pytest.mark.parametrize("record_format", ["json", "arrow"])
def test_the_simulator_runs_through_the_worker_in_process(
    sample_plant_dir: Path, capsys: pytest.CaptureFixture[str], record_format: str
) -> None:
    run = ["ingest", "--source", "sim", "--sim-ticks", "20", "--sim-tick", "0"]
    code = main([*run, "--sim-format", record_format])
    assert code == 0
    assert "stopped;" in capsys.readouterr().err
    graph = MemoryStore(snapshot=sample_plant_dir / "graph.snapshot")
    state = graph.get_signals("acme/jkt1/packaging/line1/filler1")
    assert state["mode"].value in {"STOP", "IDLE", "RUNNING", "FAULT"}
    assert state["goodCount"].value is not None


@pytest.mark.kafka
@pytest.mark.parametrize("record_format", ["json", "arrow"])
def test_the_simulator_publishes_to_kafka_and_the_worker_reads_it(
    sample_plant_dir: Path, kafka_bootstrap: str, kafka_topic: str, record_format: str
) -> None:
    """Columnar records carry a content-type header: the worker decodes them by it."""
    address = f"kafka://{kafka_bootstrap}/{kafka_topic}"
    publish = ["ingest", "--source", "sim", "--sim-publish", address, "--sim-format", record_format]
    assert main([*publish, "--sim-ticks", "5", "--sim-tick", "0", "-q"]) == 0
    read = ["ingest", "--source", address, "--group", f"{kafka_topic}-g", "--exit-when-idle", "1"]
    assert main([*read, "-q"]) == 0
    history = DuckDBHistoryStore(DuckDBHistorySettings(path=sample_plant_dir / "history.duckdb"))
    try:
        (batch, *_) = history.batches(START, END).items
        assert batch.accepted > 0
        assert sum(b.count_in for b in history.batches(START, END).items) > 5 * 20
    finally:
        history.close()


def test_sigterm_stops_the_worker_gracefully(sample_plant_dir: Path) -> None:
    import os
    import signal
    import subprocess
    import sys

    from tests._shared import REPO

    env = {k: v for k, v in os.environ.items() if not k.startswith("TWINWEAVE_")}
    env["TWINWEAVE_DATA_DIR"] = str(sample_plant_dir)
    command = [sys.executable, "-m", "twinweave", "ingest", "--source", "sim", "--sim-tick", "0.05"]
    worker = subprocess.Popen(
        [*command, "--progress-interval", "0"], cwd=REPO, env=env, stderr=subprocess.PIPE, text=True
    )
    assert worker.stderr is not None
    line = worker.stderr.readline()
    if line.startswith(f"twinweave ingest: {KERNEL_NOTICE}"):  # a slow kernel load (busy host)
        line = worker.stderr.readline()
    assert line.startswith("batch "), line
    worker.send_signal(signal.SIGTERM)
    rest = worker.stderr.read()
    worker.stderr.close()
    assert worker.wait(60) == 0
    assert "twinweave ingest: stopped;" in rest


@pytest.mark.kafka
async def test_the_change_feed_goes_to_a_kafka_topic(
    data_dir: Path, pipeline_file: Path, tmp_path: Path, kafka_bootstrap: str, kafka_topic: str
) -> None:
    import asyncio

    from ontology.changefeed.kafka import KafkaChangeFeed, KafkaChangeFeedSettings

    feed = tmp_path / "feed.ndjson"
    feed.write_bytes(
        orjson.dumps({"twin": "machine/m2", "signal": "faultCode", "time": T0_MS, "value": 5})
    )
    reader = KafkaChangeFeed(KafkaChangeFeedSettings(kafka_bootstrap, kafka_topic))
    stream = reader.subscribe(after=None)
    args = ["ingest", "--source", f"replay:{feed}", "--pipeline", str(pipeline_file)]
    code = await asyncio.to_thread(
        main, [*args, "--change-feed", f"kafka://{kafka_bootstrap}/{kafka_topic}", "-q"]
    )
    assert code == 0
    change = await asyncio.wait_for(anext(stream), 60)
    assert ("machine/m2", "faultCode", 5.0) in {(c.twin, c.signal, c.value) for c in change.signals}
    assert [e.code for e in change.events] == ["STOP->FAULT"]
    await stream.aclose()  # type: ignore[attr-defined]
    reader.close()


def test_the_feed_twin_reports_the_replay(
    data_dir: Path, pipeline_file: Path, tmp_path: Path
) -> None:
    feed = tmp_path / "health.ndjson"
    feed.write_bytes(b"junk\n")
    assert (
        main(["ingest", "--source", f"replay:{feed}", "--pipeline", str(pipeline_file), "-q"]) == 0
    )
    graph = MemoryStore(snapshot=data_dir / "graph.snapshot")
    signals = graph.get_signals("feed/replay:health.ndjson")
    assert signals["rejectRate"].value == 1.0
