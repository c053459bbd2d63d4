"""The GraphQL benchmark runs end to end on a small plant: every figure beside its baseline."""

from __future__ import annotations

import pytest

from benchmarks import graphql

SMALL = ["--twins", "300", "--subtree", "30", "--clients", "2", "--requests", "2", "--repeat", "1"]


def test_the_in_process_run_prints_five_figures_with_baselines_and_agrees(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert graphql.main([*SMALL, "--skip-neo4j"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if "baseline" in line]
    assert len(rows) == 5
    assert "live state of one twin" in rows[0] and "get_twin + get_signals" in rows[0]
    assert all(" p99 min " in row for row in rows)
    assert not any("MISMATCH" in row for row in rows)
