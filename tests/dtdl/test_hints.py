"""Actions name the concrete fix: the close term, the missing extension context, a valid name."""

from __future__ import annotations

import json

import dtdl


def _interface(*contents: dict[str, object], context: object = "dtmi:dtdl:context;3") -> str:
    return json.dumps(
        {
            "@context": context,
            "@id": "dtmi:com:example:Pump;1",
            "@type": "Interface",
            "contents": list(contents),
        }
    )


def _actions(text: str) -> dict[str, str]:
    return {d.validation_id.rsplit(":", 1)[1]: d.action for d in dtdl.validate([text])}


def test_a_misspelt_schema_term_gets_the_term_it_was_meant_to_be() -> None:
    text = _interface({"@type": "Property", "name": "flow", "schema": "dobule"})
    assert _actions(text)["badDtmiOrTerm"].endswith("Did you mean 'double'?")


def test_a_misspelt_class_gets_the_class_it_was_meant_to_be() -> None:
    text = _interface({"@type": "Proprety", "name": "flow", "schema": "double"})
    assert "Did you mean 'Property'?" in _actions(text)["typeUndefinedTerm"]


def test_a_semantic_type_without_its_context_names_the_context_to_add() -> None:
    text = _interface(
        {"@type": ["Telemetry", "Temperature"], "name": "t", "schema": "double", "unit": "kelvin"}
    )
    action = _actions(text)["typeUndefinedTerm"]
    assert '"dtmi:dtdl:extension:quantitativeTypes;1"' in action


def test_an_invalid_name_gets_a_valid_spelling() -> None:
    text = _interface({"@type": "Property", "name": "flow-rate", "schema": "double"})
    assert "For example 'flow_rate'." in _actions(text)["stringInvalid"]


def test_no_hint_when_nothing_is_close() -> None:
    text = _interface({"@type": "Property", "name": "flow", "schema": "qwertyuiop"})
    assert "Did you mean" not in _actions(text)["badDtmiOrTerm"]
