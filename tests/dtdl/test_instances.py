"""``ModelSet.check_instance``: does a JSON value fit an element's schema."""

from __future__ import annotations

import json

import pytest

import dtdl

MODEL = json.dumps(
    {
        "@context": "dtmi:dtdl:context;3",
        "@id": "dtmi:ex:Room;1",
        "@type": "Interface",
        "contents": [
            {"@type": "Property", "name": "temp", "schema": "double"},
            {"@type": "Telemetry", "name": "where", "schema": "point"},
            {
                "@type": "Property",
                "name": "state",
                "schema": {
                    "@type": "Enum",
                    "valueSchema": "integer",
                    "enumValues": [{"name": "off", "enumValue": 0}, {"name": "on", "enumValue": 1}],
                },
            },
            {
                "@type": "Property",
                "name": "limits",
                "schema": {
                    "@type": "Object",
                    "fields": [
                        {"name": "low", "schema": "float"},
                        {"name": "tags", "schema": {"@type": "Array", "elementSchema": "string"}},
                    ],
                },
            },
            {
                "@type": "Property",
                "name": "levels",
                "schema": {
                    "@type": "Map",
                    "mapKey": {"name": "floor", "schema": "string"},
                    "mapValue": {"name": "level", "schema": "long"},
                },
            },
            {"@type": "Relationship", "name": "next"},
        ],
    }
)
ROOM = "dtmi:ex:Room:_contents:__"


@pytest.fixture(scope="module")
def model() -> dtdl.ModelSet:
    return dtdl.parse([MODEL])


@pytest.mark.parametrize(
    ("element", "value", "expected"),
    [
        (f"{ROOM}temp;1", 21.5, True),
        (f"{ROOM}temp;1", 21, True),
        (f"{ROOM}temp;1", "21.5", False),
        (f"{ROOM}temp;1", True, False),
        (f"{ROOM}where;1", {"type": "Point", "coordinates": [8.5, 47.4]}, True),
        (f"{ROOM}where;1", {"type": "Point", "coordinates": [8.5]}, False),
        (f"{ROOM}state;1", 1, True),
        (f"{ROOM}state;1", 2, False),
        (f"{ROOM}state;1", 1.0, False),
        (f"{ROOM}limits;1", {"low": 1.5, "tags": ["a"]}, True),
        (f"{ROOM}limits;1", {}, True),
        (f"{ROOM}limits;1", {"low": 1e39}, False),
        (f"{ROOM}limits;1", {"high": 1}, False),
        (f"{ROOM}limits;1", {"tags": ["a", 1]}, False),
        (f"{ROOM}levels;1", {"1": 3, "2": -4}, True),
        (f"{ROOM}levels;1", {"1": 2**63}, False),
        (f"{ROOM}levels;1", [1], False),
        ("dtmi:dtdl:instance:Schema:dateTime;3", "2024-02-29T12:00:00Z", True),
        ("dtmi:dtdl:instance:Schema:dateTime;3", "2023-02-29T12:00:00Z", False),
        ("dtmi:dtdl:instance:Schema:duration;3", "P1DT2H", True),
        ("dtmi:dtdl:instance:Schema:duration;3", "P1.5DT2H", False),
        ("dtmi:dtdl:instance:Schema:integer;3", 2**31, False),
    ],
)
def test_check_instance(model: dtdl.ModelSet, element: str, value: object, expected: bool) -> None:
    assert model.check_instance(element, value) is expected


def test_elements_without_a_schema_raise(model: dtdl.ModelSet) -> None:
    with pytest.raises(dtdl.DtdlError, match="Relationship"):
        model.check_instance(f"{ROOM}next;1", 1)
    with pytest.raises(KeyError):
        model.check_instance("dtmi:ex:Nowhere;1", 1)
