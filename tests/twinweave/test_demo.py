"""``twinweave demo`` starts a real server process that answers HTTP and GraphQL."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def demo(tmp_path: object) -> Iterator[str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWINWEAVE_")}
    env["TWINWEAVE_DATA_DIR"] = str(tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "twinweave", "demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            process.kill()
            output = process.communicate()[0].decode(errors="replace")
            pytest.fail(f"demo did not answer on {base} within 30 s:\n{output}")
        yield base
    finally:
        process.terminate()
        process.communicate(timeout=10)


def test_demo_answers_health_and_graphql(demo: str) -> None:
    health = httpx.get(f"{demo}/healthz", timeout=5).json()
    assert health["status"] == "ok"
    response = httpx.post(
        f"{demo}/graphql",
        json={"query": "{ service { name graphStore capabilities { name ready } } }"},
        timeout=5,
    )
    service = response.json()["data"]["service"]
    assert service["name"] == "twinweave"
    assert service["graphStore"] == "memory"
    ready = {c["name"]: c["ready"] for c in service["capabilities"]}
    assert ready["health"] is True
