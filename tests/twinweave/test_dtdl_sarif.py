"""``twinweave dtdl validate --format sarif``: a SARIF 2.1.0 log code-scanning tools accept.

No SARIF schema file ships with the project, so the fields code scanning needs
are asserted by hand.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.twinweave._dtdl_cli import DUPLICATE_NAMES, run, write, write_valid_set
from twinweave import __version__
from twinweave.cli._dtdl_findings import tool_finding
from twinweave.cli._dtdl_output import render_sarif


def _sarif(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    result = run(capsys, "validate", "--format", "sarif", *argv)
    return result.code, json.loads(result.out)


def _check_log(log: dict[str, Any]) -> dict[str, Any]:
    """The structural rules of SARIF 2.1.0 this output relies on; returns the run."""
    assert log["version"] == "2.1.0"
    assert log["$schema"].startswith("https://") and "sarif" in log["$schema"]
    assert isinstance(log["runs"], list) and len(log["runs"]) == 1
    sarif_run: dict[str, Any] = log["runs"][0]
    driver = sarif_run["tool"]["driver"]
    assert driver["name"] == "twinweave"
    assert driver["version"] == __version__
    assert "informationUri" not in driver  # optional; no public address to name yet
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert len(rule_ids) == len(set(rule_ids))
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"]
    for result in sarif_run["results"]:
        assert result["ruleId"] in rule_ids
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning")
        assert result["message"]["text"]
        assert result["locations"], "code scanning refuses results without a location"
        for location in result["locations"]:
            physical = location["physicalLocation"]
            uri = physical["artifactLocation"]["uri"]
            assert "\\" not in uri
            region = physical.get("region", {})
            assert region.get("startLine", 1) >= 1
            assert region.get("startColumn", 1) >= 1
    return sarif_run


def test_a_valid_set_is_a_log_without_results(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_valid_set(tmp_path)
    code, log = _sarif(capsys, str(tmp_path))
    assert code == 0
    sarif_run = _check_log(log)
    assert sarif_run["results"] == []
    assert sarif_run["tool"]["driver"]["rules"] == []


def test_results_carry_rule_level_location_and_element(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    bad = write(
        tmp_path / "models" / "bad.json",
        DUPLICATE_NAMES,
    )
    write(
        tmp_path / "models" / "nocontext.json",
        {"@id": "dtmi:com:example:A;1", "@type": "Interface"},
    )
    code, log = _sarif(capsys, "models")
    assert code == 1
    sarif_run = _check_log(log)
    results = sarif_run["results"]
    by_rule = {r["ruleId"]: r for r in results}
    assert {"nonUniquePropertyValue", "missingContext"} <= set(by_rule)
    rules = {rule["id"] for rule in sarif_run["tool"]["driver"]["rules"]}
    assert rules == {r["ruleId"] for r in results}

    duplicate = by_rule["nonUniquePropertyValue"]
    assert duplicate["level"] == "error"
    location = duplicate["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "models/bad.json"
    region = location["physicalLocation"]["region"]
    as_json = json.loads(run(capsys, "validate", "--format", "json", "models").out)
    same = next(d for d in as_json["diagnostics"] if d["code"] == "nonUniquePropertyValue")
    assert same["file"] == str(Path("models") / bad.name)
    assert (region["startLine"], region["startColumn"]) == (same["line"], same["column"])
    assert duplicate["message"]["text"] == same["message"]
    names = [loc["fullyQualifiedName"] for loc in location["logicalLocations"]]
    assert names == ["dtmi:com:example:Bad;1"]


def test_paths_outside_the_working_directory_become_file_uris(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    bad = write(tmp_path / "out" / "a.json", {"@id": "dtmi:com:example:A;1", "@type": "Interface"})
    code, log = _sarif(capsys, os.fspath(bad))
    assert code == 1
    uri = _check_log(log)["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri["uri"] == bad.resolve().as_uri()


def test_a_finding_without_a_file_is_filed_under_the_first_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    set_wide = tool_finding(None, "somethingAboutTheSet", "The set is odd.", "Fix the set.")
    log = json.loads(render_sarif([set_wide], fallback=Path("models/a.json")))
    (result,) = _check_log(log)["results"]
    (location,) = result["locations"]
    assert location["physicalLocation"] == {"artifactLocation": {"uri": "models/a.json"}}
