"""The row checks' shortcuts for common schemas decide exactly as ``ModelSet.check_instance``."""

from __future__ import annotations

import json
import math

import pytest

import dtdl
from loaders import sample_plant_paths
from loaders._props import Models, validator
from tests.loaders._plant import MACHINE

DTMI = "dtmi:test:loaders:Kinds;1"
SCHEMAS: dict[str, object] = {
    "aString": "string",
    "aBoolean": "boolean",
    "aDouble": "double",
    "aFloat": "float",
    "anInteger": "integer",
    "aLong": "long",
    "aDate": "date",
    "aStringEnum": {
        "@type": "Enum",
        "valueSchema": "string",
        "enumValues": [{"name": "low", "enumValue": "low"}, {"name": "high", "enumValue": "high"}],
    },
    "anIntegerEnum": {
        "@type": "Enum",
        "valueSchema": "integer",
        "enumValues": [{"name": "one", "enumValue": 1}, {"name": "two", "enumValue": 2}],
    },
    "anArray": {"@type": "Array", "elementSchema": "double"},
}
BOUNDS = (0, 2**31, -(2**31), 2**63, -(2**63))
VALUES: list[object] = [
    *(bound + step for bound in BOUNDS for step in (-1, 0, 1)),
    *("", "low", "high", "2024-02-29", "2023-02-29"),
    *(True, False, None, 10**400),
    *(0.0, 1.5, -2.5, 3.5e38, 1e308, math.inf, -math.inf, math.nan),
    *([1.0, 2], ["x"], {"low": 1}),
]


def _models() -> Models:
    document = {
        "@context": "dtmi:dtdl:context;3",
        "@id": DTMI,
        "@type": "Interface",
        "contents": [
            {"@type": "Property", "name": name, "schema": schema}
            for name, schema in SCHEMAS.items()
        ],
    }
    return Models(dtdl.parse([json.dumps(document)]))


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_each_validator_agrees_with_check_instance(name: str) -> None:
    models = _models()
    prop = models.view(DTMI).properties[name]
    valid = validator(models.model_set, prop)
    for value in VALUES:
        try:
            expected = models.model_set.check_instance(prop.id, value)
        except (OverflowError, TypeError):
            expected = None  # dtdl itself cannot decide (e.g. a huge int as a double)
        if expected is None:
            with pytest.raises((OverflowError, TypeError)):
                valid(value)
        else:
            assert valid(value) is expected, f"{name}: {value!r}"


def test_the_field_table_names_component_properties_by_component() -> None:
    folder = sample_plant_paths()[0]
    texts = [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.json"))]
    models = Models(dtdl.parse(texts))
    view = models.view(MACHINE)
    nameplate = view.components["nameplate"]
    assert nameplate
    assert {f"nameplate.{name}" for name in nameplate} <= set(view.fields)
    assert set(view.properties) <= set(view.fields)
    assert view.fields["nameplate.ratedVoltage"][0] is nameplate["ratedVoltage"]
    assert "nameplate" not in view.fields  # a Component is not a Property
