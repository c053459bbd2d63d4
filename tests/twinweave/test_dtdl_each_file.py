"""``validate --each-file``: a model repository laid out by DTMI path, one file at a time.

The repository holds two versions of one model that give a child the same explicit
``@id`` (as published versions often do), a dependency across folders, and an IoT
Central ``geopoint`` Property. Validated as one set, the two versions are duplicate
definitions; validated file by file, with references resolved from the repository,
every file is valid. All of it runs in this one process.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest

from tests.twinweave._dtdl_cli import line_of, run, write
from twinweave.cli._dtdl import _namer, _options
from twinweave.cli._dtdl_each import validate_each
from twinweave.cli._dtdl_files import Progress, collect
from twinweave.cli._dtdl_resolver import DirectoryResolver

V2 = "dtmi:dtdl:context;2"
IOTC = [V2, "dtmi:iotcentral:context;2"]


def _thermostat(version: int, **extra: Any) -> dict[str, Any]:
    return {
        "@context": V2,
        "@id": f"dtmi:com:example:Thermostat;{version}",
        "@type": "Interface",
        **extra,
        "contents": [
            {
                # the same explicit id in both versions of the model
                "@id": "dtmi:com:example:Thermostat:targetTemperature;1",
                "@type": "Property",
                "name": "targetTemperature",
                "schema": "double",
                "writable": True,
            }
        ],
    }


DEVICE = {
    "@context": IOTC,
    "@id": "dtmi:org:acme:Device;1",
    "@type": "Interface",
    "contents": [{"@type": ["Property", "Location"], "name": "position", "schema": "geopoint"}],
}
ROOM = {
    "@context": V2,
    "@id": "dtmi:org:acme:Room;1",
    "@type": "Interface",
    "contents": [
        {"@type": "Component", "name": "thermostat", "schema": "dtmi:com:example:Thermostat;2"}
    ],
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "models"
    write(root / "dtmi/com/example/thermostat-1.json", _thermostat(1))
    write(
        root / "dtmi/com/example/thermostat-2.json",
        _thermostat(2, extends="dtmi:org:acme:Device;1"),
    )
    write(root / "dtmi/org/acme/device-1.json", DEVICE)
    write(root / "dtmi/org/acme/room-1.json", ROOM)
    return root


def test_a_folder_validated_as_one_set_reports_the_duplicate(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(capsys, "validate", str(repo / "dtmi"))
    assert result.code == 1
    first = repo / "dtmi/com/example/thermostat-1.json"
    second = repo / "dtmi/com/example/thermostat-2.json"
    [line] = [line for line in result.lines if "[duplicateDefinition]" in line]
    where = line_of(second, "dtmi:com:example:Thermostat:targetTemperature;1")
    assert line.startswith(f"{second}:{where}:")
    # the message says where the first definition is
    first_line = line_of(first, "dtmi:com:example:Thermostat:targetTemperature;1")
    assert f"first definition is in {first} at line {first_line}." in line


def test_each_file_on_its_own_resolving_from_the_repository_is_valid(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(capsys, "validate", "--each-file", "--resolve", str(repo), str(repo / "dtmi"))
    assert result.code == 0, result.out
    assert result.lines == ["0 errors, 0 warnings in 4 files, each validated on its own: 0 invalid"]


def test_each_file_without_a_repository_reports_what_it_cannot_resolve(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(capsys, "validate", "--each-file", str(repo / "dtmi"))
    assert result.code == 1
    unresolved = [line for line in result.lines if "[unresolvedIdentifier]" in line]
    assert len(unresolved) == 2, result.out  # thermostat-2 needs Device, room needs Thermostat;2
    assert result.lines[-1].endswith("in 4 files, each validated on its own: 2 invalid")


def test_a_broken_dependency_is_reported_once_and_fails_its_dependents(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = dict(DEVICE, contents=[{"@type": "Property", "name": "position", "schema": "pointy"}])
    device = write(repo / "dtmi/org/acme/device-1.json", broken)
    room = repo / "dtmi/org/acme/room-1.json"
    result = run(capsys, "validate", "--each-file", "--resolve", str(repo), str(room))
    assert result.code == 1, result.out
    [line] = [line for line in result.lines if "error[" in line]
    assert line.startswith(f"{device}:{line_of(device, 'pointy')}:")
    assert "[badDtmiOrTerm]" in line
    assert result.lines[-1].endswith("in 1 file, each validated on its own: 1 invalid")
    # three files pull the broken Device in (itself, thermostat-2, room): one finding
    result = run(capsys, "validate", "--each-file", "--resolve", str(repo), str(repo / "dtmi"))
    assert [line for line in result.lines if "error[" in line] == [line]
    assert result.lines[-1].endswith("in 4 files, each validated on its own: 3 invalid")


def test_json_output_counts_invalid_files(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "validate", "--each-file", "--format", "json", str(repo / "dtmi"))
    assert result.code == 1
    assert '"invalid_files": 2' in result.out


def test_progress_reports_the_count_of_files_done(repo: Path) -> None:
    said: list[str] = []
    paths = collect([str(repo / "dtmi")])
    resolver = DirectoryResolver(repo)
    args = argparse.Namespace(
        allow_undefined_extensions=None, max_dtdl_version=None, tolerate_solecisms=False
    )
    result = validate_each(
        paths,
        resolver,
        lambda found, files: _options(args, found, _namer(files, found)),
        progress=Progress(said.append, every=2),
    )
    assert result.invalid_files == 0
    assert said == [
        "validated 2/4 files one by one, 0 invalid\n",
        "validated 4/4 files one by one, 0 invalid\n",
    ]


def test_help_documents_each_file(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "validate", "--help")
    assert "--each-file" in result.out
    assert "dtmi/com/example/foo-1.json" in result.out
