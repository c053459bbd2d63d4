"""Typical modelling mistakes: each one is reported with its file, line, element and a remedy.

Every case is checked twice: through the API (``dtdl.validate``: document,
line, column, primary id, cause and action) and through the command line
(``twinweave dtdl validate`` on files: ``file:line:col: error[code]: message``).
The accepted codes are the reference parser's for the same input (where the
reference is not pinned down by a conformance case, the close alternatives are
accepted too); the accepted lines run from the offending element's opening
brace to the offending property.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

import dtdl
from twinweave.cli import main

PUMP = "dtmi:com:example:Pump;1"


@dataclass(frozen=True)
class Mistake:
    """One mistake: the files, which file is wrong, what the report must say."""

    name: str
    files: dict[str, str]
    target: str
    codes: frozenset[str]
    first: str
    """Marker on the first acceptable line (prefix ``^`` = the line above the marker)."""
    last: str
    """Marker on the last acceptable line."""
    primary: frozenset[str | None]
    words: tuple[str, ...]
    """Text the message (cause and action) must contain."""
    remedy: tuple[str, ...]
    """The action must contain one of these (case-insensitive)."""

    def line_range(self) -> tuple[int, int]:
        text = self.files[self.target]

        def line(marker: str) -> int:
            above = marker.startswith("^")
            offset = text.index(marker.removeprefix("^"))
            return text.count("\n", 0, offset) + 1 - above

        return line(self.first), line(self.last)


def _doc(body: str) -> str:
    return textwrap.dedent(body).lstrip("\n")


def _interface(
    dtmi: str, contents: str, *, context: str = '"dtmi:dtdl:context;3"', extra: str = ""
) -> str:
    """A v3 Interface text; ``contents`` is the inside of the array, indented 4 spaces."""
    return (
        "{\n"
        f'  "@context": {context},\n'
        f'  "@id": "{dtmi}",\n'
        '  "@type": "Interface",\n'
        f"{extra}"
        '  "contents": [\n'
        f"{textwrap.indent(textwrap.dedent(contents).strip(chr(10)), '    ')}\n"
        "  ]\n"
        "}\n"
    )


def _pump(
    name: str,
    contents: str,
    *,
    codes: set[str],
    first: str,
    last: str | None = None,
    primary: frozenset[str | None],
    words: tuple[str, ...],
    remedy: tuple[str, ...],
    context: str = '"dtmi:dtdl:context;3"',
) -> Mistake:
    """A mistake in the contents of the one Interface ``dtmi:com:example:Pump;1``."""
    return Mistake(
        name=name,
        files={"pump.json": _interface(PUMP, contents, context=context)},
        target="pump.json",
        codes=frozenset(codes),
        first=first,
        last=first if last is None else last,
        primary=primary,
        words=words,
        remedy=remedy,
    )


QT_CONTEXT = '["dtmi:dtdl:context;3", "dtmi:dtdl:extension:quantitativeTypes;1"]'

MISTAKES = [
    _pump(
        "misspelt schema term",
        """
        {
          "@type": "Telemetry",
          "name": "temperature",
          "schema": "dobule"
        }
        """,
        codes={"badDtmiOrTerm", "badType"},
        first='"schema": "dobule"',
        primary=frozenset({"dtmi:com:example:Pump:_contents:__temperature;1"}),
        words=("dobule", "schema"),
        remedy=("schema", "term", "replace"),
    ),
    Mistake(
        name="duplicate name through extends",
        files={
            "device.json": _interface(
                "dtmi:com:example:Device;1",
                '{"@type": "Property", "name": "serialNumber", "schema": "string"}',
            ),
            "pump.json": _interface(
                PUMP,
                """
                {
                  "@type": "Property",
                  "name": "serialNumber",
                  "schema": "string"
                }
                """,
                extra='  "extends": "dtmi:com:example:Device;1",\n',
            ),
        },
        target="pump.json",
        codes=frozenset({"nonUniqueImportedPropertyValue", "nonUniquePropertyValue"}),
        first='^"@type": "Property"',
        last='"name": "serialNumber"',
        primary=frozenset({PUMP}),
        words=("serialNumber",),
        remedy=("name", "unique", "rename", "change"),
    ),
    Mistake(
        name="DTMI with version 0",
        files={"pump.json": _interface("dtmi:com:example:Pump;0", "")},
        target="pump.json",
        codes=frozenset({"invalidId"}),
        first='"@id"',
        last='"@id"',
        primary=frozenset({None, "dtmi:com:example:Pump;0"}),
        words=("dtmi:com:example:Pump;0",),
        remedy=("dtmi",),
    ),
    Mistake(
        name="DTMI without the dtmi: prefix",
        files={"pump.json": _interface("com:example:Pump;1", "")},
        target="pump.json",
        codes=frozenset({"invalidId"}),
        first='"@id"',
        last='"@id"',
        primary=frozenset({None, "com:example:Pump;1"}),
        words=("com:example:Pump;1",),
        remedy=("dtmi",),
    ),
    Mistake(
        name="missing @context",
        files={
            "pump.json": _doc(
                """
                {
                  "@id": "dtmi:com:example:Pump;1",
                  "@type": "Interface",
                  "contents": []
                }
                """
            )
        },
        target="pump.json",
        codes=frozenset({"missingContext"}),
        first="{",
        last="{",
        primary=frozenset({None, PUMP}),
        words=("@context",),
        remedy=("dtmi:dtdl:context",),
    ),
    _pump(
        "relationship target without the dtmi: prefix",
        """
        {
          "@type": "Relationship",
          "name": "feeds",
          "target": "com:example:Tank;1"
        }
        """,
        codes={"identifierNotDtmi", "badDtmiOrTerm", "propertyNotDtmiNorTerm"},
        first='"target"',
        primary=frozenset({"dtmi:com:example:Pump:_contents:__feeds;1"}),
        words=("target",),
        remedy=("dtmi",),
    ),
    _pump(
        "misspelt @type Proprety",
        """
        {
          "@type": "Proprety",
          "name": "level",
          "schema": "double"
        }
        """,
        codes={"typeUndefinedTerm", "badType"},
        first='"@type": "Proprety"',
        primary=frozenset({"dtmi:com:example:Pump:_contents:__level;1"}),
        words=("Proprety",),
        remedy=("@type", "type", "spelling"),
    ),
    _pump(
        "semantic type without a unit",
        """
        {
          "@type": ["Telemetry", "Temperature"],
          "name": "temperature",
          "schema": "double"
        }
        """,
        context=QT_CONTEXT,
        codes={"missingSupplementalObjectProperty"},
        first='^"@type": ["Telemetry", "Temperature"]',
        last='"@type": ["Telemetry", "Temperature"]',
        primary=frozenset({"dtmi:com:example:Pump:_contents:__temperature;1"}),
        words=("unit", "Temperature"),
        remedy=("unit",),
    ),
    _pump(
        "semantic type with a unit of another kind",
        """
        {
          "@type": ["Telemetry", "Temperature"],
          "name": "temperature",
          "schema": "double",
          "unit": "metrePerSecond"
        }
        """,
        context=QT_CONTEXT,
        codes={"badType", "wrongParent"},
        first='"unit": "metrePerSecond"',
        primary=frozenset({"dtmi:com:example:Pump:_contents:__temperature;1"}),
        words=("metrePerSecond",),
        remedy=("unit",),
    ),
    _pump(
        "semantic type without the QuantitativeTypes context",
        """
        {
          "@type": ["Telemetry", "Temperature"],
          "name": "temperature",
          "schema": "double",
          "unit": "degreeCelsius"
        }
        """,
        codes={"typeUndefinedTerm"},
        first='"@type": ["Telemetry", "Temperature"]',
        primary=frozenset({"dtmi:com:example:Pump:_contents:__temperature;1"}),
        words=("Temperature",),
        remedy=("@type", "type", "context"),
    ),
    _pump(
        "content without a name",
        """
        {
          "@type": "Telemetry",
          "schema": "double"
        }
        """,
        codes={"missingDtmiSegPropertyValue", "missingLiteralProperty"},
        first='^"@type": "Telemetry"',
        last='"schema": "double"',
        primary=frozenset({PUMP}),
        words=("name",),
        remedy=("name",),
    ),
    _pump(
        "component whose schema is defined nowhere",
        """
        {
          "@type": "Component",
          "name": "motor",
          "schema": "dtmi:com:example:Motor;1"
        }
        """,
        codes={"unresolvedIdentifier"},
        first='"schema": "dtmi:com:example:Motor;1"',
        primary=frozenset({"dtmi:com:example:Motor;1"}),
        words=("dtmi:com:example:Motor;1",),
        remedy=("define", "add", "resolve"),
    ),
    _pump(
        "minMultiplicity 1",
        """
        {
          "@type": "Relationship",
          "name": "feeds",
          "minMultiplicity": 1
        }
        """,
        codes={"valueNotExact"},
        first='"minMultiplicity": 1',
        primary=frozenset({"dtmi:com:example:Pump:_contents:__feeds;1"}),
        words=("minMultiplicity",),
        remedy=("0",),
    ),
    _pump(
        "maxMultiplicity 0",
        """
        {
          "@type": "Relationship",
          "name": "feeds",
          "maxMultiplicity": 0
        }
        """,
        codes={"valueBelowMin"},
        first='"maxMultiplicity": 0',
        primary=frozenset({"dtmi:com:example:Pump:_contents:__feeds;1"}),
        words=("maxMultiplicity",),
        remedy=("1", "increase"),
    ),
    _pump(
        "enum value of the wrong type",
        """
        {
          "@type": "Telemetry",
          "name": "mode",
          "schema": {
            "@type": "Enum",
            "valueSchema": "integer",
            "enumValues": [
              {"name": "low", "enumValue": 1},
              {"name": "high", "enumValue": "high"}
            ]
          }
        }
        """,
        codes={"nonConformantDatatype"},
        first='{"name": "high"',
        primary=frozenset({"dtmi:com:example:Pump:_contents:__mode:_schema:_enumValues:__high;1"}),
        words=("enumValue", "integer"),
        remedy=("integer", "valueSchema"),
    ),
    _pump(
        "name with a hyphen",
        """
        {
          "@type": "Property",
          "name": "flow-rate",
          "schema": "double"
        }
        """,
        codes={"stringInvalid"},
        first='"name": "flow-rate"',
        # the automatic id of an element with an invalid name is not pinned down by the
        # reference corpus: the Interface, or the content's id built from the name
        primary=frozenset(
            {
                PUMP,
                "dtmi:com:example:Pump:_contents:__flow-rate;1",
                "dtmi:com:example:Pump:_contents:__flow_rate;1",
            }
        ),
        words=("flow-rate", "name"),
        remedy=("name", "match", "letter"),
    ),
]

V2 = '"dtmi:dtdl:context;2"'
MISTAKES += [
    _pump(
        "DTDL v2 Property whose schema is a geospatial point (an Object holding an Array)",
        """
        {
          "@type": "Property",
          "name": "position",
          "schema": "point"
        }
        """,
        context=V2,
        codes={"excludedType"},
        first='"schema": "point"',
        primary=frozenset({"dtmi:com:example:Pump:_contents:__position;1"}),
        words=("an Array", "dtmi:standard:schema:geospatial:point;2"),
        remedy=("Telemetry", "v3"),
    ),
    _pump(
        "Component whose schema is its own Interface",
        """
        {
          "@type": "Component",
          "name": "spare",
          "schema": "dtmi:com:example:Pump;1"
        }
        """,
        codes={"recursiveStructureNarrow"},
        first='"schema": "dtmi:com:example:Pump;1"',
        primary=frozenset({"dtmi:com:example:Pump:_contents:__spare;1"}),
        words=("schema", "dtmi:com:example:Pump;1", "leads back"),
        remedy=("schema",),
    ),
    Mistake(
        name="Interface that extends itself",
        files={"pump.json": _interface(PUMP, "", extra=f'  "extends": "{PUMP}",\n')},
        target="pump.json",
        codes=frozenset({"recursiveStructureNarrow"}),
        first='"extends"',
        last='"extends"',
        primary=frozenset({PUMP}),
        words=("extends", f"{PUMP} -> {PUMP}"),
        remedy=("extends",),
    ),
    Mistake(
        name="extends cycle of two Interfaces, with a third deriving from it",
        files={
            "device.json": _interface(
                "dtmi:com:example:Device;1", "", extra=f'  "extends": "{PUMP}",\n'
            ),
            "pump.json": _interface(PUMP, "", extra='  "extends": "dtmi:com:example:Device;1",\n'),
            "tank.json": _interface(
                "dtmi:com:example:Tank;1", "", extra=f'  "extends": "{PUMP}",\n'
            ),
        },
        target="device.json",
        codes=frozenset({"recursiveStructureNarrow"}),
        first='"extends"',
        last='"extends"',
        primary=frozenset({"dtmi:com:example:Device;1"}),
        words=(f"dtmi:com:example:Device;1 -> {PUMP} -> dtmi:com:example:Device;1",),
        remedy=("extends",),
    ),
]

IOTC = '["dtmi:dtdl:context;2", "dtmi:iotcentral:context;2"]'
MISTAKES += [
    *(
        _pump(
            f"Relationship target given as a blank node (DTDL v{version})",
            """
            {
              "@type": "Relationship",
              "name": "feeds",
              "target": "_:tank"
            }
            """,
            context=f'"dtmi:dtdl:context;{version}"',
            codes={"identifierNotDtmi"},
            first='"target": "_:tank"',
            primary=frozenset({"dtmi:com:example:Pump:_contents:__feeds;1"}),
            words=("_:tank", "target", "blank node"),
            remedy=("DTMI",),
        )
        for version in (2, 3)
    ),
    _pump(
        "id under dtmi:iotcentral: in a model using IoT Central's context",
        """
        {
          "@id": "dtmi:iotcentral:example:position;1",
          "@type": ["Property", "Location"],
          "name": "position",
          "schema": "geopoint"
        }
        """,
        context=IOTC,
        codes={"reservedId"},
        first='"@id": "dtmi:iotcentral:',
        primary=frozenset({None, "dtmi:iotcentral:example:position;1"}),
        words=("dtmi:iotcentral:example:position;1", "reserved", "dtmi:iotcentral:context;2"),
        remedy=("dtmi:iotcentral:",),
    ),
    _pump(
        "DTDL v2 semantic type with a unit that is no unit at all",
        """
        {
          "@type": ["Telemetry", "Temperature"],
          "name": "temperature",
          "schema": "double",
          "unit": "celsius"
        }
        """,
        context=V2,
        codes={"badDtmiOrTerm"},
        first='"unit": "celsius"',
        primary=frozenset({"dtmi:com:example:Pump:_contents:__temperature;1"}),
        words=("celsius", "unit"),
        remedy=("degreeCelsius",),
    ),
    _pump(
        "DTDL v2 semantic type with a unit of another semantic type",
        """
        {
          "@type": ["Telemetry", "Temperature"],
          "name": "temperature",
          "schema": "double",
          "unit": "percent"
        }
        """,
        context=V2,
        codes={"badType", "wrongParent"},
        first='"unit": "percent"',
        primary=frozenset({"dtmi:com:example:Pump:_contents:__temperature;1"}),
        words=("percent", "TemperatureUnit"),
        remedy=("degreeCelsius, degreeFahrenheit, kelvin",),
    ),
    _pump(
        "DTDL v2 semantic type with a schema name as its unit",
        """
        {
          "@type": ["Property", "Temperature"],
          "name": "setpoint",
          "schema": "double",
          "unit": "double"
        }
        """,
        context=V2,
        codes={"badType", "wrongParent"},
        first='"unit": "double"',
        primary=frozenset({"dtmi:com:example:Pump:_contents:__setpoint;1"}),
        words=("double", "TemperatureUnit"),
        remedy=("kelvin",),
    ),
    _pump(
        "Enum valueSchema that is not integer or string",
        """
        {
          "@type": "Property",
          "name": "mode",
          "schema": {
            "@type": "Enum",
            "valueSchema": "double",
            "enumValues": [{"name": "low", "enumValue": 1.5}]
          }
        }
        """,
        codes={"incorrectPropertyValue"},
        first='"valueSchema": "double"',
        primary=frozenset({"dtmi:com:example:Pump:_contents:__mode:_schema;1"}),
        words=("valueSchema", "double"),
        remedy=("integer or string",),
    ),
    _pump(
        "commandType that is neither synchronous nor asynchronous",
        """
        {
          "@type": "Command",
          "name": "reset",
          "commandType": "immediate"
        }
        """,
        context=V2,
        codes={"badDtmiOrTerm"},
        first='"commandType": "immediate"',
        primary=frozenset({"dtmi:com:example:Pump:_contents:__reset;1"}),
        words=("immediate", "commandType"),
        remedy=("asynchronous or synchronous",),
    ),
    Mistake(
        name="the same @id defined in two files",
        files={
            "device.json": _interface("dtmi:com:example:Device;1", ""),
            "pump.json": _interface("dtmi:com:example:Device;1", ""),
        },
        target="pump.json",
        codes=frozenset({"duplicateDefinition"}),
        first='"@id"',
        last='"@id"',
        primary=frozenset({"dtmi:com:example:Device;1"}),
        words=("more than once", "first definition is in", "at line 3"),
        remedy=("unique",),
    ),
]

IDS = [m.name for m in MISTAKES]


def _matching(mistake: Mistake) -> list[dtdl.Diagnostic]:
    names = list(mistake.files)
    diagnostics = dtdl.validate([mistake.files[n] for n in names])
    assert all(isinstance(d, dtdl.Diagnostic) for d in diagnostics)
    assert any(d.severity == "error" for d in diagnostics), "the mistake was not reported"
    found = [d for d in diagnostics if d.code in mistake.codes]
    assert found, f"expected an error coded {sorted(mistake.codes)}; got " + "; ".join(
        f"{d.code} @ {d.document}:{d.line} {d.primary_id}: {d.message}" for d in diagnostics
    )
    return found


@pytest.mark.parametrize("mistake", MISTAKES, ids=IDS)
def test_api_reports_where_what_and_how_to_fix(mistake: Mistake) -> None:
    found = _matching(mistake)
    document = list(mistake.files).index(mistake.target)
    low, high = mistake.line_range()
    problems = []
    for diagnostic in found:
        checks = {
            "severity": diagnostic.severity == "error",
            "document": diagnostic.document == document,
            "line": diagnostic.line is not None and low <= diagnostic.line <= high,
            "column": diagnostic.column is not None and diagnostic.column >= 1,
            "primary_id": diagnostic.primary_id in mistake.primary,
            "words": all(w.lower() in diagnostic.message.lower() for w in mistake.words),
            "action": any(r.lower() in diagnostic.action.lower() for r in mistake.remedy),
        }
        failed = [name for name, ok in checks.items() if not ok]
        if not failed:
            return
        problems.append(
            f"{diagnostic.code}: wrong {', '.join(failed)} (document {diagnostic.document}, "
            f"line {diagnostic.line}, column {diagnostic.column}, primary {diagnostic.primary_id}; "
            f"cause {diagnostic.cause!r}; action {diagnostic.action!r})"
        )
    pytest.fail(
        f"expected document {document}, lines {low}-{high}, primary in {set(mistake.primary)}, "
        f"words {mistake.words}, remedy one of {mistake.remedy}; got " + " | ".join(problems)
    )


LINE = re.compile(
    r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): error\[(?P<code>\w+)\]: (?P<msg>.+)$"
)


@pytest.mark.parametrize("mistake", MISTAKES, ids=IDS)
def test_cli_line_names_file_line_element_and_remedy(
    mistake: Mistake, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, text in mistake.files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    code = main(["dtdl", "validate", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 1, out
    target = str(tmp_path / mistake.target)
    low, high = mistake.line_range()
    lines = [m for m in map(LINE.match, out.splitlines()) if m and m["code"] in mistake.codes]
    assert lines, f"no error coded {sorted(mistake.codes)} in:\n{out}"
    expected_ids = {p for p in mistake.primary if p is not None}
    for match in lines:
        message = match["msg"]
        if (
            match["file"] == target
            and low <= int(match["line"]) <= high
            and all(w.lower() in message.lower() for w in mistake.words)
            and (None in mistake.primary or any(p in message for p in expected_ids))
        ):
            return
    pytest.fail(f"expected {target}:{low}-{high} naming {expected_ids or 'the file'}; got:\n{out}")
