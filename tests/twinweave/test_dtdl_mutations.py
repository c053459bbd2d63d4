"""``twinweave dtdl validate`` on randomly broken files: exit 0 or 1 and well-formed output."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from tests.dtdl.test_robustness import mutated
from twinweave.cli import main

FINDING = re.compile(r"^(?:(?P<file>[^:\n]+)(?::\d+(?::\d+)?)?: )?(?:error|warning)\[\w+\]: \S.*$")
SUMMARY = re.compile(r"^\d+ errors?, \d+ warnings? in \d+ files?$")


@settings(
    max_examples=50,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(texts=mutated())
def test_broken_files_give_one_line_per_finding(texts: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder, pytest.MonkeyPatch.context() as patch:
        root = Path(folder)
        for index, text in enumerate(texts):
            (root / f"m{index:03}.json").write_text(text, encoding="utf-8", errors="surrogatepass")
        out: list[str] = []
        patch.setattr("sys.stdout.write", out.append)
        code = main(["dtdl", "validate", folder])
        sarif_out: list[str] = []
        patch.setattr("sys.stdout.write", sarif_out.append)
        sarif_code = main(["dtdl", "validate", "--format", "sarif", folder])
    lines = "".join(out).splitlines()
    assert code in (0, 1)
    assert sarif_code == code
    assert SUMMARY.match(lines[-1]), lines[-1]
    assert lines[-1].endswith(f"in {len(texts)} files") or len(texts) == 1
    for line in lines[:-1]:
        match = FINDING.match(line)
        assert match, line
        assert match["file"] is None or match["file"].startswith(folder)
    assert (code == 1) == any(": error[" in line or line.startswith("error[") for line in lines)
    log = json.loads("".join(sarif_out))
    assert len(log["runs"][0]["results"]) == len(lines) - 1
