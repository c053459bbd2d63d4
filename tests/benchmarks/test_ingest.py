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
    assert "M samples/s" in output
    assert "same answer (history rows, rejects, events, state): yes" in output


def test_the_kernel_section_can_time_cpu_seconds(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--samples", "6000", "--twins", "200", "--runs", "1", "--clock", "cpu"]
    assert ingest.main(argv) == 0
    output = capsys.readouterr().out
    assert "cpu seconds" in output
    assert "same answer (history rows, rejects, events, state): yes" in output


@pytest.mark.kafka
def test_the_kafka_section_runs_against_the_real_broker(
    kafka_bootstrap: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--samples", "6000", "--twins", "50", "--runs", "1", "--kafka", kafka_bootstrap]
    assert ingest.main([*argv, "--records", "10", "--per-record", "5"]) == 0
    output = capsys.readouterr().out
    assert "worker:" in output and "per-event agent" in output
    assert "same answer as the generator (final state): worker yes, agent yes" in output


def test_bad_arguments_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        ingest.main(["--samples", "5"])
    assert caught.value.code == 2
    assert "--samples must be >= 600" in capsys.readouterr().err
