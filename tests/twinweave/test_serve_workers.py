"""``twinweave serve --workers N``: several processes on one port over Neo4j and QuestDB."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

import ontology
from tests._services import QuestDBAddress, free_ports
from tests._shared import REPO
from tests.server.graphql.conftest import load_plant

WAIT_S = 90.0  # a guard against hanging, not a timing assertion


def _serve(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "twinweave", "serve", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWINWEAVE_")}
    env["TWINWEAVE_DATA_DIR"] = str(tmp_path)
    return env


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--workers", "2"), "--workers 2 needs stores that processes can share"),
        (("--workers", "0"), "--workers 0; expected 1 to 32"),
    ],
)
def test_workers_the_stores_cannot_share_are_refused_naming_why(
    tmp_path: Path, args: tuple[str, ...], expected: str
) -> None:
    server = _serve(_clean_env(tmp_path), *args)
    _, err = server.communicate(timeout=WAIT_S)
    assert server.returncode == 2
    assert expected in err


def _workers_of(pid: int) -> list[int]:
    """Child processes of ``pid`` that run a multiprocessing worker (uvicorn's)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == pid and b"spawn_main" in cmdline:
            found.append(int(entry.name))
    return found


@pytest.mark.neo4j
@pytest.mark.questdb
def test_two_workers_serve_one_port_over_neo4j_and_questdb(
    tmp_path: Path,
    neo4j_uri: str,
    neo4j_namespace: str,
    questdb: QuestDBAddress,
    questdb_prefix: str,
) -> None:
    graph = ontology.Neo4jStore(
        ontology.Neo4jStoreSettings(uri=neo4j_uri, namespace=neo4j_namespace)
    )
    try:
        load_plant(graph)
    finally:
        graph.close()
    env = _clean_env(tmp_path)
    env |= {
        "TWINWEAVE_GRAPH_STORE": "neo4j",
        "TWINWEAVE_NEO4J_URI": neo4j_uri,
        "TWINWEAVE_NEO4J_NAMESPACE": neo4j_namespace,
        "TWINWEAVE_HISTORY_STORE": "questdb",
        "TWINWEAVE_QUESTDB_HTTP": questdb.http,
        "TWINWEAVE_QUESTDB_PG": questdb.pg,
        "TWINWEAVE_QUESTDB_PREFIX": questdb_prefix,
    }
    (port,) = free_ports(1)
    server = _serve(env, "--workers", "2", "--port", str(port))
    base = f"http://127.0.0.1:{port}"
    query = {"query": '{ twin(id: "acme/jkt1") { id children { nodes { id } } } }'}
    try:
        deadline = time.monotonic() + WAIT_S
        answers: list[dict[str, Any]] = []
        while len(answers) < 20:
            assert time.monotonic() < deadline, "the workers did not answer in time"
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            try:
                response = httpx.post(f"{base}/graphql", json=query, timeout=10)
            except httpx.HTTPError:
                time.sleep(0.2)
                continue
            answers.append(response.json())
        workers = _workers_of(server.pid)
        health = httpx.get(f"{base}/healthz", timeout=10).json()
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(30)
        if server.stderr is not None:
            server.stderr.close()
    assert len(workers) == 2
    assert health["status"] == "ok"
    assert "errors" not in answers[0], answers[0]
    twin = answers[0]["data"]["twin"]
    assert twin["id"] == "acme/jkt1"
    assert {c["id"] for c in twin["children"]["nodes"]} == {
        "acme/jkt1/packaging",
        "acme/jkt1/machining",
    }
    assert all(a == answers[0] for a in answers)
