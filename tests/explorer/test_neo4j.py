"""The explorer on Neo4j: ``twinweave serve`` over the sample plant in the real Neo4j, in Chromium.

The page uses only the public GraphQL API, whose query suite runs on both stores; this
checks the page itself on a Neo4j-backed server: the tree's roots, keyboard navigation
into the plant, the models and the feed-health view, with no console error.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import ontology
from loaders import load_paths, sample_plant_paths
from tests._services import free_ports
from tests._shared import REPO
from tests.explorer.conftest import SCENARIOS

pytestmark = [pytest.mark.browser, pytest.mark.neo4j]
WAIT_S = 90.0  # a guard against hanging, not a timing assertion


@pytest.fixture(scope="module")
def neo4j_server(
    browser_ready: None, neo4j_uri: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """``twinweave serve`` on the sample plant in its own Neo4j namespace; its base URL."""
    from tests._services import drop_neo4j_namespace, unique_name

    namespace = unique_name("t")
    store = ontology.Neo4jStore(ontology.Neo4jStoreSettings(uri=neo4j_uri, namespace=namespace))
    try:
        load_paths(sample_plant_paths(), store, principal="tester")
    finally:
        store.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWINWEAVE_")}
    env |= {
        "TWINWEAVE_DATA_DIR": str(tmp_path_factory.mktemp("neo4j-serve")),
        "TWINWEAVE_GRAPH_STORE": "neo4j",
        "TWINWEAVE_NEO4J_URI": neo4j_uri,
        "TWINWEAVE_NEO4J_NAMESPACE": namespace,
    }
    (port,) = free_ports(1)
    server = subprocess.Popen(
        [sys.executable, "-m", "twinweave", "serve", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + WAIT_S
        while True:
            assert server.poll() is None, "twinweave serve exited"
            assert time.monotonic() < deadline, "twinweave serve did not answer"
            try:
                httpx.get(f"{base}/healthz", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield base
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(30)
        from neo4j import GraphDatabase

        with GraphDatabase.driver(neo4j_uri) as driver:
            drop_neo4j_namespace(driver, namespace)


def _scenarios(base: str, *names: str) -> dict[str, dict[str, Any]]:
    """Run ``names`` in one Chromium (a fresh context each); each one's detail, by name."""
    done = subprocess.run(
        ["node", str(SCENARIOS), base, ",".join(names)],
        capture_output=True,
        text=True,
        timeout=WAIT_S * 2 * len(names),
        check=False,
    )
    results = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    found = {result["scenario"]: result for result in results}
    details: dict[str, dict[str, Any]] = {}
    for name in names:
        assert name in found, f"{name}: no report (exit {done.returncode})\n{done.stderr}"
        result: dict[str, Any] = found[name]
        assert result["ok"], json.dumps(result, indent=2)
        details[name] = result["detail"]
    return details


def test_the_page_works_on_neo4j(neo4j_server: str) -> None:
    details = _scenarios(neo4j_server, "smoke", "keyboard", "views")
    smoke = details["smoke"]
    assert smoke["roots"] == 2  # the sample plant's two sites (no feed twins: no worker ran)
    keyboard = details["keyboard"]
    assert keyboard["child"].startswith("acme/jkt1/")
    assert keyboard["title"] == "Jakarta plant"
    views = details["views"]
    assert views["models"] >= 9
