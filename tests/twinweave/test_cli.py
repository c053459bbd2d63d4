"""The ``twinweave`` command: help, version, and honest refusals for what is not built."""

from __future__ import annotations

import pytest

from twinweave import __version__
from twinweave.cli import main


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: twinweave" in capsys.readouterr().err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--version"])
    assert caught.value.code == 0
    assert __version__ in capsys.readouterr().out


@pytest.mark.parametrize("command", ["demo", "serve", "load", "dtdl", "ingest", "aas"])
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main([command, "--help"])
    assert caught.value.code == 0
    assert f"twinweave {command}" in capsys.readouterr().out


@pytest.mark.parametrize("command", ["aas"])
def test_commands_not_built_yet_say_so_and_fail(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([command]) == 1
    err = capsys.readouterr().err
    assert "not built yet" in err
    assert "Nothing was run" in err


def test_a_bad_setting_stops_serve_with_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TWINWEAVE_PORT", "not-a-port")
    assert main(["serve"]) == 2
    assert "TWINWEAVE_PORT='not-a-port'" in capsys.readouterr().err


def test_the_command_line_starts_without_importing_the_stores_or_the_server() -> None:
    import subprocess
    import sys

    code = (
        "import sys, twinweave.cli; "
        "print(sorted({'numpy', 'ontology', 'loaders', 'server', 'strawberry'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_load_help_shows_the_loaders_default_batch_size() -> None:
    from loaders import LoadLimits
    from twinweave.cli._load import DEFAULT_BATCH_SIZE

    assert LoadLimits().batch_size == DEFAULT_BATCH_SIZE
