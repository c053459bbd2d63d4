"""The ``@neo4j/graphql`` side of ``benchmarks/graphql.py``: its server and the shared queries.

``benchmarks/neo4j_graphql/server.mjs`` serves the twins a Neo4j graph store
wrote (its typeDefs map our labels, ``CONTAINS`` relationships and signal
nodes) the way the library's guide sets it up. :func:`versus` gives each query
twice, in our schema and in the one ``@neo4j/graphql`` generates, with what to
compare of each answer: both are reduced to the same nested, sorted tuples.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent / "neo4j_graphql"
PAGE = 20
"""``first`` on each level of our nested query (the plant's fan-out is 10, plus second parents)."""

Answer = Callable[[dict[str, Any]], Any]
FLOOR = "floor: { __typename } (no work)"


@dataclass(frozen=True, slots=True)
class Versus:
    label: str
    ours: dict[str, Any]
    """The request body for our server."""
    ours_answer: Answer
    theirs: dict[str, Any]
    """The request body for the ``@neo4j/graphql`` server."""
    theirs_answer: Answer


def _ours_signals(node: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(sorted((s["name"], s["value"]) for s in node["signals"]))


def _theirs_signals(node: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(sorted((s["signal"], json.loads(s["value"])) for s in node["signals"]))


def _ours_tree(node: dict[str, Any]) -> Any:
    kids = node.get("children")
    if kids is None:
        return node["id"]
    if kids["pageInfo"]["hasNextPage"]:
        msg = f"{node['id']} has more than {PAGE} children: raise PAGE"
        raise ValueError(msg)
    return (node["id"], tuple(sorted((_ours_tree(k) for k in kids["nodes"]), key=str)))


def _theirs_tree(node: dict[str, Any]) -> Any:
    kids = node.get("children")
    if kids is None:
        return node["id"]
    return (node["id"], tuple(sorted((_theirs_tree(k) for k in kids), key=str)))


def _only(twins: list[dict[str, Any]]) -> dict[str, Any]:
    if len(twins) != 1:
        msg = f"@neo4j/graphql returned {len(twins)} twins for one id; expected 1"
        raise ValueError(msg)
    return twins[0]


def versus(with_children: str, three_levels: str) -> list[Versus]:
    """The two side-by-side queries."""

    def level(inner: str) -> str:
        return f"children(first: {PAGE}) {{ pageInfo {{ hasNextPage }} nodes {{ id {inner} }} }}"

    return [
        Versus(
            "twin + children + their signals",
            {
                "query": f"""query($id: ID!) {{ twin(id: $id) {{ id children(first: {PAGE}) {{
                  pageInfo {{ hasNextPage }} nodes {{ id signals {{ name value }} }} }} }} }}""",
                "variables": {"id": with_children},
            },
            lambda d: tuple(
                sorted((n["id"], _ours_signals(n)) for n in d["twin"]["children"]["nodes"])
            ),
            {
                "query": """query($id: ID!) { twins(where: {id: {eq: $id}}) {
                  id children { id signals { signal value } } } }""",
                "variables": {"id": with_children},
            },
            lambda d: tuple(
                sorted((n["id"], _theirs_signals(n)) for n in _only(d["twins"])["children"])
            ),
        ),
        Versus(
            "three levels of descendants",
            {
                "query": f"query($id: ID!) {{ twin(id: $id) {{ id {level(level(level('')))} }} }}",
                "variables": {"id": three_levels},
            },
            lambda d: _ours_tree(d["twin"]),
            {
                "query": """query($id: ID!) { twins(where: {id: {eq: $id}}) {
                  id children { id children { id children { id } } } } }""",
                "variables": {"id": three_levels},
            },
            lambda d: _theirs_tree(_only(d["twins"])),
        ),
    ]


def floor() -> Versus:
    """``{ __typename }`` on both servers: what HTTP and each GraphQL layer cost alone."""
    body = {"query": "{ __typename }"}
    return Versus(FLOOR, body, lambda d: d["__typename"], body, lambda d: d["__typename"])


def install() -> None:
    """``npm ci`` in ``benchmarks/neo4j_graphql`` unless its packages are there."""
    if (HERE / "node_modules" / "@neo4j" / "graphql").is_dir():
        return
    npm = shutil.which("npm")
    if npm is None:
        msg = "npm is not on PATH: install Node 20, or pass --skip-neo4j-graphql"
        raise SystemExit(msg)
    subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True)


def start(uri: str, namespace: str, workers: int) -> tuple[subprocess.Popen[str], str]:
    """The ``@neo4j/graphql`` server on ``namespace``: its process and its URL."""
    install()
    node = shutil.which("node")
    if node is None:
        msg = "node is not on PATH: install Node 20, or pass --skip-neo4j-graphql"
        raise SystemExit(msg)
    args = [node, "server.mjs", "--uri", uri, "--namespace", namespace, "--workers", str(workers)]
    process = subprocess.Popen(args, cwd=HERE, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    if not line.startswith("ready "):
        process.kill()
        raise SystemExit(f"the @neo4j/graphql server did not start: {line!r}")
    return process, line.removeprefix("ready ")
