"""The graph-store benchmark runs end to end and prints each figure with its baseline."""

from __future__ import annotations

import re

import pytest
from neo4j import Driver

from benchmarks import graph

SMALL = ["--twins", "300", "--subtree", "30", "--changed", "10", "--repeat", "1"]


def _rows(output: str) -> list[str]:
    return [line for line in output.splitlines() if "baseline" in line]


def test_the_in_process_run_prints_five_figures_with_baselines(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert graph.main([*SMALL, "--skip-neo4j"]) == 0
    rows = _rows(capsys.readouterr().out)
    assert len(rows) == 5
    assert "twins/s" in rows[0] and "plain dict insert" in rows[0]


@pytest.mark.neo4j
def test_the_neo4j_run_prints_its_figures_and_cleans_up(
    neo4j_uri: str, neo4j_driver: Driver, capsys: pytest.CaptureFixture[str]
) -> None:
    assert graph.main([*SMALL, "--neo4j-uri", neo4j_uri]) == 0
    output = capsys.readouterr().out
    assert len(_rows(output)) == 10
    assert "raw UNWIND CREATE" in output and "raw variable-length Cypher" in output
    found = re.search(r"namespace (bench_[0-9a-f]+)\)", output)
    assert found is not None
    left = neo4j_driver.execute_query(
        "MATCH (n) WHERE any(label IN labels(n) WHERE label STARTS WITH $prefix) "
        "RETURN count(n) AS n",
        prefix=found.group(1),
        database_="neo4j",
    ).records[0]["n"]
    assert left == 0


def test_bad_arguments_exit_with_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        graph.main(["--twins", "3"])
    assert caught.value.code == 2
    assert "--twins" in capsys.readouterr().err
