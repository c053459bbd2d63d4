"""The Neo4j store-call benchmark: every case beside its baseline, and a wrong answer fails it."""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks import neo4j_reads

TINY = ["--twins", "300", "--subtree", "100", "--calls", "2", "--repeat", "1"]


@pytest.mark.neo4j
def test_a_tiny_run_prints_every_case_beside_its_baseline(
    neo4j_uri: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert neo4j_reads.main([*TINY, "--neo4j-uri", neo4j_uri]) == 0
    output = capsys.readouterr().out
    for label in ("live state", "descendants + rollups", "children and their signals"):
        assert label in output
    assert "three levels of descendants" in output
    assert "set_signals of" in output
    assert output.count("    store     CPU") == output.count("    baseline  CPU") == 5
    assert "answers equal to the baselines" in output


@pytest.mark.neo4j
def test_a_baseline_with_another_answer_fails_the_run(
    neo4j_uri: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    signals = neo4j_reads.Plain.signals

    def without_one(self: neo4j_reads.Plain, twin_id: str) -> dict[str, Any]:
        found = signals(self, twin_id)
        return dict(list(found.items())[1:])

    monkeypatch.setattr(neo4j_reads.Plain, "signals", without_one)
    assert neo4j_reads.main([*TINY, "--neo4j-uri", neo4j_uri]) == 1
    assert "ANSWER CHECK FAILED: live state of one twin" in capsys.readouterr().err
