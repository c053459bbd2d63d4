"""``twinweave ingest --source mqtt``: the broker from TWINWEAVE_MQTT_HOST and _PORT; bridge mode
(``--bridge-to kafka://...``) on the real Mosquitto and Kafka."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from ontology import Alias, MemoryStore
from tests._services import free_ports
from tests._shared import REPO
from tests.ingest.bridge.test_bridge import bridge_pipeline_document, read_topic
from tests.ingest.conftest import build_plant
from tests.ingest.worker._kafka import WAIT_S
from tests.ingest.worker.test_mqtt import MS, Client
from tests.twinweave.test_cli_ingest import embedded
from twinweave.cli import main


def test_mqtt_without_a_url_connects_to_the_broker_the_environment_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    embedded(tmp_path / "data", monkeypatch).close()
    (port,) = free_ports(1)  # nothing listens there
    monkeypatch.setenv("TWINWEAVE_MQTT_HOST", "127.0.0.1")
    monkeypatch.setenv("TWINWEAVE_MQTT_PORT", str(port))
    assert main(["ingest", "--source", "mqtt"]) == 2
    assert f"MQTT broker at 127.0.0.1:{port} cannot be reached" in capsys.readouterr().err


@pytest.mark.mqtt
def test_mqtt_without_a_url_runs_against_the_real_broker(
    mqtt_broker: tuple[str, int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    build_plant(embedded(tmp_path / "data", monkeypatch)).close()
    monkeypatch.setenv("TWINWEAVE_MQTT_HOST", mqtt_broker[0])
    monkeypatch.setenv("TWINWEAVE_MQTT_PORT", str(mqtt_broker[1]))
    monkeypatch.setenv("TWINWEAVE_MQTT_TOPICS", f"{tmp_path.name}/#")
    assert main(["ingest", "--source", "mqtt://", "--exit-when-idle", "0.5"]) == 0
    assert "twinweave ingest: stopped; 0 batches" in capsys.readouterr().err


@pytest.mark.parametrize("spec", ["mqtt://host", "mqtt://host:x", "mqtt://host:1883/topic"])
def test_a_broken_mqtt_url_is_refused(
    spec: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    embedded(tmp_path / "data", monkeypatch).close()
    assert main(["ingest", "--source", spec]) == 2
    assert "expected mqtt://HOST:PORT, or mqtt for TWINWEAVE_MQTT_HOST" in capsys.readouterr().err


@pytest.mark.kafka
@pytest.mark.mqtt
def test_bridge_mode_republishes_to_kafka_keyed_by_twin_and_stops_on_sigterm(
    mqtt_broker: tuple[str, int], mqtt_prefix: str, kafka_bootstrap: str, kafka_topic: str,
    tmp_path: Path,
) -> None:  # fmt: skip
    data = tmp_path / "data"
    data.mkdir()
    graph = build_plant(MemoryStore(snapshot=data / "graph.snapshot"))
    graph.add_aliases("machine/m1", [Alias("topic", f"{mqtt_prefix}/f")], principal="t")
    graph.close()
    pipeline = tmp_path / "pipeline.json"
    pipeline.write_bytes(orjson.dumps(bridge_pipeline_document()))
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWINWEAVE_")}
    env |= {"TWINWEAVE_DATA_DIR": str(data), "TWINWEAVE_MQTT_TOPICS": f"{mqtt_prefix}/#"}
    host, port = mqtt_broker
    command = [
        sys.executable, "-m", "twinweave", "ingest", "--source", f"mqtt://{host}:{port}",
        "--bridge-to", f"kafka://{kafka_bootstrap}/{kafka_topic}", "--client-id", mqtt_prefix,
        "--progress-interval", "0", "--pipeline", str(pipeline),
    ]  # fmt: skip
    bridge = subprocess.Popen(command, cwd=REPO, env=env, stderr=subprocess.PIPE, text=True)
    client = Client(mqtt_broker)
    try:
        got: list[tuple[str, dict[str, object]]] = []
        deadline = time.monotonic() + WAIT_S
        while not got and time.monotonic() < deadline:  # until the bridge has subscribed
            sample = orjson.dumps({"time": MS, "value": 5})
            client.publish(f"{mqtt_prefix}/f/speed", sample)
            got = asyncio.run(read_topic(kafka_bootstrap, kafka_topic, 1, wait_s=1.0))
        assert got, bridge.stderr
    finally:
        client.close()
        bridge.send_signal(signal.SIGTERM)
        _, err = bridge.communicate(timeout=WAIT_S)
    assert bridge.returncode == 0, err
    assert got[0] == (
        "machine/m1",
        {"samples": [{"signal": "speed", "time": MS, "value": 5.0, "quality": 0}]},
    )
    assert "twinweave ingest: bridge stopped; " in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--source", "replay:x"], "--bridge-to reads MQTT"),
        (["--source", "mqtt", "--rebuild"], "--bridge-to writes no stores"),
        (["--source", "mqtt://h:1"], "expected kafka://HOST:PORT/TOPIC"),
    ],
)
def test_bridge_mode_refuses_what_it_cannot_do(
    args: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    embedded(tmp_path / "data", monkeypatch).close()
    bridge_to = "kafka://h:1" if args[1] == "mqtt://h:1" else "kafka://h:1/t"
    assert main(["ingest", *args, "--bridge-to", bridge_to]) == 2
    assert message in capsys.readouterr().err
