"""``twinweave dtdl show``: one Interface, flattened, inherited contents marked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.twinweave._dtdl_cli import (
    DEVICE,
    DUPLICATE_NAMES,
    run,
    write,
    write_valid_set,
)

PUMP_ID = "dtmi:com:example:Pump;1"
DEVICE_ID = "dtmi:com:example:Device;1"


def test_show_prints_own_inherited_and_component_contents(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_valid_set(tmp_path)
    result = run(capsys, "show", PUMP_ID, "--resolve", str(tmp_path))
    assert result.code == 0, result.err
    lines = result.lines
    assert lines[0] == f"Interface {PUMP_ID} (DTDL v3)"
    assert f"  extends: {DEVICE_ID}" in lines
    assert "contents: 6 (2 inherited)" in lines
    rows = {line.split()[1]: line for line in lines if line.startswith("    ")}
    assert set(rows) == {"serialNumber", "uptime", "flowSetpoint", "motor", "feeds", "state"}
    assert rows["serialNumber"].split()[0] == "Property"
    assert f"(from {DEVICE_ID})" in rows["serialNumber"]
    assert f"(from {DEVICE_ID})" in rows["uptime"]
    assert "(from" not in rows["flowSetpoint"]
    assert "writable" in rows["flowSetpoint"]
    assert rows["motor"].split()[0] == "Component"
    assert "dtmi:com:example:Motor;1" in rows["motor"]
    assert "-> dtmi:com:example:Tank;1 [0..4]" in rows["feeds"]
    assert "Enum<string>" in rows["state"]


def test_show_json_lists_contents_with_their_origin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_valid_set(tmp_path)
    result = run(capsys, "show", PUMP_ID, str(tmp_path), "--format", "json")
    assert result.code == 0, result.err
    shown = json.loads(result.out)
    assert shown["id"] == PUMP_ID
    assert shown["extends"] == [DEVICE_ID]
    assert shown["bases"] == [DEVICE_ID]
    assert shown["display_name"] == "Pump"
    contents = {row["name"]: row for row in shown["contents"]}
    assert contents["serialNumber"]["declared_by"] == DEVICE_ID
    assert contents["motor"] == contents["motor"] | {
        "kind": "Component",
        "schema": "dtmi:com:example:Motor;1",
        "declared_by": PUMP_ID,
    }
    assert contents["feeds"]["target"] == "dtmi:com:example:Tank;1"
    assert contents["feeds"]["max_multiplicity"] == 4


def test_show_of_an_unknown_dtmi_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "device.json", DEVICE)
    result = run(capsys, "show", "dtmi:com:example:Nothing;1", "--resolve", str(tmp_path))
    assert result.code == 2
    assert "dtmi:com:example:Nothing;1" in result.err


def test_show_of_an_invalid_set_exits_1_with_the_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(
        tmp_path / "bad.json",
        DUPLICATE_NAMES,
    )
    result = run(capsys, "show", "dtmi:com:example:Bad;1", "--resolve", str(tmp_path))
    assert result.code == 1
    assert f"{bad}:" in result.err
    assert "nonUniquePropertyValue" in result.err


def test_show_needs_somewhere_to_look(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "show", PUMP_ID)
    assert result.code == 2
    assert "--resolve" in result.err
