"""The README's examples run as written: the Python example and the shell examples.

The shell examples of "Using it" and "Validating DTDL in CI" run in bash, line by
line as a reader would paste them, in a scratch folder that holds the
repository's ``loaders`` folder (the paths are relative to the repository root)
so nothing is written into the checkout. The line that loads into Neo4j runs
against the test Neo4j in a namespace of its own.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from neo4j import Driver
from starlette.testclient import TestClient

import ontology
from loaders import load_paths, sample_plant_paths
from server import ServerSettings, create_app
from tests._shared import REPO

README = REPO / "README.md"
NEO4J_LINE = "TWINWEAVE_GRAPH_STORE=neo4j"


def readme() -> str:
    return README.read_text(encoding="utf-8")


def section(title: str) -> str:
    text = readme()
    assert f"\n## {title}\n" in text, f"the README has a section '## {title}'"
    return text.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def bash_lines(title: str) -> list[str]:
    blocks = re.findall(r"```bash\n(.*?)```", section(title), re.S)
    assert blocks, f"the README section '{title}' has a bash example"
    return [line for block in blocks for line in block.splitlines()]


def run_bash(lines: list[str], cwd: Path, extra_env: dict[str, str]) -> str:
    """Run ``lines`` as one bash script that stops at the first failing line."""
    (cwd / "loaders").symlink_to(REPO / "loaders", target_is_directory=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWINWEAVE_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra_env)
    script = "set -euo pipefail\n" + "\n".join(lines) + "\n"
    result = subprocess.run(
        ["bash", "-c", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"README example failed:\n{script}\n{result.stderr[-3000:]}"
    return result.stdout


def test_the_readme_python_example_runs() -> None:
    blocks = re.findall(r"```python\n(.*?)```", readme(), re.S)
    assert blocks, "the README has a Python example"
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})  # our own documentation, run as written


def test_the_readme_graphql_example_answers_on_the_sample_plant() -> None:
    """The query "a frontend team would write" runs as written against the demo's plant."""
    blocks = re.findall(r"```graphql\n(.*?)```", readme(), re.S)
    assert blocks, "the README has a GraphQL example"
    store = ontology.MemoryStore()
    load_paths(sample_plant_paths(), store)
    client = TestClient(create_app(ServerSettings(version="0.0.0-test"), store=store))
    for block in blocks:
        body = client.post("/graphql", json={"query": block}).json()
        assert "errors" not in body, body["errors"]
        assert body["data"]["twin"]["id"] == "acme/jkt1/packaging/line1/filler1"


def test_the_readme_shell_examples_on_embedded_stores_run(tmp_path: Path) -> None:
    lines = [line for line in bash_lines("Using it") if NEO4J_LINE not in line]
    lines += bash_lines("Validating DTDL in CI")
    out = run_bash(lines, tmp_path, {})
    assert "0 errors" in out  # the sample models are valid
    assert "twins:   55 created" in out
    assert "twins:   1000 created" in out  # the dry run reports what it would write
    assert (tmp_path / ".twinweave" / "graph.snapshot").is_file()
    sarif = json.loads((tmp_path / "dtdl.sarif").read_text(encoding="utf-8"))
    assert sarif["runs"][0]["results"] == []


@pytest.mark.neo4j
def test_the_readme_neo4j_example_runs(
    tmp_path: Path, neo4j_uri: str, neo4j_driver: Driver, neo4j_namespace: str
) -> None:
    usage = bash_lines("Using it")
    lines = [line for line in usage if re.match(r"[A-Z]+=\S+\s", line) and "TWINWEAVE" not in line]
    lines += [line for line in usage if NEO4J_LINE in line]
    assert len(lines) == 2, lines
    where = {"TWINWEAVE_NEO4J_URI": neo4j_uri, "TWINWEAVE_NEO4J_NAMESPACE": neo4j_namespace}
    out = run_bash(lines, tmp_path, where)
    created = int(re.search(r"twins:\s+(\d+) created", out).group(1))  # type: ignore[union-attr]
    assert created > 0
    records, _, _ = neo4j_driver.execute_query(
        f"MATCH (t:`{neo4j_namespace}_Twin`) RETURN count(t) AS n", database_="neo4j"
    )
    assert records[0]["n"] == created


def test_every_code_block_of_the_readme_and_the_guides_is_closed_on_a_line_of_its_own() -> None:
    """A fence with text after it (```` ``` Without ````) does not close its block: the rest
    of the guide renders as code."""
    for path in [README, *sorted((REPO / "docs").glob("*.md"))]:
        lines = path.read_text(encoding="utf-8").splitlines()
        opened: int | None = None
        for number, line in enumerate(lines, 1):
            fence = line.strip()
            if not fence.startswith("```"):
                continue
            if opened is None:
                opened = number
            else:
                assert fence == "```", f"{path.name}:{number}: text after a closing fence"
                opened = None
        assert opened is None, f"{path.name}:{opened}: a code block is never closed"


def test_the_readme_test_command_is_the_one_ci_runs() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "./scripts/test" in section("Quick start")
    assert "./scripts/test" in ci
