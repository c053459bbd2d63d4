"""kill -9 of ``twinweave ingest`` mid-stream from the real Kafka, then a restart: the state
equals a full replay, and history has every sample once (no gap, no duplicate)."""

from __future__ import annotations

import asyncio
import math
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

import orjson
import pytest
import yaml

from ingest.pipeline import pipeline_from_document
from ingest.sources import MemorySource
from ingest.worker import Worker
from ontology import GraphStore, MemoryStore
from ontology.history import DuckDBHistorySettings, DuckDBHistoryStore, HistoryStore, SeriesKey
from tests._shared import REPO
from tests.ingest.conftest import PIPELINE_DOC, T0_US, build_plant
from tests.ingest.worker._kafka import produce
from tests.ingest.worker.test_worker import END, START, committer

pytestmark = [pytest.mark.kafka, pytest.mark.slow]
TWINS = ("machine/m1", "machine/m2", "EQ-1", "sensor/t1", "line/l1", "line/l2")
SIGNALS = ("faultCode", "speed", "temperature", "product")
RECORDS = 1500
WAIT_S = 300.0  # a guard against hanging, not a timing assertion: at load 10-16 on two cores
# the restarted worker took over 120 s for the 150 batches of 10 records, and then finished


def payloads() -> list[tuple[str, bytes]]:
    out = []
    for i in range(RECORDS):
        twin = TWINS[i % len(TWINS)]
        signal_name = SIGNALS[(i // len(TWINS)) % len(SIGNALS)]
        value: object = {
            "faultCode": (i // 7) % 3,
            "speed": float(i % 50) * 10,
            "temperature": 20.0 + (i % 13),
            "product": f"SKU-{i % 4}",
        }[signal_name]
        doc = {"signal": signal_name, "time": T0_US // 1000 + i, "value": value}
        out.append((twin, orjson.dumps(doc)))
    # a few out of order and duplicated
    out[100], out[101] = out[101], out[100]
    out.insert(500, out[499])
    return out


def ingest(
    data: Path, topic: str, bootstrap: str, pipeline: Path, *extra: str
) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWINWEAVE_")}
    env["TWINWEAVE_DATA_DIR"] = str(data)
    command = [
        sys.executable, "-m", "twinweave", "ingest",
        "--source", f"kafka://{bootstrap}/{topic}",
        "--group", f"{topic}-g",
        "--pipeline", str(pipeline),
        "--max-records", "10",
        "--grow-limit", "1",  # batches of 10 records, never grown: the kill lands mid-stream
        "--progress-interval", "0",
        *extra,
    ]  # fmt: skip
    return subprocess.Popen(
        command, cwd=REPO, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )


def _lines(stream: IO[str]) -> queue.Queue[str | None]:
    """``stream``'s lines as they come, read on a thread of their own; None at its end."""
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in stream:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    return lines


def snapshot(history: HistoryStore) -> dict[tuple[str, str], list[tuple[int, object, object]]]:
    out = {}
    for twin in ("machine/m1", "machine/m2", "sensor/t1", "line/l1", "line/l2"):
        for name in SIGNALS:
            raw = history.raw(SeriesKey(twin, name), START, END)
            texts = raw.text.tolist() if raw.text is not None else [None] * len(raw)
            values = [None if math.isnan(v) else v for v in raw.value.tolist()]
            out[(twin, name)] = list(
                zip(raw.time.astype("int64").tolist(), values, texts, strict=True)
            )
    return out


def state(graph: GraphStore) -> dict[str, dict[str, object]]:
    return {
        twin: {k: v.value for k, v in graph.get_signals(twin).items()}
        for twin in ("machine/m1", "machine/m2", "sensor/t1", "line/l1", "line/l2")
    }


def test_kill_9_mid_stream_then_restart_equals_a_full_replay(
    kafka_bootstrap: str, kafka_topic: str, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    build_plant(MemoryStore(snapshot=data / "graph.snapshot")).close()
    pipeline = tmp_path / "pipeline.yaml"
    document = {
        **PIPELINE_DOC,
        "time": {"max_future": 3600 * 24 * 365 * 5, "allowed_lateness": 3600},
    }
    pipeline.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    records = payloads()
    asyncio.run(produce(kafka_bootstrap, kafka_topic, records))

    first = ingest(data, kafka_topic, kafka_bootstrap, pipeline)
    assert first.stderr is not None
    lines = _lines(first.stderr)
    deadline = time.monotonic() + WAIT_S
    batches = 0
    while batches < 30:
        try:  # a worker that falls silent fails the test at the deadline, never hangs it
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            break
        assert line is not None, "the worker ended before it was killed"
        batches += line.startswith("batch ")
    first.send_signal(signal.SIGKILL)  # mid-stream; or at the deadline, leaving no worker behind
    first.wait(WAIT_S)
    while lines.get(timeout=WAIT_S) is not None:  # the reader ends with the pipe: then close
        pass
    first.stderr.close()
    assert batches == 30, f"{batches} batches reported within {WAIT_S} s; expected 30"

    second = ingest(data, kafka_topic, kafka_bootstrap, pipeline, "--exit-when-idle", "3")
    _, err = second.communicate(timeout=WAIT_S)
    assert second.returncode == 0, err[-2000:]

    # the same records through a fresh worker in this process: a full replay
    expected_graph = build_plant(MemoryStore())
    expected_history = DuckDBHistoryStore()
    source = MemorySource("replay")
    for twin, payload in records:
        source.put([payload], twin=twin)
    source.close()
    replay = committer(pipeline_from_document(document), expected_graph, expected_history, None)
    asyncio.run(Worker(source, replay).run())

    graph = MemoryStore(snapshot=data / "graph.snapshot")
    history = DuckDBHistoryStore(DuckDBHistorySettings(path=data / "history.duckdb"))
    try:
        got, expected = snapshot(history), snapshot(expected_history)
        assert sum(len(v) for v in got.values()) == RECORDS  # every sample once, the copy dropped
        assert got == expected
        assert state(graph) == state(expected_graph)
        assert history.committed_offsets(kafka_topic) == {0: RECORDS}  # RECORDS + 1 records
    finally:
        history.close()
        expected_history.close()
