"""scripts/test fails when a service it started dies during the run.

Runs scripts/test with only Mosquitto, on a free port in a private scratch dir,
and a one-test pytest run that kills that Mosquitto: the summary must say
FAILED even though every test passed. Takes ~20 s (scripts/check included).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests._services import free_ports, in_ci
from tests._shared import REPO

KILLER = """
import json, os, signal
from pathlib import Path


def test_the_run_requires_mqtt_and_then_loses_its_broker():
    assert os.environ["TWINWEAVE_TEST_REQUIRE"] == "mqtt"
    pidfile = Path(os.environ["TWINWEAVE_SERVICES_DIR"], "run", "mosquitto.pid")
    os.kill(json.loads(pidfile.read_text())["pid"], signal.SIGKILL)
"""


@pytest.mark.slow
def test_a_service_that_dies_during_the_run_fails_scripts_test(tmp_path: Path) -> None:
    if shutil.which("mosquitto") is None and not Path("/usr/sbin/mosquitto").exists():
        if in_ci():
            pytest.fail("mosquitto is not installed (scripts/services up installs it)")
        pytest.skip("needs the mosquitto binary (scripts/services up installs it as root)")
    killer = tmp_path / "test_killer.py"
    killer.write_text(KILLER, encoding="utf-8")
    scratch = tmp_path / "services"
    env = {
        **os.environ,
        "TWINWEAVE_SERVICES_DIR": str(scratch),
        "TWINWEAVE_SERVICES_MOSQUITTO_PORT": str(free_ports(1)[0]),
        "TWINWEAVE_TEST_SERVICES": "mosquitto",
    }
    try:
        result = subprocess.run(
            ["bash", str(REPO / "scripts" / "test"), str(killer), "-q", "-p", "no:cacheprovider"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    finally:
        subprocess.run(
            [sys.executable, str(REPO / "scripts" / "services"), "--dir", str(scratch), "down"],
            capture_output=True,
            timeout=120,
            check=False,
            env=env,
        )
    out = result.stdout
    assert "1 passed" in out, out[-3000:]
    assert "mosquitto  stopped" in out
    assert result.returncode == 1
    summary = out.rsplit("======== summary", 1)[1]
    assert "services stopped during the run" in summary
    assert "pytest" not in summary  # the tests passed: the dead service alone failed the run
