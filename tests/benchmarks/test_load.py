"""The load benchmark runs end to end and prints its figures beside their baselines."""

from __future__ import annotations

import pytest

from benchmarks import load


def test_a_small_plant_prints_both_loads_with_baselines(capsys: pytest.CaptureFixture[str]) -> None:
    assert load.main(["--twins", "300", "--batch-size", "50"]) == 0
    output = capsys.readouterr().out
    rows = [line for line in output.splitlines() if "baseline" in line]
    assert len(rows) == 2
    assert "first load" in rows[0] and "store bulk load" in rows[0]
    assert "second load (unchanged)" in rows[1]
    assert "twins/s" in rows[0]
    assert "reading" in output and "edges" in output  # the phases of the first load


@pytest.mark.parametrize("argv", [["--twins", "5"], ["--batch-size", "0"]])
def test_bad_arguments_are_refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        load.main(argv)
    assert exc.value.code == 2
    assert "--twins must be >= 10" in capsys.readouterr().err
