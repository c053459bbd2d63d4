"""The pre-commit hook and the CI recipes in docs/dtdl.md name commands that exist."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.twinweave._dtdl_cli import run, write_valid_set
from twinweave.cli._main import build_parser

REPO = Path(__file__).resolve().parents[2]


def _hooks() -> list[dict[str, Any]]:
    hooks: list[dict[str, Any]] = yaml.safe_load(
        (REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    )
    return hooks


def test_the_pre_commit_hook_runs_dtdl_validate_on_json_files() -> None:
    (hook,) = _hooks()
    assert hook["id"] == "twinweave-dtdl-validate"
    assert hook["entry"] == "twinweave dtdl validate"
    assert hook["language"] == "python"
    assert hook["types"] == ["json"]
    assert hook["pass_filenames"] is True
    assert hook["require_serial"] is True


def test_the_hook_entry_validates_the_files_pre_commit_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (hook,) = _hooks()
    program, *argv = shlex.split(hook["entry"])
    assert program == "twinweave"
    files = [str(p) for p in write_valid_set(tmp_path)]
    assert argv[0] == "dtdl"
    result = run(capsys, *argv[1:], "--resolve", str(tmp_path), *files[:2])
    assert result.code == 0, result.out


def _documented_commands() -> list[str]:
    text = (REPO / "docs" / "dtdl.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```(?:sh|yaml)?\n(.*?)```", text, re.S)
    commands = []
    for block in blocks:
        for line in block.splitlines():
            found = re.search(r"(twinweave dtdl (?:validate|show) [^|>#\n]*)", line)
            if found and "..." not in found.group(1) and "[" not in found.group(1):
                commands.append(found.group(1).strip())
    return commands


def test_the_docs_show_recipes() -> None:
    assert len(_documented_commands()) >= 3


@pytest.mark.parametrize("command", _documented_commands())
def test_every_documented_command_line_parses(command: str) -> None:
    args = build_parser().parse_args(shlex.split(command)[1:])
    assert callable(args.handler)
