"""The history benchmark runs end to end at a tiny size and prints each figure with its baseline."""

from __future__ import annotations

import os

import pytest

from benchmarks import history
from ontology.history import QuestDBHistorySettings
from tests._services import QuestDBAddress

TINY = ["--series", "3", "--hours", "1", "--batch", "600", "--repeat", "3", "--as-of-twins", "5"]


def _rows(output: str) -> list[str]:
    """The figures printed beside a baseline (a read's untimed calls and its client CPU per
    call on lines of their own)."""
    lines = output.splitlines()
    own = ("untimed calls before", "client CPU per call")
    return [line for line in lines if " baseline " in line and not any(o in line for o in own)]


def _client_cpu(output: str) -> list[str]:
    return [line for line in output.splitlines() if "client CPU per call" in line]


def _first_calls(output: str) -> list[str]:
    """The lines of each read's untimed calls: ``WARM_CALLS`` figures in ms, store and
    baseline."""
    found = [line for line in output.splitlines() if "untimed calls before (cold first)" in line]
    for line in found:
        assert line.count(" / ") == 2 * (history.WARM_CALLS - 1), line
    return found


def test_the_duckdb_run_prints_six_figures_beside_baselines_with_equal_answers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert history.main([*TINY, "--skip-questdb"]) == 0
    output = capsys.readouterr().out
    rows = _rows(output)
    assert len(rows) == 6
    assert "M samples/s" in rows[0] and "INSERT from Arrow" in rows[0]
    assert "per CPU s" in rows[1]
    assert len(_first_calls(output)) == 3  # one series, several, as_of
    assert len(_client_cpu(output)) == 3
    assert "answers equal to the baselines" in output


@pytest.mark.questdb
def test_the_questdb_run_prints_its_figures_too(
    questdb: QuestDBAddress, capsys: pytest.CaptureFixture[str]
) -> None:
    assert history.main([*TINY, "--questdb-http", questdb.http, "--questdb-pg", questdb.pg]) == 0
    output = capsys.readouterr().out
    assert len(_rows(output)) == 12
    assert len(_first_calls(output)) == 6
    assert len(_client_cpu(output)) == 6
    assert "SAMPLE BY 1m" in output and "LATEST ON" in output
    assert "QuestDB store opened in " in output


@pytest.mark.questdb
def test_skip_duckdb_runs_questdb_alone(
    questdb: QuestDBAddress, capsys: pytest.CaptureFixture[str]
) -> None:
    where = ["--questdb-http", questdb.http, "--questdb-pg", questdb.pg]
    assert history.main([*TINY, "--skip-duckdb", *where, "--questdb-sample-requests", "2"]) == 0
    output = capsys.readouterr().out
    assert len(_rows(output)) == 6
    assert len(_client_cpu(output)) == 3
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
    reads = history.Reads(server)
    times, out = history.timings(3, lambda: sum(i * i for i in range(300_000)), reads, "x")
    assert len(times) == 3
    assert out == sum(i * i for i in range(300_000))
    assert set(reads.cpu) == {"x"}
    assert reads.cpu["x"] > 0


def test_timed_calls_come_after_the_untimed_warm_ones() -> None:
    """A server compiles a read's path in its first calls: those are not in the figures, and
    each is reported on its own (the first cold)."""
    calls: list[int] = []

    def work() -> int:
        calls.append(len(calls))
        return len(calls)

    reads = history.Reads()
    times, last = history.timings(4, work, reads, "many")
    assert len(calls) == history.WARM_CALLS + 4
    assert len(times) == 4 and last == len(calls)
    assert len(reads.first["many"]) == history.WARM_CALLS
    assert all(ms >= 0 for ms in reads.first["many"]) and reads.cpu == {}


def test_append_only_prints_the_append_figures_and_still_checks_the_answers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert history.main([*TINY, "--skip-questdb", "--append-only"]) == 0
    output = capsys.readouterr().out
    rows = _rows(output)
    assert len(rows) == 3  # append, append per CPU second, bytes per sample
    assert "M samples/s" in rows[0] and "per CPU s" in rows[1] and "on disk" in rows[2]
    assert not _first_calls(output) and not _client_cpu(output)
    assert "answers equal to the baselines" in output
