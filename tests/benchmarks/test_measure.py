"""The answer checks and timings every benchmark shares."""

from __future__ import annotations

import math

import pytest

from benchmarks._measure import AnswerMismatchError, Runs, checked, repeated, same, same_numbers


def test_same_answers_pass() -> None:
    same("ids", ["a", "b"], ["a", "b"])
    same_numbers("sums", {"a": 1.0, "b": math.nan}, {"a": 1.0 + 1e-12, "b": math.nan})


@pytest.mark.parametrize(
    ("got", "want", "detail"),
    [
        (["a", "b"], ["a"], "2 items vs 1"),
        (["a", "c"], ["a", "b"], "item 1: 'c' vs 'b'"),
        ({"a": 1}, {"a": 2}, "at 'a': 1 vs 2"),
        ({"a": 1}, {"b": 1}, "1 keys only measured"),
        (3, 4, "3 vs 4"),
    ],
)
def test_a_different_answer_is_named(got: object, want: object, detail: str) -> None:
    with pytest.raises(AnswerMismatchError, match="ids: the measured operation") as caught:
        same("ids", got, want)
    assert detail in str(caught.value)


def test_numbers_that_differ_or_are_missing_fail() -> None:
    with pytest.raises(AnswerMismatchError, match="differ at 1 of 2 keys"):
        same_numbers("sums", {"a": 1.0, "b": 2.0}, {"a": 1.0, "b": 2.5})
    with pytest.raises(AnswerMismatchError, match="differ at 1 of 1 keys"):
        same_numbers("sums", {}, {"a": 1.0}, keys=["a"])
    with pytest.raises(AnswerMismatchError):
        same_numbers("sums", {"a": math.nan}, {"a": 0.0})


def test_checked_turns_a_mismatch_into_exit_status_1(capsys: pytest.CaptureFixture[str]) -> None:
    def wrong() -> int:
        same("rollup", 1, 2)
        return 0

    assert checked(wrong) == 1
    assert "ANSWER CHECK FAILED: rollup" in capsys.readouterr().err
    assert checked(lambda: 0) == 0


def test_repeated_runs_each_time_and_reports_min_and_median() -> None:
    calls: list[str] = []
    runs, last = repeated(3, lambda: len(calls), before=lambda: calls.append("x"))
    assert len(runs.seconds) == 3 and last == 3
    assert Runs((3.0, 1.0, 2.0)).best == 1.0 and Runs((3.0, 1.0, 2.0)).median == 2.0
    assert Runs((1.0, 2.0)).rate(10) == "10 / 7 twins/s"
    with pytest.raises(ValueError, match="repeat is 0"):
        repeated(0, lambda: None)
