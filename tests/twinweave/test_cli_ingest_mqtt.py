"""``twinweave ingest --source mqtt``: the broker from TWINWEAVE_MQTT_HOST and _PORT."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests._services import free_ports
from tests.ingest.conftest import build_plant
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
