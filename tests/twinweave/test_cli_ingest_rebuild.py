"""``twinweave ingest --rebuild``: state and history rebuilt from the real Kafka topic (the
source of truth) equal what the worker wrote, whether they were wiped or corrupted."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import orjson
import pytest
import yaml

from ontology import MemoryStore, SignalUpdate
from ontology.history import DuckDBHistorySettings, DuckDBHistoryStore, Event, HistoryStore
from tests.ingest.conftest import PIPELINE_DOC, T0_US, build_plant
from tests.ingest.worker._kafka import produce
from tests.ingest.worker.test_worker import END, START
from tests.twinweave.test_cli_ingest_kill import payloads, snapshot, state
from twinweave.cli import main

pytestmark = pytest.mark.kafka
DOCUMENT = {**PIPELINE_DOC, "time": {"max_future": 3600 * 24 * 365 * 5, "allowed_lateness": 3600}}
EXTRA = [
    ("machine/m1", b"not json"),
    ("no/such/twin", orjson.dumps({"signal": "speed", "time": T0_US // 1000, "value": 1})),
]


def events(history: HistoryStore) -> list[Event]:
    out: list[Event] = []
    after = None
    while True:
        page = history.events(None, START, END, first=500, after=after)
        out.extend(page.items)
        if page.next_cursor is None:
            return out
        after = page.next_cursor


def everything(data: Path, topic: str) -> tuple[object, ...]:
    """The plant's state, and history's samples, events, reject counts and offsets."""
    graph = MemoryStore(snapshot=data / "graph.snapshot")
    history = DuckDBHistoryStore(DuckDBHistorySettings(path=data / "history.duckdb"))
    try:
        evented = sorted((e.twin, e.time, e.kind, e.code) for e in events(history))
        return (
            state(graph),
            snapshot(history),
            evented,
            dict(history.reject_counts(START, END)),
            dict(history.committed_offsets(topic)),
        )
    finally:
        history.close()
        graph.close()


def test_rebuild_after_a_wipe_and_after_a_corruption_equals_what_the_worker_wrote(
    kafka_bootstrap: str,
    kafka_topic: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("TWINWEAVE_DATA_DIR", str(data))
    monkeypatch.delenv("TWINWEAVE_GRAPH_STORE", raising=False)
    monkeypatch.delenv("TWINWEAVE_HISTORY_STORE", raising=False)
    build_plant(MemoryStore(snapshot=data / "graph.snapshot")).close()
    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text(yaml.safe_dump(DOCUMENT, sort_keys=False), encoding="utf-8")
    records = payloads()
    del records[500]  # the copy: whether a copy is a `duplicate` reject depends on the batching
    records += EXTRA
    asyncio.run(produce(kafka_bootstrap, kafka_topic, records))
    source = ["--source", f"kafka://{kafka_bootstrap}/{kafka_topic}", "--pipeline", str(pipeline)]
    group = ["--group", f"{kafka_topic}-g", "--exit-when-idle", "2", "--max-records", "50"]
    assert main(["ingest", *source, *group]) == 0
    original = everything(data, kafka_topic)
    assert original[3] == {"malformed": 1, "unknown_twin": 1}
    samples = original[1]
    assert isinstance(samples, dict)
    assert sum(len(v) for v in samples.values()) == len(records) - 2
    capsys.readouterr()

    # wiped: a fresh plant without any signal value, and no history at all
    (data / "graph.snapshot").unlink()
    (data / "history.duckdb").unlink()
    build_plant(MemoryStore(snapshot=data / "graph.snapshot")).close()
    assert main(["ingest", "--rebuild", *source, "--max-records", "170"]) == 0
    err = capsys.readouterr().err
    assert f"rebuilt; {len(records)} records" in err, err  # and progress lines before it
    assert everything(data, kafka_topic) == original

    # corrupted: wrong values (as new as the true ones) and history intact
    graph = MemoryStore(snapshot=data / "graph.snapshot")
    values = graph.get_signals("machine/m1")
    graph.set_signals(
        [SignalUpdate("machine/m1", name, "garbage", v.time, "bad") for name, v in values.items()]
        + [SignalUpdate("line/l2", "speed", 1.0, values["speed"].time - timedelta(days=1))]
    )
    graph.close()
    assert everything(data, kafka_topic) != original
    assert main(["ingest", "--rebuild", *source, "--progress-interval", "0", "-q"]) == 0
    assert everything(data, kafka_topic) == original  # and no sample, event or reject twice


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--source", "replay:x.ndjson"], "--rebuild reads a Kafka topic"),
        (["--group", "g"], "a rebuild joins no group"),
        (["--exit-when-idle", "3"], "ends at the topic's end"),
    ],
)
def test_rebuild_refuses_what_it_cannot_do(
    args: list[str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TWINWEAVE_DATA_DIR", str(tmp_path))
    assert main(["ingest", "--rebuild", *args]) == 2
    assert message in capsys.readouterr().err
