"""Helpers for ``twinweave dtdl`` tests: run the command in-process, write models, find lines."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from twinweave.cli import main


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> Result:
    """``twinweave dtdl ARGV...``: exit code, stdout and stderr."""
    capsys.readouterr()
    try:
        code = main(["dtdl", *argv])
    except SystemExit as exc:  # argparse: --help and usage errors
        code = exc.code if isinstance(exc.code, int) else 2
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


def write(path: Path, model: dict[str, Any] | list[Any] | str) -> Path:
    """Write ``model`` (indented JSON, or a text as is) to ``path``; returns ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = model if isinstance(model, str) else json.dumps(model, indent=2) + "\n"
    path.write_text(text, encoding="utf-8")
    return path


def line_of(path: Path, needle: str) -> int:
    """The 1-based line of the first occurrence of ``needle`` in the file."""
    text = path.read_text(encoding="utf-8")
    offset = text.index(needle)
    return text.count("\n", 0, offset) + 1


V3 = "dtmi:dtdl:context;3"


def interface(dtmi: str, *contents: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A DTDL v3 Interface with ``contents`` and any other members."""
    return {"@context": V3, "@id": dtmi, "@type": "Interface", **extra, "contents": list(contents)}


DEVICE = interface(
    "dtmi:com:example:Device;1",
    {"@type": "Property", "name": "serialNumber", "schema": "string"},
    {"@type": "Telemetry", "name": "uptime", "schema": "duration"},
)
MOTOR = interface(
    "dtmi:com:example:Motor;1",
    {"@type": "Telemetry", "name": "speed", "schema": "double"},
)
TANK = interface(
    "dtmi:com:example:Tank;1",
    {"@type": "Property", "name": "volume", "schema": "double"},
)
PUMP = interface(
    "dtmi:com:example:Pump;1",
    {"@type": "Property", "name": "flowSetpoint", "schema": "double", "writable": True},
    {"@type": "Component", "name": "motor", "schema": "dtmi:com:example:Motor;1"},
    {
        "@type": "Relationship",
        "name": "feeds",
        "target": "dtmi:com:example:Tank;1",
        "maxMultiplicity": 4,
    },
    {
        "@type": "Telemetry",
        "name": "state",
        "schema": {
            "@type": "Enum",
            "valueSchema": "string",
            "enumValues": [
                {"name": "running", "enumValue": "running"},
                {"name": "stopped", "enumValue": "stopped"},
            ],
        },
    },
    extends="dtmi:com:example:Device;1",
    displayName="Pump",
)

DUPLICATE_NAMES = interface(
    "dtmi:com:example:Bad;1",
    {"@type": "Property", "name": "level", "schema": "double"},
    {"@type": "Telemetry", "name": "level", "schema": "double"},
)
"""Invalid: two contents named ``level`` (``nonUniquePropertyValue``)."""

VALID_SET = {"device.json": DEVICE, "motor.json": MOTOR, "tank.json": TANK, "pump.json": PUMP}


def write_valid_set(directory: Path) -> list[Path]:
    return [write(directory / name, model) for name, model in VALID_SET.items()]
