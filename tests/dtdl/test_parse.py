"""Parsing model sets into typed elements, and what errors look like."""

from __future__ import annotations

import json
from typing import Any, Literal

import pytest

import dtdl

V3 = "dtmi:dtdl:context;3"
QT = "dtmi:dtdl:extension:quantitativeTypes;1"


def interface(dtmi: str, contents: list[dict[str, Any]] | None = None, **extra: Any) -> str:
    doc: dict[str, Any] = {"@context": extra.pop("context", V3), "@id": dtmi}
    doc["@type"] = extra.pop("type", "Interface")
    if contents is not None:
        doc["contents"] = contents
    doc.update(extra)
    return json.dumps(doc, indent=2)


BASE = interface(
    "dtmi:ex:Base;1",
    [{"@type": "Property", "name": "serial", "schema": "string"}],
    displayName={"en": "Base", "de": "Basis"},
)
PUMP = interface(
    "dtmi:ex:Pump;1",
    [
        {
            "@type": ["Telemetry", "Temperature"],
            "name": "temp",
            "schema": "double",
            "unit": "degreeCelsius",
        },
        {
            "@type": "Property",
            "name": "mode",
            "writable": True,
            "schema": "dtmi:ex:Pump:Mode;1",
        },
        {"@type": "Component", "name": "motor", "schema": "dtmi:ex:Motor;1"},
        {
            "@type": "Relationship",
            "name": "feeds",
            "target": "dtmi:ex:Tank;1",
            "maxMultiplicity": 3,
            "properties": [{"@type": "Property", "name": "since", "schema": "dateTime"}],
        },
        {
            "@type": "Command",
            "name": "start",
            "request": {"name": "speed", "schema": "integer"},
            "response": {"name": "ok", "schema": "boolean"},
        },
    ],
    context=[V3, QT],
    extends="dtmi:ex:Base;1",
    description="A pump",
    schemas=[
        {
            "@id": "dtmi:ex:Pump:Mode;1",
            "@type": "Enum",
            "valueSchema": "string",
            "enumValues": [
                {"name": "off", "enumValue": "off"},
                {"name": "on", "enumValue": "on"},
            ],
        }
    ],
)
MOTOR = interface(
    "dtmi:ex:Motor;1",
    [
        {
            "@type": "Telemetry",
            "name": "load",
            "schema": {
                "@type": "Map",
                "mapKey": {"name": "phase", "schema": "string"},
                "mapValue": {
                    "name": "reading",
                    "schema": {
                        "@type": "Object",
                        "fields": [
                            {"name": "amps", "schema": "double"},
                            {
                                "name": "samples",
                                "schema": {"@type": "Array", "elementSchema": "long"},
                            },
                        ],
                    },
                },
            },
        }
    ],
)


@pytest.fixture(scope="module")
def model() -> dtdl.ModelSet:
    return dtdl.parse([PUMP, MOTOR, BASE])


def test_extends_is_flattened_and_bases_are_transitive(model: dtdl.ModelSet) -> None:
    pump = model.interfaces["dtmi:ex:Pump;1"]
    assert pump.extends == ("dtmi:ex:Base;1",)
    assert pump.bases == frozenset({"dtmi:ex:Base;1"})
    assert set(pump.contents) == {"temp", "mode", "motor", "feeds", "start", "serial"}
    assert pump.properties["serial"].id == "dtmi:ex:Base:_contents:__serial;1"
    assert model.extending("dtmi:ex:Base;1") == frozenset({"dtmi:ex:Pump;1"})
    assert model.extending("dtmi:ex:Pump;1") == frozenset()


def test_contents_are_typed(model: dtdl.ModelSet) -> None:
    pump = model.interfaces["dtmi:ex:Pump;1"]
    temp = pump.telemetries["temp"]
    assert temp.semantic_types == ("Temperature",)
    assert temp.unit == "degreeCelsius"
    assert isinstance(temp.schema, dtdl.PrimitiveSchema)
    assert temp.schema.name == "double"
    mode = pump.properties["mode"]
    assert mode.writable is True
    assert isinstance(mode.schema, dtdl.EnumSchema)
    assert [v.enum_value for v in mode.schema.enum_values] == ["off", "on"]
    assert pump.components["motor"].schema == "dtmi:ex:Motor;1"
    feeds = pump.relationships["feeds"]
    assert (feeds.target, feeds.max_multiplicity) == ("dtmi:ex:Tank;1", 3)
    assert set(feeds.properties) == {"since"}
    start = pump.commands["start"]
    assert start.request is not None and start.request.name == "speed"
    assert start.response is not None and start.response.schema == dtdl.PrimitiveSchema(
        "boolean", "dtmi:dtdl:instance:Schema:boolean;3"
    )
    assert pump.schemas == (mode.schema,)


def test_nested_schemas_and_automatic_ids(model: dtdl.ModelSet) -> None:
    load = model.interfaces["dtmi:ex:Motor;1"].telemetries["load"]
    assert isinstance(load.schema, dtdl.MapSchema)
    assert load.schema.id == "dtmi:ex:Motor:_contents:__load:_schema;1"
    reading = load.schema.map_value.schema
    assert isinstance(reading, dtdl.ObjectSchema)
    samples = reading.fields[1]
    assert (
        samples.id == "dtmi:ex:Motor:_contents:__load:_schema:_mapValue:_schema:_fields:__samples;1"
    )
    assert isinstance(samples.schema, dtdl.ArraySchema)
    assert model.element(samples.id) is samples


def test_localised_strings(model: dtdl.ModelSet) -> None:
    assert dict(model.interfaces["dtmi:ex:Base;1"].display_name) == {"en": "Base", "de": "Basis"}
    assert dict(model.interfaces["dtmi:ex:Pump;1"].description) == {"en": "A pump"}


def test_document_order_does_not_matter() -> None:
    forward = dtdl.parse([PUMP, MOTOR, BASE])
    backward = dtdl.parse([BASE, MOTOR, PUMP])
    assert set(forward.interfaces) == set(backward.interfaces)


def test_missing_reference_raises_resolution_error() -> None:
    with pytest.raises(dtdl.ResolutionError) as info:
        dtdl.parse([PUMP, BASE])
    assert info.value.undefined == ("dtmi:ex:Motor;1",)
    (diag,) = info.value.diagnostics
    assert diag.validation_id == "dtmi:dtdl:resolutionError:unresolvedIdentifier"
    assert diag.property == "schema"


def test_resolver_supplies_missing_models() -> None:
    asked: list[list[str]] = []

    def resolve(dtmis: list[str]) -> list[str]:
        asked.append(dtmis)
        return [MOTOR] if "dtmi:ex:Motor;1" in dtmis else []

    model = dtdl.parse([PUMP, BASE], options=dtdl.ParseOptions(resolver=resolve))
    assert asked == [["dtmi:ex:Motor;1"]]
    assert "dtmi:ex:Motor;1" in model.interfaces


def test_error_has_location_and_plain_words() -> None:
    text = interface("dtmi:ex:Bad;1", [{"@type": "Property", "name": "p"}])
    (diag,) = dtdl.validate([text])
    assert diag.validation_id == "dtmi:dtdl:parsingError:missingObjectProperty"
    assert diag.primary_id == "dtmi:ex:Bad:_contents:__p;1"
    assert diag.property == "schema"
    assert (diag.document, diag.line, diag.column) == (0, 6, 5)
    assert "schema" in diag.cause and diag.action
    with pytest.raises(dtdl.ParsingError) as info:
        dtdl.parse([text])
    assert not isinstance(info.value, dtdl.ResolutionError)
    assert info.value.diagnostics == [diag]


def test_duplicate_json_keys_are_reported() -> None:
    text = '{"@context": "dtmi:dtdl:context;3", "@id": "dtmi:ex:A;1", "@type": "Interface",\n'
    text += ' "displayName": "a", "displayName": "b"}'
    (diag,) = dtdl.validate([text])
    assert diag.code == "duplicatePropertyName"
    assert (diag.primary_id, diag.property, diag.line) == ("dtmi:ex:A;1", "displayName", 2)


def test_max_dtdl_version_rejects_v3() -> None:
    text = interface("dtmi:ex:A;1")
    codes = [d.code for d in dtdl.validate([text], options=dtdl.ParseOptions(max_dtdl_version=2))]
    assert codes == ["disallowedContextVersion"]


def test_undefined_extension_is_rejected_in_v3_unless_allowed() -> None:
    text = interface(
        "dtmi:ex:A;1",
        [{"@type": ["Property", "Fancy"], "name": "p", "schema": "double"}],
        context=[V3, "dtmi:acme:context;1"],
    )
    assert [d.code for d in dtdl.validate([text])] == ["unresolvableContextSpecifier"]
    allowed = dtdl.ParseOptions(allow_undefined_extensions=True)
    assert dtdl.validate([text], options=allowed) == []
    assert dtdl.parse([text], options=allowed).interfaces["dtmi:ex:A;1"].properties["p"].types == (
        "Property",
        "Fancy",
    )


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "notJsonObject"),
        ('{"@context": "dtmi:dtdl:context;3", "@id": ', "notJsonObject"),
        ("[" * 100_000 + "]" * 100_000, "notJsonObject"),
        ("42", "notJsonObject"),
        ("[1, 2]", "notJsonObject"),
        ('{"@id": "dtmi:ex:A;1", "@type": "Interface"}', "missingContext"),
    ],
)
def test_bad_input_becomes_a_diagnostic(text: str, code: str) -> None:
    assert [d.code for d in dtdl.validate([text])] == [code]


def test_cyclic_extends_is_one_error_at_the_extends_line() -> None:
    a = interface("dtmi:ex:A;1", extends="dtmi:ex:B;1")
    b = interface("dtmi:ex:B;1", extends="dtmi:ex:A;1")
    # Interfaces that only derive from the cycle add no error of their own
    derived = [
        interface(f"dtmi:ex:D{i};1", extends="dtmi:ex:B;1" if i == 0 else f"dtmi:ex:D{i - 1};1")
        for i in range(12)
    ]
    diags = dtdl.validate([a, b, *derived])
    assert [(d.code, d.primary_id, d.property, d.document) for d in diags] == [
        ("recursiveStructureNarrow", "dtmi:ex:A;1", "extends", 0)
    ]
    assert (
        diags[0].line
        == a.splitlines().index(next(line for line in a.splitlines() if '"extends"' in line)) + 1
    )
    assert "dtmi:ex:A;1 -> dtmi:ex:B;1 -> dtmi:ex:A;1" in diags[0].cause


def test_deeply_nested_schema_is_limited() -> None:
    schema: dict[str, Any] = {"@type": "Array", "elementSchema": "double"}
    for _ in range(300):
        schema = {"@type": "Array", "elementSchema": schema}
    text = interface("dtmi:ex:A;1", [{"@type": "Property", "name": "p", "schema": schema}])
    assert "excessiveDepthWide" in {d.code for d in dtdl.validate([text])}


def test_interface_over_one_mebibyte_is_too_large() -> None:
    contents = [
        {"@type": "Property", "name": f"p{i}", "schema": "double", "description": "x" * 400}
        for i in range(3000)
    ]
    (diag,) = dtdl.validate([interface("dtmi:ex:Big;1", contents)])
    assert (diag.code, diag.primary_id) == ("partitionTooLarge", "dtmi:ex:Big;1")


# ---- ParseOptions.tolerate_solecisms: the reference parser's lenient reading of v2 models
V2 = "dtmi:dtdl:context;2"
LENIENT = dtdl.ParseOptions(tolerate_solecisms=frozenset({"parse"}))
TWIN_NAMES = [
    {"@type": "Property", "name": "distance", "schema": "double"},
    {"@type": "Property", "name": "distance", "schema": "integer"},
]


def _codes(texts: list[str], options: dtdl.ParseOptions | None = None) -> list[str]:
    return [d.code for d in dtdl.validate(texts, options=options) if d.severity == "error"]


@pytest.mark.parametrize(
    ("doc", "code"),
    [
        ({"contents": TWIN_NAMES}, "nonUniquePropertyValue"),
        ({"extends": [{"@id": "dtmi:ex:Base;1"}]}, "idReference"),
        ({"@id": "dtmi:dtdl:Thing;1"}, "reservedId"),
        (
            {
                "contents": [
                    {
                        "@id": "dtmi:standard:t;1",
                        "@type": "Telemetry",
                        "name": "t",
                        "schema": "long",
                    }
                ]
            },
            "reservedId",
        ),
    ],
    ids=[
        "duplicate-automatic-id",
        "id-only-object",
        "reserved-interface-id",
        "reserved-content-id",
    ],
)
def test_solecisms_are_errors_by_default_and_in_v3_tolerated_in_v2_when_asked(
    doc: dict[str, Any], code: str
) -> None:
    for context in (V2, V3):
        fields = {"@id": "dtmi:ex:Thing;1", **doc}
        text = interface(fields.pop("@id"), context=context, **fields)
        texts = [text, interface("dtmi:ex:Base;1", context=context)]
        assert code in _codes(texts), context
        assert code in _codes(texts, dtdl.ParseOptions(tolerate_solecisms=frozenset({"resolve"})))
        lenient = _codes(texts, LENIENT)
        if context == V3:
            assert code in lenient
        else:
            assert lenient == [], lenient


def test_tolerated_solecisms_build_the_model_the_reference_parser_builds() -> None:
    child = interface(
        "dtmi:ex:Child;1", TWIN_NAMES, context=V2, extends=[{"@id": "dtmi:ex:Base;1"}]
    )
    base = interface(
        "dtmi:ex:Base;1",
        [{"@type": "Telemetry", "name": "level", "schema": "float"}],
        context=V2,
    )
    model = dtdl.parse([child, base], options=LENIENT)
    interface_ = model.interfaces["dtmi:ex:Child;1"]
    assert interface_.extends == ("dtmi:ex:Base;1",)
    assert set(interface_.contents) == {"distance", "level"}
    distance = interface_.properties["distance"]
    assert isinstance(distance.schema, dtdl.PrimitiveSchema)
    assert distance.schema.name == "double"  # the first definition; the repeat is ignored


def test_solecisms_are_tolerated_per_phase_parse_or_resolve() -> None:
    top = interface(
        "dtmi:ex:Top;1",
        [{"@type": "Component", "name": "c", "schema": "dtmi:ex:Child;1"}],
        context=V2,
    )
    child = interface("dtmi:ex:Child;1", TWIN_NAMES, context=V2)

    def resolve(dtmis: list[str]) -> list[str]:
        return [child] if "dtmi:ex:Child;1" in dtmis else []

    def codes(*phases: Literal["parse", "resolve"]) -> list[str]:
        options = dtdl.ParseOptions(resolver=resolve, tolerate_solecisms=frozenset(phases))
        return _codes([top], options)

    assert codes() == ["nonUniquePropertyValue"]
    assert codes("parse") == ["nonUniquePropertyValue"]  # the child came from the resolver
    assert codes("resolve") == []
    assert codes("parse", "resolve") == []


def test_id_only_object_with_a_non_string_id_is_still_an_error_when_lenient() -> None:
    text = interface("dtmi:ex:A;1", context=V2, extends=[{"@id": 7}])
    assert _codes([text], LENIENT) == ["idRefBadDtmiOrTerm"]


@pytest.mark.parametrize("bad", [frozenset({"Parse"}), "parse", frozenset({1})])
def test_tolerate_solecisms_rejects_unknown_phases(bad: Any) -> None:
    with pytest.raises(dtdl.DtdlError, match="tolerate_solecisms"):
        dtdl.ParseOptions(tolerate_solecisms=bad)


def test_tolerate_solecisms_accepts_any_collection_of_phases() -> None:
    options = dtdl.ParseOptions(tolerate_solecisms=["resolve"])  # type: ignore[arg-type]
    assert options.tolerate_solecisms == frozenset({"resolve"})
    assert dtdl.ParseOptions().tolerate_solecisms == frozenset()
