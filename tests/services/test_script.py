"""scripts/services: command line, pid files, and stopping only what it started.

These run the script against a private scratch dir, never touching the real
services, and need none of them.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests._services import free_ports

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "services"
SERVICES = ("neo4j", "kafka", "mosquitto", "questdb")


def run(scratch: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--dir", str(scratch), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def start_ticks(pid: int) -> int:
    raw = Path(f"/proc/{pid}/stat").read_text()
    return int(raw[raw.rfind(")") + 2 :].split()[19])


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen[bytes]]:
    """A process whose command line contains 'mosquitto' (the script's marker for it)."""
    code = "import time; time.sleep(120)"
    proc = subprocess.Popen([sys.executable, "-c", code, "mosquitto"])
    yield proc
    if proc.poll() is None:
        proc.kill()
    proc.wait()


def write_pidfile(scratch: Path, name: str, pid: int, ticks: int, marker: str) -> Path:
    path = scratch / "run" / f"{name}.pid"
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"pid": pid, "start_ticks": ticks, "port": 18830, "marker": marker}
    path.write_text(json.dumps(record))
    return path


def test_help_names_every_service_and_port_setting(tmp_path: Path) -> None:
    result = run(tmp_path, "--help")
    assert result.returncode == 0
    for name in (*SERVICES, "TWINWEAVE_SERVICES_DIR", "TWINWEAVE_SERVICES_NEO4J_PORT"):
        assert name in result.stdout


def test_unknown_service_is_refused(tmp_path: Path) -> None:
    result = run(tmp_path, "up", "redis")
    assert result.returncode == 2
    assert "unknown service 'redis'" in result.stderr


def test_status_of_a_fresh_dir_lists_all_stopped(tmp_path: Path) -> None:
    options = ["neo4j", "kafka", "kafka-controller", "mosquitto"]
    options += ["questdb", "questdb-min", "questdb-pg", "questdb-ilp"]
    pairs = zip(options, free_ports(len(options)), strict=True)
    ports = [arg for name, port in pairs for arg in (f"--{name}-port", str(port))]
    result = run(tmp_path / "new", *ports, "status")
    lines = result.stdout.splitlines()
    assert result.returncode == 3
    assert [line.split()[:2] for line in lines] == [[name, "stopped"] for name in SERVICES]


def test_down_stops_the_process_its_pid_file_names(
    tmp_path: Path, sleeper: subprocess.Popen[bytes]
) -> None:
    pidfile = write_pidfile(
        tmp_path, "mosquitto", sleeper.pid, start_ticks(sleeper.pid), "mosquitto"
    )
    result = run(tmp_path, "down", "mosquitto")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"mosquitto: stopped (pid {sleeper.pid})" in result.stdout
    assert sleeper.wait(timeout=30) == -15  # SIGTERM
    assert not pidfile.exists()


@pytest.mark.parametrize("mismatch", ["start_ticks", "marker"])
def test_down_leaves_a_process_that_is_not_the_one_it_started(
    tmp_path: Path, sleeper: subprocess.Popen[bytes], mismatch: str
) -> None:
    ticks = start_ticks(sleeper.pid) + (1 if mismatch == "start_ticks" else 0)
    marker = "Launcher" if mismatch == "marker" else "mosquitto"
    pidfile = write_pidfile(tmp_path, "mosquitto", sleeper.pid, ticks, marker)
    result = run(tmp_path, "down", "mosquitto")
    assert result.returncode == 0
    assert "mosquitto: not running" in result.stdout
    assert sleeper.poll() is None
    assert not pidfile.exists()  # the stale pid file is cleared


def test_up_refuses_a_port_taken_by_another_process(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run(tmp_path, "--mosquitto-port", str(port), "up", "mosquitto")
    assert result.returncode == 1
    assert f"port {port} on 127.0.0.1 is taken" in result.stdout
    assert not (tmp_path / "run" / "mosquitto.pid").exists()


@pytest.mark.mqtt
def test_up_uses_a_broker_it_did_not_start_and_down_leaves_it(
    tmp_path: Path, mqtt_broker: tuple[str, int]
) -> None:
    port = str(mqtt_broker[1])
    up = run(tmp_path, "--mosquitto-port", port, "up", "mosquitto")
    status = run(tmp_path, "--mosquitto-port", port, "status", "mosquitto")
    down = run(tmp_path, "--mosquitto-port", port, "down", "mosquitto")
    assert up.returncode == 0, up.stdout
    assert "was not started from" in up.stdout
    assert status.returncode == 0
    assert status.stdout.split()[:2] == ["mosquitto", "external"]
    assert "mosquitto: not running" in down.stdout
    assert not (tmp_path / "run" / "mosquitto.pid").exists()
