"""The explorer benchmark's report: rows beside baselines, and a mismatch is a failure."""

from __future__ import annotations

import pytest

from benchmarks.explorer import Figure, parse, report

LINE = (
    '{"name": "open a twin", "page": [210.0, 270.0, 330.0], "baseline": [160.0, 250.0, 290.0],'
    ' "answers": ["signals page=20 api=20"], "note": "warm"}'
)


def test_rows_show_min_and_median_beside_the_baseline(capsys: pytest.CaptureFixture[str]) -> None:
    figures = parse("noise\n" + LINE + "\n")
    assert report(figures) == 0
    row = capsys.readouterr().out
    assert "page min     210 ms, median     270 ms" in row
    assert "baseline (API fetch only) min     160 ms, median     250 ms" in row


@pytest.mark.parametrize("answers", [["signals page=19 api=20"], ["no answer"], []])
def test_a_page_that_disagrees_with_its_baseline_fails(answers: list[str]) -> None:
    figure = Figure(name="x", page=[1.0], baseline=[1.0], answers=answers, note="")
    assert report([figure]) == 1


def test_no_figures_is_a_failure() -> None:
    assert report([]) == 1
