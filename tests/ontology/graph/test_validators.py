"""The shared value validator: its inline checks decide as ``ModelSet.check_instance``; limits."""

from __future__ import annotations

import json
import math

import pytest

import dtdl
from ontology import property_validator, value_problem
from ontology.graph._limits import MAX_STRING, MAX_VALUE_JSON
from ontology.graph._validators import compile_validator

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


def _model_set() -> dtdl.ModelSet:
    document = {
        "@context": "dtmi:dtdl:context;3",
        "@id": DTMI,
        "@type": "Interface",
        "contents": [
            {"@type": "Property", "name": name, "schema": schema}
            for name, schema in SCHEMAS.items()
        ],
    }
    return dtdl.parse([json.dumps(document)])


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_each_validator_agrees_with_check_instance(name: str) -> None:
    model_set = _model_set()
    prop = model_set.interfaces[DTMI].properties[name]
    valid = property_validator(model_set, prop)
    for value in VALUES:
        try:
            expected = model_set.check_instance(prop.id, value)
        except (OverflowError, TypeError):
            expected = None  # dtdl itself cannot decide (e.g. a huge int as a double)
        if expected is not None:  # else there is no rule to agree with
            assert valid(value) is expected, f"{name}: {value!r}"


def test_a_string_over_the_limit_does_not_fit_and_the_problem_names_the_limit() -> None:
    model_set = _model_set()
    valid = property_validator(model_set, model_set.interfaces[DTMI].properties["aString"])
    assert valid("x" * MAX_STRING)
    assert not valid("x" * (MAX_STRING + 1))
    problem = value_problem(valid, "x" * (MAX_STRING + 1))
    assert problem == f"a string of {MAX_STRING + 1} characters; at most {MAX_STRING}"


def test_value_problem_words_null_size_and_schema() -> None:
    model_set = _model_set()
    props = model_set.interfaces[DTMI].properties
    valid = property_validator(model_set, props["anInteger"])
    assert value_problem(valid, 3) is None
    assert value_problem(valid, None) == "is null; leave it out instead"
    assert value_problem(valid, "3") == "'3' does not fit its schema"
    array = property_validator(model_set, props["anArray"])
    big = [1.0] * (MAX_VALUE_JSON // 4)
    assert not array(big)
    assert (value_problem(array, big) or "").endswith(f"JSON characters; at most {MAX_VALUE_JSON}")


PRIMITIVES = ("boolean", "string", "integer", "long", "double", "float", "date", "dateTime")
PRIMITIVE_VALUES: list[object] = [
    True,
    False,
    0,
    1,
    -1,
    2**31 - 1,
    2**31,
    -(2**31),
    -(2**31) - 1,
    2**63 - 1,
    2**63,
    1.5,
    -0.0,
    math.inf,
    math.nan,
    1e300,
    "",
    "text",
    "2024-02-29",
    "2024-02-30",
    "2024-01-01T10:00:00Z",
    None,
    [],
    [1],
    {},
    {"a": 1},
]


def _model_with(schema: str) -> str:
    return (
        '{"@context": "dtmi:dtdl:context;3", "@id": "dtmi:test:P;1", "@type": "Interface",'
        f' "contents": [{{"@type": "Property", "name": "p", "schema": {schema}}}]}}'
    )


@pytest.mark.parametrize("primitive", PRIMITIVES)
def test_compiled_validators_agree_with_check_instance(primitive: str) -> None:
    model_set = dtdl.parse([_model_with(f'"{primitive}"')])
    prop = model_set.interfaces["dtmi:test:P;1"].properties["p"]
    check = compile_validator(model_set, prop.id, prop.schema)
    for value in PRIMITIVE_VALUES:
        assert check(value) == model_set.check_instance(prop.id, value), (primitive, value)


def test_compiled_enum_validators_agree_with_check_instance() -> None:
    enum = (
        '{"@type": "Enum", "valueSchema": "integer", "enumValues": ['
        '{"name": "one", "enumValue": 1}, {"name": "two", "enumValue": 2}]}'
    )
    model_set = dtdl.parse([_model_with(enum)])
    prop = model_set.interfaces["dtmi:test:P;1"].properties["p"]
    check = compile_validator(model_set, prop.id, prop.schema)
    for value in [*VALUES, 2, 3, "1"]:
        assert check(value) == model_set.check_instance(prop.id, value), value
