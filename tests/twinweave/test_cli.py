"""The ``twinweave`` command: help, version, settings errors, a light start."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import pytest

from twinweave import __version__
from twinweave.cli import main
from twinweave.cli._main import build_parser


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


COMMANDS = [["demo"], ["serve"], ["load"], ["dtdl", "validate"], ["dtdl", "show"]]
COMMANDS += [["aas", "export"], ["ingest"]]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_says_its_exit_codes_and_gives_an_example(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main([*command, "--help"])
    assert caught.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "Exit codes: 0 " in out
    assert f"Example: twinweave {command[0]}" in out or f"Examples: twinweave {command[0]}" in out


def test_every_option_of_every_command_is_explained() -> None:
    def parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
        yield parser
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    yield from parsers(sub)

    unexplained = [
        f"{parser.prog} {action.dest}"
        for parser in parsers(build_parser())
        for action in parser._actions
        if not isinstance(action, argparse._SubParsersAction) and not action.help
    ]
    assert unexplained == []


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
