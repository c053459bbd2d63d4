"""The graph-store benchmark: every figure has a baseline, and a wrong answer fails the run."""

from __future__ import annotations

import re

import pytest
from neo4j import Driver

from benchmarks import _neo4j_raw as raw
from benchmarks import graph
from benchmarks._measure import AnswerMismatchError
from benchmarks._shape import Ancestors, rollup_sum, walk
from loaders import SyntheticPlant, generate_plant
from ontology import Neo4jStore, Neo4jStoreSettings

SMALL = ["--twins", "300", "--subtree", "30", "--changed", "10", "--repeat", "2"]


def _rows(output: str) -> list[str]:
    return [line for line in output.splitlines() if "baseline" in line]


def test_the_in_process_run_checks_six_figures_against_baselines(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert graph.main([*SMALL, "--skip-neo4j"]) == 0
    rows = _rows(capsys.readouterr().out)
    assert len(rows) == 6
    assert "twins/s" in rows[0] and "plain dict insert" in rows[0]
    assert "warm" in rows[1] and "cold" in rows[2]
    assert "cold" in rows[3] and "warm" in rows[4]
    assert "1 spec" in rows[5]


def test_a_wrong_load_answer_fails_the_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    right = graph.dict_insert

    def short(plant: SyntheticPlant) -> graph.Inserted:
        twins, edges = right(plant)
        twins.pop(next(iter(twins)))
        return twins, edges

    monkeypatch.setattr(graph, "dict_insert", short)
    assert graph.main([*SMALL, "--skip-neo4j"]) == 1
    assert "ANSWER CHECK FAILED: in-process load" in capsys.readouterr().err


def test_a_wrong_descendants_answer_fails_the_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("benchmarks.graph.walk", lambda children, root: walk(children, root)[1:])
    assert graph.main([*SMALL, "--skip-neo4j"]) == 1
    assert "ANSWER CHECK FAILED: descendants" in capsys.readouterr().err


def test_a_wrong_rollup_answer_fails_the_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def off_by_one(ancestors: Ancestors, values: dict[str, float]) -> dict[str, float]:
        return {twin: total + 1 for twin, total in rollup_sum(ancestors, values).items()}

    monkeypatch.setattr("benchmarks._rollup_baseline.rollup_sum", off_by_one)
    assert graph.main([*SMALL, "--skip-neo4j"]) == 1
    assert "ANSWER CHECK FAILED: full rollup, cold" in capsys.readouterr().err


@pytest.mark.neo4j
def test_the_neo4j_run_checks_its_figures_and_cleans_up(
    neo4j_uri: str, neo4j_driver: Driver, capsys: pytest.CaptureFixture[str]
) -> None:
    tiny = ["--twins", "200", "--subtree", "20", "--changed", "5", "--repeat", "1"]
    assert graph.main([*tiny, "--neo4j-uri", neo4j_uri]) == 0
    output = capsys.readouterr().out
    assert len(_rows(output)) == 6 + 5
    assert "raw UNWIND CREATE of the same nodes" in output
    assert "first run, not counted" in output
    dropped = re.search(r"dropped the namespaces of this run: (.+)", output)
    assert dropped is not None
    namespaces = dropped.group(1).split(", ")
    assert len(namespaces) == 2 * 2  # a store and a raw namespace per run, warm-up included
    for ns in namespaces:
        left = neo4j_driver.execute_query(
            "MATCH (n) WHERE any(label IN labels(n) WHERE label STARTS WITH $prefix) "
            "RETURN count(n) AS n",
            prefix=f"{ns}_",
            database_="neo4j",
        ).records[0]["n"]
        assert left == 0


@pytest.mark.neo4j
def test_the_raw_load_writes_what_the_store_writes_and_less_is_caught(
    neo4j_uri: str, neo4j_driver: Driver, neo4j_namespace: str
) -> None:
    plant = generate_plant(120)  # twins from 111 on have aliases
    store_ns, raw_ns, thin_ns = (
        f"{neo4j_namespace}s",
        f"{neo4j_namespace}r",
        f"{neo4j_namespace}t",
    )
    try:
        store = Neo4jStore(Neo4jStoreSettings(uri=neo4j_uri, namespace=store_ns))
        try:
            graph.load(store, plant)
        finally:
            store.close()
        for ns in (raw_ns, thin_ns):
            raw.create_schema(neo4j_uri, ns)
        raw.raw_load(neo4j_driver, raw_ns, plant, graph.WHO)
        raw.raw_load(neo4j_driver, thin_ns, plant, graph.WHO, raw.RawOptions(aliases=False))
        held = raw.contents(neo4j_driver, store_ns)
        assert held.twins and held.aliases and held.audit
        assert {kind for kind, *_ in held.edges} == {"CONTAINS", "RELATES"}
        raw.same_contents("raw load", raw.contents(neo4j_driver, raw_ns), held)
        with pytest.raises(AnswerMismatchError, match="raw load without aliases"):
            raw.same_contents("raw load without aliases", raw.contents(neo4j_driver, thin_ns), held)
    finally:
        for ns in (store_ns, raw_ns, thin_ns):
            raw.drop_namespace(neo4j_driver, ns)


def test_bad_arguments_exit_with_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        graph.main(["--twins", "3"])
    assert caught.value.code == 2
    assert "--twins" in capsys.readouterr().err
