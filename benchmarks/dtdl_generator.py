"""Synthetic DTDL v3 model sets for benchmarks and tests: valid by construction.

:func:`generate` returns one JSON text per Interface. The set has

- extends chains (every Interface whose index is not a multiple of ``chain``
  extends the previous one, so the depth stays below the DTDL limit of 10);
- Components: "part" Interfaces (the first ``parts`` of the set) hold no
  Component, and the other Interfaces use them as Component schemas;
- every content kind (Property, Telemetry, Relationship, Command, Component)
  and nested schemas: Object, Array, Map and Enum, inline and through the
  Interface's ``schemas``, nesting at most 4 levels (DTDL allows 5);
- semantic types with units (QuantitativeTypes extension).

Content names carry the Interface index, so names never clash through
``extends``.
"""

from __future__ import annotations

import json
from typing import Any

PREFIX = "dtmi:bench:gen"
CONTEXT = ["dtmi:dtdl:context;3", "dtmi:dtdl:extension:quantitativeTypes;1"]
KINDS = 8


def interface_id(index: int) -> str:
    return f"{PREFIX}:Model{index};1"


def _schema_id(index: int, k: int) -> str:
    return f"{PREFIX}:Model{index}:schema{k};1"


def _object(depth: int) -> dict[str, Any]:
    fields: list[dict[str, Any]] = [
        {"name": "value", "schema": "double"},
        {"name": "label", "schema": "string"},
    ]
    if depth > 0:
        fields.append({"name": "samples", "schema": {"@type": "Array", "elementSchema": "float"}})
    return {"@type": "Object", "fields": fields}


def _enum() -> dict[str, Any]:
    return {
        "@type": "Enum",
        "valueSchema": "integer",
        "enumValues": [
            {"name": "off", "enumValue": 0},
            {"name": "idle", "enumValue": 1},
            {"name": "running", "enumValue": 2},
        ],
    }


def _content(index: int, k: int, count: int, parts: int) -> dict[str, Any]:
    name = f"c{index}_{k}"
    kind = k % KINDS
    if kind == 0:
        return {"@type": "Property", "name": name, "schema": "double", "writable": True}
    if kind == 1:
        return {
            "@type": ["Telemetry", "Temperature"],
            "name": name,
            "schema": "double",
            "unit": "degreeCelsius",
        }
    if kind == 2:
        return {"@type": "Telemetry", "name": name, "schema": _object(1)}
    if kind == 3:
        return {
            "@type": "Property",
            "name": name,
            "schema": {
                "@type": "Map",
                "mapKey": {"name": "key", "schema": "string"},
                "mapValue": {
                    "name": "entry",
                    "schema": {"@type": "Array", "elementSchema": _object(0)},
                },
            },
        }
    if kind == 4:
        return {"@type": "Telemetry", "name": name, "schema": _schema_id(index, 0)}
    if kind == 5:
        return {
            "@type": "Relationship",
            "name": name,
            "target": interface_id((index + k) % count),
            "maxMultiplicity": 10,
            "properties": [{"@type": "Property", "name": "weight", "schema": "double"}],
        }
    if kind == 6:
        return {
            "@type": "Command",
            "name": name,
            "request": {"name": "setpoint", "schema": "double"},
            "response": {"name": "result", "schema": _enum()},
        }
    if index >= parts and parts > 0:
        return {"@type": "Component", "name": name, "schema": interface_id((index + k) % parts)}
    return {
        "@type": "Property",
        "name": name,
        "schema": {"@type": "Array", "elementSchema": "long"},
    }


def interface(index: int, *, count: int, contents: int, parts: int, chain: int) -> dict[str, Any]:
    """One Interface of a generated set (see the module docstring)."""
    model: dict[str, Any] = {
        "@context": CONTEXT,
        "@id": interface_id(index),
        "@type": "Interface",
        "displayName": f"Model {index}",
        "contents": [_content(index, k, count, parts) for k in range(contents)],
        "schemas": [{"@id": _schema_id(index, 0), **_enum()}],
    }
    if index % chain != 0:
        model["extends"] = interface_id(index - 1)
    return model


def generate(
    interfaces: int = 1000, contents: int = 20, *, chain: int = 5, parts: int | None = None
) -> list[str]:
    """``interfaces`` JSON texts (one Interface each, indented), valid as one set."""
    if chain < 1 or chain > 10:
        msg = f"chain is {chain}; expected 1..10 (DTDL v3 limits extends depth to 10)"
        raise ValueError(msg)
    if parts is None:
        parts = (interfaces // 10) // chain * chain
    texts = []
    for index in range(interfaces):
        model = interface(index, count=interfaces, contents=contents, parts=parts, chain=chain)
        texts.append(json.dumps(model, indent=2))
    return texts
