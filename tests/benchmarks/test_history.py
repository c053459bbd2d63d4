"""The history benchmark runs end to end at a tiny size and prints each figure with its baseline."""

from __future__ import annotations

import pytest

from benchmarks import history
from ontology.history import QuestDBHistorySettings
from tests.ontology.history.conftest import questdb_settings

__all__ = ["questdb_settings"]  # the fixture, used below

TINY = ["--series", "3", "--hours", "1", "--batch", "600", "--repeat", "3", "--as-of-twins", "5"]


def _rows(output: str) -> list[str]:
    return [line for line in output.splitlines() if " baseline " in line]


def test_the_duckdb_run_prints_five_figures_beside_baselines_with_equal_answers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert history.main([*TINY, "--skip-questdb"]) == 0
    output = capsys.readouterr().out
    rows = _rows(output)
    assert len(rows) == 5
    assert "M samples/s" in rows[0] and "INSERT from Arrow" in rows[0]
    assert "answers equal to the baselines" in output


@pytest.mark.questdb
def test_the_questdb_run_prints_its_figures_too(
    questdb_settings: QuestDBHistorySettings, capsys: pytest.CaptureFixture[str]
) -> None:
    http = f"{questdb_settings.host}:{questdb_settings.http_port}"
    pg = f"{questdb_settings.host}:{questdb_settings.pg_port}"
    assert history.main([*TINY, "--questdb-http", http, "--questdb-pg", pg]) == 0
    output = capsys.readouterr().out
    assert len(_rows(output)) == 10
    assert "SAMPLE BY 1m" in output and "LATEST ON" in output
