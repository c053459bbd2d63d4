"""``twinweave dtdl validate`` on a directory of 10,000 model files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.twinweave._dtdl_cli import run

FILES = 10_000


def _write_set(root: Path) -> None:
    for i in range(FILES):
        model = {
            "@context": "dtmi:dtdl:context;3",
            "@id": f"dtmi:com:example:many:M{i};1",
            "@type": "Interface",
            "contents": [{"@type": "Property", "name": f"p{i}", "schema": "double"}],
        }
        if i % 10:
            model["extends"] = f"dtmi:com:example:many:M{i - 1};1"
        folder = root / f"d{i // 1000}"
        folder.mkdir(exist_ok=True)
        (folder / f"m{i}.json").write_text(json.dumps(model, indent=1), encoding="utf-8")


@pytest.mark.slow
def test_ten_thousand_files_validate_as_one_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write_set(tmp_path)
    result = run(capsys, "validate", "--progress", str(tmp_path))
    assert result.code == 0, result.out[:2000]
    assert result.lines == [f"0 errors, 0 warnings in {FILES} files"]
    assert [line for line in result.err.splitlines() if line.startswith("read ")] == [
        f"read {n}/{FILES} files" for n in range(1000, FILES + 1, 1000)
    ]

    broken = tmp_path / "d7" / "m7777.json"
    broken.write_text(broken.read_text(encoding="utf-8")[:-20], encoding="utf-8")
    result = run(capsys, "validate", str(tmp_path))
    assert result.code == 1
    assert result.lines[0].startswith(f"{broken}:")
    assert result.lines[-1].endswith(f"in {FILES} files")
