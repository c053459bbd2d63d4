"""IoT Central's v2 schemas: ``geopoint`` and ``vector`` are Objects of three doubles.

They hold no Array, so unlike the geospatial schemas (GeoJSON Objects whose
``coordinates`` is an Array) a DTDL v2 Property may use them.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

import dtdl

IOTC = ["dtmi:dtdl:context;2", "dtmi:iotcentral:context;2"]
GEOPOINT = "dtmi:iotcentral:schema:geopoint;2"
VECTOR = "dtmi:iotcentral:schema:vector;2"
DOUBLE = "dtmi:dtdl:instance:Schema:double;2"


def _model(*contents: dict[str, Any], context: Any = IOTC) -> str:
    return json.dumps(
        {
            "@context": context,
            "@id": "dtmi:com:example:Tracker;1",
            "@type": "Interface",
            "contents": list(contents),
        },
        indent=2,
    )


def _errors(text: str) -> list[str]:
    return [
        f"{d.code} at line {d.line}: {d.message}"
        for d in dtdl.validate([text])
        if d.severity == "error"
    ]


@pytest.mark.parametrize(
    "content",
    [
        {"@type": "Property", "name": "position", "schema": "geopoint", "writable": True},
        {"@type": ["Property", "Location"], "name": "position", "schema": "geopoint"},
        {"@type": "Property", "name": "position", "schema": GEOPOINT},
        {"@type": "Property", "name": "tilt", "schema": "vector"},
        {"@type": ["Property", "VelocityVector"], "name": "drift", "schema": "vector"},
        {
            "@type": "Property",
            "name": "route",
            "schema": {
                "@type": "Object",
                "fields": [{"name": "start", "schema": "geopoint"}],
            },
        },
        {
            "@type": "Property",
            "name": "offsets",
            "schema": {
                "@type": "Map",
                "mapKey": {"name": "axis", "schema": "string"},
                "mapValue": {"name": "offset", "schema": "vector"},
            },
        },
        {"@type": ["Telemetry", "AccelerationVector"], "name": "accel", "schema": "vector"},
    ],
    ids=lambda c: f"{c['name']}-{c['schema'] if isinstance(c['schema'], str) else 'nested'}",
)
def test_v2_property_and_telemetry_may_use_geopoint_and_vector(content: dict[str, Any]) -> None:
    assert _errors(_model(content)) == []


def test_a_geospatial_point_is_still_excluded_from_a_v2_property() -> None:
    text = _model({"@type": "Property", "name": "position", "schema": "point"})
    [diagnostic] = [d for d in dtdl.validate([text]) if d.severity == "error"]
    assert diagnostic.code == "excludedType"
    assert diagnostic.primary_id == "dtmi:com:example:Tracker:_contents:__position;1"
    assert diagnostic.secondary_id == "dtmi:standard:schema:geospatial:point;2"
    assert "contains an Array" in diagnostic.cause
    assert " a Array" not in diagnostic.message


def test_the_parsed_schema_is_an_object_of_three_doubles() -> None:
    text = _model(
        {"@type": ["Property", "Location"], "name": "position", "schema": "geopoint"},
        {"@type": "Telemetry", "name": "tilt", "schema": "vector"},
    )
    model = dtdl.parse([text])
    tracker = model.interfaces["dtmi:com:example:Tracker;1"]
    position = tracker.contents["position"]
    assert isinstance(position, dtdl.Property)
    assert isinstance(position.schema, dtdl.ObjectSchema)
    assert position.schema.id == GEOPOINT
    assert [(f.name, f.schema.id) for f in position.schema.fields] == [
        ("lon", DOUBLE),
        ("lat", DOUBLE),
        ("alt", DOUBLE),
    ]
    tilt = tracker.contents["tilt"]
    assert isinstance(tilt, dtdl.Telemetry)
    assert isinstance(tilt.schema, dtdl.ObjectSchema)
    assert [f.name for f in tilt.schema.fields] == ["x", "y", "z"]


def test_instances_are_checked_field_by_field() -> None:
    text = _model({"@type": "Property", "name": "position", "schema": "geopoint"})
    model = dtdl.parse([text])
    position = "dtmi:com:example:Tracker:_contents:__position;1"
    assert model.check_instance(position, {"lat": 47.6, "lon": -122.1, "alt": 12.5})
    assert not model.check_instance(position, {"lat": "47.6"})
    assert not model.check_instance(position, {"latitude": 47.6})
    assert model.check_instance(VECTOR, {"x": 0, "y": 1.5, "z": -2})
    assert not model.check_instance(VECTOR, [0, 1, 2])


def test_the_terms_need_the_iot_central_context() -> None:
    text = _model(
        {"@type": "Property", "name": "position", "schema": "geopoint"},
        context="dtmi:dtdl:context;2",
    )
    codes = [d.code for d in dtdl.validate([text]) if d.severity == "error"]
    assert codes == ["badDtmiOrTerm"]


def test_vector_semantic_types_require_a_vector() -> None:
    text = _model({"@type": ["Telemetry", "VelocityVector"], "name": "drift", "schema": "geopoint"})
    [diagnostic] = [d for d in dtdl.validate([text]) if d.severity == "error"]
    assert diagnostic.code == "notRequiredValue"
    assert diagnostic.property == "schema"
    assert diagnostic.secondary_id == GEOPOINT
    assert diagnostic.action.endswith("allows: vector.")


def test_ids_under_dtmi_iotcentral_are_reserved_where_its_context_is_used() -> None:
    own = {"@context": IOTC, "@id": "dtmi:iotcentral:example:Tracker;1", "@type": "Interface"}
    [diagnostic] = dtdl.validate([json.dumps(own, indent=2)])
    assert diagnostic.code == "reservedId"
    assert diagnostic.value == "dtmi:iotcentral:example:Tracker;1"
    assert diagnostic.line == 6
    assert "dtmi:iotcentral:context;2" in diagnostic.cause
    # without IoT Central's context the prefix is an ordinary one (as the reference parser has it)
    plain = dict(own, **{"@context": "dtmi:dtdl:context;2"})
    assert dtdl.validate([json.dumps(plain)]) == []
