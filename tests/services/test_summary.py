"""The per-service summary and the CI rule hold with pytest-xdist workers as in one process.

``tests/conftest.py`` prints "tests against real services" (``neo4j ...: 452 passed``) and,
under ``CI=true``, fails (not skips) a test whose service does not answer. With workers the
tests run in other processes: the counts must reach the controller with the reports. A
small pytest run in a subprocess, with the suite's conftest as its plugin, shows both.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests._services import free_ports
from tests._shared import REPO

SAMPLE = """
import pytest


@pytest.mark.mqtt
def test_mqtt_one():
    pass


@pytest.mark.mqtt
def test_mqtt_two():
    pass


@pytest.mark.mqtt
def test_mqtt_broker_gone(mqtt_broker):
    pass


@pytest.mark.neo4j
@pytest.mark.kafka
def test_neo4j_and_kafka_fails():
    assert False


def test_no_service():
    pass
"""


@pytest.mark.parametrize(
    "mode", [["-n", "2", "--dist", "worksteal"], ["-p", "no:xdist"]], ids=["workers", "serial"]
)
def test_the_service_counts_reach_the_summary(tmp_path: Path, mode: list[str]) -> None:
    (tmp_path / "test_sample.py").write_text(SAMPLE, encoding="utf-8")
    gone = f"127.0.0.1:{free_ports(1)[0]}"  # nothing listens there
    env = {
        **os.environ,
        "CI": "true",
        "TWINWEAVE_TEST_MQTT": gone,
        "PYTHONPATH": str(REPO),
    }
    command = [sys.executable, "-m", "pytest", "-c", str(REPO / "pyproject.toml")]
    command += ["--rootdir", str(tmp_path), "-p", "tests.conftest", "-p", "no:cacheprovider"]
    result = subprocess.run(
        [*command, *mode, "test_sample.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    out = result.stdout
    assert result.returncode == 1, out[-3000:]
    summary = out.split("tests against real services", 1)[1]
    lines = summary.splitlines()[1:5]
    counts = [(line.split()[0], line.split(": ", 1)[1]) for line in lines]
    assert counts == [
        ("neo4j", "1 failed"),
        ("kafka", "1 failed"),
        ("mqtt", "1 failed, 2 passed"),
        ("questdb", "none ran"),
    ], summary
    assert lines[2] == f"mqtt      {gone}: 1 failed, 2 passed"
    # The unreachable broker failed its test under CI=true (an error in setup), not skipped.
    assert f"Mosquitto is not reachable at {gone}" in out
    assert "skipped" not in out
    assert "1 failed, 3 passed, 1 error" in out.splitlines()[-1]
