"""Fixtures for the explorer's browser tests: a live plant server and headless Chromium.

The tests carry the ``browser`` marker. They skip when Chromium (``/usr/bin/chromium``),
Node.js, the explorer's npm packages or the built page are missing, and fail instead under
``CI=true`` or ``TWINWEAVE_TEST_REQUIRE_BROWSER=1`` (``scripts/test`` sets it after it built
the page and installed Chromium).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from server.explorer import STATIC_DIR, is_built

ROOT = Path(__file__).resolve().parents[2]
EXPLORER_DIR = ROOT / "explorer"
CHROMIUM = Path("/usr/bin/chromium")
SCENARIOS = Path(__file__).with_name("scenarios.mjs")
START_TIMEOUT_S = 60.0


def browser_required() -> bool:
    return (
        os.environ.get("CI", "").lower() == "true"
        or os.environ.get("TWINWEAVE_TEST_REQUIRE_BROWSER") == "1"
    )


def missing_for_browser() -> str | None:
    """What the browser tests lack here, or ``None`` when they can run."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium; scripts/test does it)"
    if shutil.which("node") is None:
        return "node is not on PATH (Node.js 20+)"
    if not (EXPLORER_DIR / "node_modules" / "playwright-core").is_dir():
        return "explorer/node_modules has no playwright-core (run scripts/build-explorer)"
    if not is_built():
        return f"the page is not built in {STATIC_DIR} (run scripts/build-explorer)"
    return None


@pytest.fixture(scope="session")
def browser_ready() -> None:
    missing = missing_for_browser()
    if missing is not None:
        if browser_required():
            pytest.fail(f"browser tests cannot run: {missing}")
        pytest.skip(f"browser tests skipped: {missing}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class Plant:
    base: str
    control: Path


@pytest.fixture(scope="module")
def plant(browser_ready: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Plant]:
    """``benchmarks.explorer_plant`` on a free port: the sample plant with simulated feeds."""
    control = tmp_path_factory.mktemp("explorer-control")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWINWEAVE_")}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "benchmarks.explorer_plant",
            "--port",
            str(port),
            "--control",
            str(control),
            "--wide",
            "120",
            "--tick",
            "0.3",
            "--backfill-hours",
            "24",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                output = process.communicate()[0].decode(errors="replace")
                pytest.fail(f"the plant server did not answer on {base}:\n{output}")
            time.sleep(0.2)
        yield Plant(base=base, control=control)
    finally:
        if process.poll() is None:
            process.terminate()
            process.communicate(timeout=10)
