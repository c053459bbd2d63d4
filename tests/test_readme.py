"""The README's Python example runs as written."""

from __future__ import annotations

import re

from tests._shared import REPO


def test_the_readme_python_example_runs() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    assert blocks, "the README has a Python example"
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})  # our own documentation, run as written


def test_the_readme_test_command_is_the_one_ci_runs() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "./scripts/test" in readme.split("## Quick start")[1].split("##")[0]
    assert "./scripts/test" in ci
