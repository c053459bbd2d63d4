"""The history benchmark runs end to end at a tiny size and prints each figure with its baseline."""

from __future__ import annotations

import os

import pytest

from benchmarks import history
from ontology.history import QuestDBHistorySettings
from tests._services import QuestDBAddress

TINY = ["--series", "3", "--hours", "1", "--batch", "600", "--repeat", "3", "--as-of-twins", "5"]


def _rows(output: str) -> list[str]:
    return [line for line in output.splitlines() if " baseline " in line]


def test_the_duckdb_run_prints_six_figures_beside_baselines_with_equal_answers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert history.main([*TINY, "--skip-questdb"]) == 0
    output = capsys.readouterr().out
    rows = _rows(output)
    assert len(rows) == 6
    assert "M samples/s" in rows[0] and "INSERT from Arrow" in rows[0]
    assert "per CPU s" in rows[1]
    assert "answers equal to the baselines" in output


@pytest.mark.questdb
def test_the_questdb_run_prints_its_figures_too(
    questdb: QuestDBAddress, capsys: pytest.CaptureFixture[str]
) -> None:
    assert history.main([*TINY, "--questdb-http", questdb.http, "--questdb-pg", questdb.pg]) == 0
    output = capsys.readouterr().out
    assert len(_rows(output)) == 12
    assert "SAMPLE BY 1m" in output and "LATEST ON" in output


@pytest.mark.questdb
def test_skip_duckdb_runs_questdb_alone(
    questdb: QuestDBAddress, capsys: pytest.CaptureFixture[str]
) -> None:
    where = ["--questdb-http", questdb.http, "--questdb-pg", questdb.pg]
    assert history.main([*TINY, "--skip-duckdb", *where]) == 0
    output = capsys.readouterr().out
    assert len(_rows(output)) == 6
    assert "DuckDB:" not in output and "QuestDB:" in output
    assert "answers equal to the baselines" in output


def test_the_server_cpu_reads_a_process_cpu_time_from_proc() -> None:
    """``--questdb-pid``'s reader, on this test's own process (it has used some CPU)."""
    server = history.ServerCpu(os.getpid(), QuestDBHistorySettings())
    first = server.seconds()
    sum(i * i for i in range(200_000))
    assert 0 < first <= server.seconds()


def test_timings_with_a_server_note_its_cpu_per_call() -> None:
    """With ``--questdb-pid``, each read's server CPU per call (here this process's own)."""
    server = history.ServerCpu(os.getpid(), QuestDBHistorySettings())
    cpu: dict[str, float] = {}
    times, out = history.timings(3, lambda: sum(i * i for i in range(300_000)), server, cpu, "x")
    assert len(times) == 3
    assert out == sum(i * i for i in range(300_000))
    assert set(cpu) == {"x"}
    assert cpu["x"] > 0
