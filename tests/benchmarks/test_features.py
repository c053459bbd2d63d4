"""The windowed-features benchmark runs, prints its figure beside the baseline and agrees."""

from __future__ import annotations

import pytest

from benchmarks import features


def test_the_features_benchmark_prints_both_figures_and_agrees(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["--twins", "20", "--hz", "200", "--seconds", "1", "--batches", "3", "--runs", "1"]
    assert features.main(argv) == 0
    output = capsys.readouterr().out
    assert "Derivation.derive + commit" in output and "plain Python loop" in output
    assert "same answer" in output


def test_a_baseline_that_disagrees_fails_the_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = features.python_baseline

    def wrong(*args: object) -> features.Emitted:
        out = real(*args)  # type: ignore[arg-type]
        key = next(iter(out))
        out[key] += 1.0
        return out

    monkeypatch.setattr(features, "python_baseline", wrong)
    argv = ["--twins", "5", "--hz", "100", "--seconds", "1", "--batches", "2", "--runs", "1"]
    assert features.main(argv) == 1
    assert "ANSWER CHECK FAILED" in capsys.readouterr().err
