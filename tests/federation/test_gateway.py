"""Federation v2 through a real gateway: Apollo Gateway composes this subgraph with another.

``gateway.mjs`` (Node 20, ``@apollo/composition`` + ``@apollo/gateway``) reads
our live SDL, composes it with a work-orders subgraph that extends ``Twin``,
and serves the supergraph. Queries through the gateway read fields of both
subgraphs in both directions; the gateway's ``_entities`` call for several
twins reaches the graph store as one batched read.

Marked ``gateway``: skipped locally while ``tests/federation/node_modules`` is
missing (run ``npm ci`` there); under ``CI=true`` this runs ``npm ci`` itself
and fails when that cannot work.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import httpx
import pytest

import ontology
from server import ServerSettings, create_app
from tests._services import in_ci
from tests.server.graphql._uvicorn import serving
from tests.server.graphql.conftest import Counting, load_plant

HERE = Path(__file__).parent
NPM_TIMEOUT_S = 600
START_TIMEOUT_S = 60

pytestmark = pytest.mark.gateway


def _unavailable(reason: str) -> None:
    msg = f"the federation gateway cannot run: {reason}; run `npm ci` in tests/federation"
    if in_ci():
        pytest.fail(msg)
    pytest.skip(msg)


@pytest.fixture(scope="module")
def node_modules() -> Path:
    """The harness's npm packages, installed from the committed lock file under CI."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        _unavailable("node and npm are not on PATH")
    modules = HERE / "node_modules"
    if not (modules / "@apollo" / "gateway").is_dir():
        if not in_ci():
            _unavailable("tests/federation/node_modules is missing")
        done = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"],
            cwd=HERE,
            capture_output=True,
            text=True,
            timeout=NPM_TIMEOUT_S,
            check=False,
        )
        if done.returncode != 0:
            _unavailable(f"npm ci failed: {done.stderr[-2000:]}")
    return modules


@pytest.fixture(scope="module")
def counting() -> Iterator[Counting]:
    store = ontology.MemoryStore()
    load_plant(store)
    yield Counting(store)
    store.close()


@pytest.fixture(scope="module")
def subgraph(counting: Counting) -> Iterator[str]:
    """This server under uvicorn on a free port; yields its GraphQL URL."""
    app = create_app(ServerSettings(version="0"), store=cast(ontology.GraphStore, counting))
    with serving(app) as address:
        yield f"http://{address}/graphql"


@pytest.fixture(scope="module")
def gateway(node_modules: Path, subgraph: str) -> Iterator[str]:
    """``node gateway.mjs``; yields the gateway's URL once it serves."""
    process = subprocess.Popen(
        ["node", "gateway.mjs", subgraph],
        cwd=HERE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NODE_ENV": "test"},
    )
    assert process.stdout is not None
    ready: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("ready "):
                ready.append(line.split(" ", 1)[1].strip())
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=START_TIMEOUT_S)
    if not ready:
        process.kill()
        _, err = process.communicate(timeout=10)
        pytest.fail(f"the gateway did not start (exit {process.returncode}):\n{err[-4000:]}")
    yield ready[0]
    process.terminate()
    process.communicate(timeout=10)


def _query(url: str, query: str) -> dict[str, Any]:
    response = httpx.post(url, json={"query": query}, timeout=30)
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]
    return result


def test_fields_of_both_subgraphs_through_the_gateway(gateway: str) -> None:
    got = _query(
        gateway,
        """{ twin(id: "acme/jkt1/machining/cell1/lathe1") { id modelId
               workOrders { id title } } }""",
    )
    assert got["twin"]["modelId"] == "dtmi:twinweave:sample:Machine;1"
    assert [o["id"] for o in got["twin"]["workOrders"]] == ["WO-2", "WO-3"]


def test_entities_of_several_twins_are_one_batched_store_read(
    gateway: str, counting: Counting
) -> None:
    counting.calls.clear()
    got = _query(
        gateway,
        """{ workOrders { id twin { id properties model { dtmi } } } }""",
    )
    twins = {o["id"]: o["twin"] for o in got["workOrders"]}
    assert twins["WO-1"]["id"] == "acme/jkt1/machining/cell1/cmm1"
    assert twins["WO-1"]["properties"]["manufacturer"] == "Zeiss"
    assert twins["WO-2"]["model"] == {"dtmi": "dtmi:twinweave:sample:Machine;1"}
    assert counting.calls["get_twins"] == 1
    assert counting.calls["list_models"] == 1


def test_the_subgraph_sdl_declares_the_federation_keys(subgraph: str) -> None:
    sdl = httpx.post(subgraph, json={"query": "{ _service { sdl } }"}, timeout=10).json()
    text = sdl["data"]["_service"]["sdl"]
    assert '@link(url: "https://specs.apollo.dev/federation/v2' in text
    assert 'type Twin @key(fields: "id")' in text
    assert 'type Model @key(fields: "dtmi")' in text
