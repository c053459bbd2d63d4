"""The ingest benchmark runs end to end and prints its figures beside their baselines."""

from __future__ import annotations

import pytest

from benchmarks import ingest


def test_the_kernel_section_prints_both_figures_and_agrees(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert ingest.main(["--samples", "6000", "--twins", "200", "--runs", "1"]) == 0
    output = capsys.readouterr().out
    assert "kernel:" in output and "baseline:" in output
    assert "numpy:" in output  # the numpy steps, measured alternately with the compiled loops
    assert "compiled or loaded from numba's cache in" in output
    assert "M samples/s" in output
    steady = [line for line in output.splitlines() if "from the third batch on:" in line]
    assert len(steady) == 2  # the compiled kernel on one thread and on two
    assert all("page faults a batch" in line for line in steady)
    assert "same answer (history rows, rejects, events, state): yes" in output


def test_the_kernel_section_can_time_cpu_seconds(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--samples", "6000", "--twins", "200", "--runs", "1", "--clock", "cpu"]
    assert ingest.main(argv) == 0
    output = capsys.readouterr().out
    assert "cpu seconds" in output
    assert "same answer (history rows, rejects, events, state): yes" in output


@pytest.mark.kafka
def test_the_kafka_section_runs_three_feeds_against_the_real_broker(
    kafka_bootstrap: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--samples", "6000", "--twins", "50", "--runs", "1", "--kafka", kafka_bootstrap]
    argv += ["--records", "10", "--per-record", "5", "--singles", "20", "--batch-samples", "20"]
    assert ingest.main(argv) == 0
    output = capsys.readouterr().out
    for feed in ("JSON columns", "columnar (Arrow IPC)", "JSON, one sample a record"):
        line = next(line for line in output.splitlines() if line.strip().startswith(feed))
        assert "/s cold" in line and "/s warm" in line
        assert line.endswith("state as the generator says: yes")
    agent = next(line for line in output.splitlines() if "per-event agent" in line)
    assert agent.endswith("state as the generator says: yes")


@pytest.mark.kafka
def test_the_latency_section_measures_against_a_plain_consumer(
    kafka_bootstrap: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--samples", "600", "--twins", "20", "--runs", "1", "--kafka", kafka_bootstrap]
    argv += ["--records", "1", "--per-record", "5", "--singles", "1"]
    assert ingest.main([*argv, "--latency", "500", "--latency-seconds", "1.5"]) == 0
    output = capsys.readouterr().out
    run = next(line for line in output.splitlines() if line.strip().startswith("run: warm p50"))
    assert "baseline (a plain consumer" in run
    assert run.endswith("state as the generator says: yes")
    assert "warm p99:" in output


def test_the_split_times_each_step_of_the_commit_path(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["--samples", "600", "--twins", "20", "--runs", "1", "--split"]
    assert ingest.main([*argv, "--records", "40", "--per-record", "5", "--singles", "100",
                        "--batch-samples", "50"]) == 0  # fmt: skip
    output = capsys.readouterr().out
    lines = [line for line in output.splitlines() if "samples/CPU s" in line]
    assert len(lines) == 3
    for line in lines:
        assert "decode" in line and "history" in line and "fuse" in line
        assert line.endswith("state as the generator says: yes")


def test_the_memory_section_sets_the_kernel_beside_the_dicts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert ingest.main(["--samples", "600", "--twins", "20", "--runs", "1", "--memory", "300"]) == 0
    output = capsys.readouterr().out
    kernel = next(
        line for line in output.splitlines() if line.strip().startswith("kernel:") and "MiB" in line
    )
    baseline = next(line for line in output.splitlines() if "plain-Python dicts" in line)
    assert "MiB held per million keys" in kernel and "MiB held per million keys" in baseline
    assert output.rstrip().endswith("same answer (history rows, rejects, events, state): yes")


def test_bad_arguments_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        ingest.main(["--samples", "5"])
    assert caught.value.code == 2
    assert "--samples must be >= 600" in capsys.readouterr().err
