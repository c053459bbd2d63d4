"""``twinweave dtdl validate --tolerate-solecisms``: the reference parser's lenient v2 reading."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.twinweave._dtdl_cli import interface, run, write

V2 = "dtmi:dtdl:context;2"


def _v2(dtmi: str, **extra: object) -> dict[str, object]:
    return {**interface(dtmi, **extra), "@context": V2}


@pytest.mark.parametrize("where", ["named", "resolved"])
def test_tolerate_solecisms_accepts_v2_solecisms_in_named_and_resolved_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    named = tmp_path / "models"
    resolved = tmp_path / "vendor"
    contents = [{"@type": "Property", "name": "level", "schema": t} for t in ("double", "long")]
    contents.append(
        {"@id": "dtmi:standard:t;1", "@type": "Telemetry", "name": "t", "schema": "double"}
    )
    child = _v2("dtmi:com:example:Child;1", extends=[{"@id": "dtmi:com:example:Base;1"}])
    child["contents"] = contents
    write((named if where == "named" else resolved) / "child.json", child)
    base = _v2("dtmi:com:example:Base;1")
    base["contents"] = [{"@type": "Property", "name": "serial", "schema": "string"}]
    write(resolved / "base.json", base)
    component = {"@type": "Component", "name": "c", "schema": "dtmi:com:example:Child;1"}
    write(named / "top.json", {**_v2("dtmi:com:example:Top;1"), "contents": [component]})
    argv = ("validate", str(named), "--resolve", str(resolved))
    strict = run(capsys, *argv)
    assert strict.code == 1
    for code in ("idReference", "nonUniquePropertyValue", "reservedId"):
        assert f"error[{code}]" in strict.out, strict.out
    lenient = run(capsys, *argv, "--tolerate-solecisms")
    assert lenient.code == 0, lenient.out


def test_tolerate_solecisms_does_not_relax_v3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "reserved.json", interface("dtmi:dtdl:Thing;1"))
    result = run(capsys, "validate", "--tolerate-solecisms", str(path))
    assert result.code == 1
    assert "error[reservedId]" in result.out
    assert "--tolerate-solecisms" in run(capsys, "validate", "--help").out
