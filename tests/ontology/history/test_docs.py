"""The Python example in docs/history.md runs as written."""

from __future__ import annotations

import re

from tests._shared import REPO


def test_the_history_docs_example_runs() -> None:
    text = (REPO / "docs" / "history.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) == 1
    exec(compile(blocks[0], "docs/history.md", "exec"), {})  # our own documentation
