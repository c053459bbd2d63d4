"""``--resolve DIR``: DTMIs missing from the set come from a folder of model files."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.twinweave._dtdl_cli import DEVICE, MOTOR, PUMP, TANK, interface, line_of, run, write
from twinweave.cli._dtdl_resolver import DirectoryResolver, layout_path


def test_layout_path_follows_the_models_repository_convention(tmp_path: Path) -> None:
    assert layout_path(tmp_path, "dtmi:com:example:Foo;1") == (
        tmp_path / "dtmi" / "com" / "example" / "foo-1.json"
    )
    assert layout_path(tmp_path, "dtmi:com:example:Foo") is None
    assert layout_path(tmp_path, "urn:example:Foo;1") is None


def test_an_unresolved_reference_is_an_error_naming_the_dtmi(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pump = write(tmp_path / "pump.json", PUMP)
    result = run(capsys, "validate", str(pump))
    assert result.code == 1
    unresolved = [line for line in result.lines if "[unresolvedIdentifier]" in line]
    assert unresolved, result.out
    assert any("dtmi:com:example:Device;1" in line for line in unresolved)
    assert any("dtmi:com:example:Motor;1" in line for line in unresolved)
    assert all(line.endswith("or pass --resolve DIR.") for line in unresolved)


def test_resolve_finds_models_repository_layout_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "repo"
    write(repo / "dtmi" / "com" / "example" / "device-1.json", DEVICE)
    write(repo / "dtmi" / "com" / "example" / "motor-1.json", MOTOR)
    write(repo / "dtmi" / "com" / "example" / "tank-1.json", TANK)
    pump = write(tmp_path / "pump.json", PUMP)
    result = run(capsys, "validate", "--resolve", str(repo), str(pump))
    assert result.code == 0, result.out
    assert result.lines[-1] == "0 errors, 0 warnings in 1 file"


def test_resolve_finds_any_file_by_its_top_level_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lib = tmp_path / "lib"
    write(lib / "a" / "some-device.json", DEVICE)
    write(lib / "both.json", [MOTOR, TANK])
    pump = write(tmp_path / "pump.json", PUMP)
    result = run(capsys, "validate", "--resolve", str(lib), str(pump))
    assert result.code == 0, result.out


def test_the_directory_is_indexed_once(tmp_path: Path) -> None:
    write(tmp_path / "device.json", DEVICE)
    resolver = DirectoryResolver(tmp_path)
    assert len(resolver(["dtmi:com:example:Device;1"])) == 1
    (tmp_path / "late.json").write_text("{}", encoding="utf-8")
    write(tmp_path / "motor.json", MOTOR)
    assert resolver(["dtmi:com:example:Motor;1"]) == []  # not in the index built at first use
    assert resolver(["dtmi:com:example:Device;1"]) == []  # never the same file twice
    assert resolver.paths == [tmp_path / "device.json"]


def test_findings_in_resolved_files_name_those_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lib = tmp_path / "lib"
    broken_device = interface(
        "dtmi:com:example:Device;1",
        {"@type": "Property", "name": "serial-number", "schema": "string"},
    )
    device = write(lib / "device.json", broken_device)
    write(lib / "motor.json", MOTOR)
    write(lib / "tank.json", TANK)
    pump = write(tmp_path / "pump.json", PUMP)
    result = run(capsys, "validate", "--resolve", str(lib), str(pump))
    assert result.code == 1
    assert any(line.startswith(f"{device}:") for line in result.lines), result.out
    assert "in 1 file" in result.lines[-1]


def test_files_of_the_set_are_not_resolved_twice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, model in {"device": DEVICE, "motor": MOTOR, "tank": TANK, "pump": PUMP}.items():
        write(tmp_path / f"{name}.json", model)
    result = run(capsys, "validate", "--resolve", str(tmp_path), str(tmp_path))
    assert result.code == 0, result.out


def test_resolve_must_be_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pump = write(tmp_path / "pump.json", PUMP)
    result = run(capsys, "validate", "--resolve", str(tmp_path / "absent"), str(pump))
    assert result.code == 2
    assert str(tmp_path / "absent") in result.err


def test_messages_name_resolved_files_by_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    child = {"@id": "dtmi:com:example:serial;1", "@type": "Property", "name": "serial"}
    device = interface("dtmi:com:example:Device;1", {**child, "schema": "string"})
    motor = interface(
        "dtmi:com:example:Motor;1",
        {**child, "schema": "string"},
        extends="dtmi:com:example:Device;1",
    )
    resolved = write(tmp_path / "lib/dtmi/com/example/device-1.json", device)
    given = write(tmp_path / "motor.json", motor)
    result = run(capsys, "validate", "--resolve", str(tmp_path / "lib"), str(given))
    assert result.code == 1
    [line] = [line for line in result.lines if "[duplicateDefinition]" in line]
    # the given file is read first, so the second definition is the resolved file's
    assert line.startswith(f"{resolved}:{line_of(resolved, 'dtmi:com:example:serial;1')}:")
    first = line_of(given, "dtmi:com:example:serial;1")
    assert f"the first definition is in {given} at line {first}." in line
