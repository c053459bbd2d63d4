"""The load benchmark: `twinweave load` and load_paths beside their baselines, answers checked."""

from __future__ import annotations

import pytest

from benchmarks import load
from benchmarks.graph import Inserted, dict_insert
from loaders import SyntheticPlant

TINY = ["--twins", "300", "--batch-size", "50", "--repeat", "1"]


def test_a_small_plant_prints_each_load_with_its_baseline(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert load.main(TINY) == 0
    output = capsys.readouterr().out
    rows = [line for line in output.splitlines() if "baseline" in line]
    assert len(rows) == 3
    assert "twinweave load of 300 twins, snapshot written" in rows[0]
    assert "store bulk load + snapshot write" in rows[0]
    assert "first load (cold)" in rows[1] and "second load (unchanged)" in rows[2]
    assert "twinweave --version alone" in output
    assert "reading" in output and "edges" in output  # the phases of a first load


def test_a_snapshot_without_the_whole_plant_fails_the_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def more(plant: SyntheticPlant) -> Inserted:
        twins, edges = dict_insert(plant)
        edges[("syn/site/0", "contains", "syn/nowhere/1")] = {}
        return twins, edges

    monkeypatch.setattr(load, "dict_insert", more)
    assert load.main(TINY) == 1
    assert "ANSWER CHECK FAILED: twinweave load: the snapshot" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["--twins", "5"], ["--batch-size", "0"], ["--repeat", "0"]])
def test_bad_arguments_are_refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        load.main(argv)
    assert exc.value.code == 2
    assert "--twins must be >= 10" in capsys.readouterr().err
