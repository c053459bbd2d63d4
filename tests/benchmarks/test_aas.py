"""The AAS benchmark runs end to end on a small plant and checks its answers."""

from __future__ import annotations

import pytest

from benchmarks import aas as bench


def test_a_small_run_prints_every_figure_beside_its_baseline(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["--twins", "300", "--page-twins", "500", "--requests", "64", "--runs", "1"]
    assert bench.main(args) == 0
    out = capsys.readouterr().out
    assert "json.dumps of prebuilt dicts" in out
    assert "basyx write_aas_json_file" in out
    assert "GET /healthz (floor)" in out
    assert "store list_twins" in out
    assert "answers: ours == dicts byte for byte: True; basyx same ids: True" in out
    assert "answers equal to the mapping's: True" in out
    assert "page ids equal to the store's order: True" in out


def test_bad_arguments_exit_with_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        bench.main(["--twins", "3"])
    assert caught.value.code == 2
    assert "--twins" in capsys.readouterr().err
