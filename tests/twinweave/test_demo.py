"""``twinweave demo`` starts a real server process that answers HTTP and GraphQL."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

START_S = 90.0
"""A guard against a demo that never answers, not a timing assertion: on the two-core host
under a load average of 13-15 (2026-12-07) the demo took more than 30 s to answer."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Demo:
    def __init__(self, base: str, process: subprocess.Popen[bytes]) -> None:
        self.base = base
        self.process = process

    def stop(self) -> str:
        """Stop the server and return everything it printed."""
        self.process.terminate()
        return self.process.communicate(timeout=10)[0].decode(errors="replace")


@contextmanager
def running_demo(data_dir: Path) -> Iterator[Demo]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWINWEAVE_")}
    env["TWINWEAVE_DATA_DIR"] = str(data_dir)
    process = subprocess.Popen(
        [sys.executable, "-m", "twinweave", "demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    demo = Demo(base, process)
    try:
        deadline = time.monotonic() + START_S
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            process.kill()
            output = process.communicate()[0].decode(errors="replace")
            pytest.fail(f"demo did not answer on {base} within {START_S:.0f} s:\n{output}")
        yield demo
    finally:
        if process.poll() is None:
            demo.stop()


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    with running_demo(tmp_path) as running:
        yield running


def test_demo_answers_health_and_graphql(demo: Demo) -> None:
    health = httpx.get(f"{demo.base}/healthz", timeout=5).json()
    assert health["status"] == "ok"
    response = httpx.post(
        f"{demo.base}/graphql",
        json={"query": "{ service { name graphStore capabilities { name ready } } }"},
        timeout=5,
    )
    service = response.json()["data"]["service"]
    assert service["name"] == "twinweave"
    assert service["graphStore"] == "memory"
    ready = {c["name"]: c["ready"] for c in service["capabilities"]}
    assert ready["health"] is True


def test_demo_loads_the_sample_plant_once_and_finds_it_unchanged_next_time(
    tmp_path: Path,
) -> None:
    with running_demo(tmp_path) as first:
        output = first.stop()
    assert "0 rejected" in output
    assert "twins:   55 created" in output
    assert "a DAG, not a tree:" in output
    assert "each resolves to it" in output
    # what to try is printed once the server answers, not before its start-up
    assert output.index("Uvicorn running on") < output.index("twinweave demo is serving:")
    assert (tmp_path / "demo" / "graph.snapshot").is_file()
    with running_demo(tmp_path) as second:
        output = second.stop()
    assert "twins:   0 created, 0 updated, 55 unchanged, 0 rejected" in output


LINEAGE = """{ twin(id: "acme/jkt1/packaging/line1/filler1") {
  lineage(signal: "power") { batch principal sources { kind } }
  history(signals: ["power"], from: "2000-01-01T00:00:00Z", to: "2100-01-01T00:00:00Z",
          interval: 3600, aggregates: [COUNT]) { timestamps values } } }"""


def test_demo_feeds_the_simulator_through_the_worker_into_state_history_and_lineage(
    demo: Demo,
) -> None:
    deadline = time.monotonic() + 60
    twin = None
    while time.monotonic() < deadline:
        response = httpx.post(f"{demo.base}/graphql", json={"query": LINEAGE}, timeout=10)
        twin = response.json()["data"]["twin"]
        if twin["lineage"] is not None and twin["history"][0]["timestamps"]:
            break
        time.sleep(1)
    assert twin is not None and twin["lineage"] is not None, twin
    assert twin["lineage"]["principal"] == "twinweave-demo-simulator"
    assert twin["lineage"]["sources"] == [{"kind": "sim"}]
    assert sum(twin["history"][0]["values"]["count"]) > 0
    output = demo.stop()
    assert "1. Live state changing" in output
    assert "3. The lineage of a value" in output
