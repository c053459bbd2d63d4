"""The public surface of ``dtdl``: exported names, settings and error types."""

from __future__ import annotations

import dataclasses

import pytest

import dtdl

EXPECTED = [
    "ArraySchema",
    "Command",
    "CommandPayload",
    "Component",
    "Content",
    "Diagnostic",
    "DtdlError",
    "Element",
    "EnumSchema",
    "EnumValue",
    "Field",
    "Interface",
    "MapKey",
    "MapSchema",
    "MapValue",
    "ModelSet",
    "ObjectSchema",
    "ParseOptions",
    "ParsingError",
    "PrimitiveSchema",
    "Property",
    "Relationship",
    "ResolutionError",
    "Schema",
    "Telemetry",
    "parse",
    "validate",
    "with_article",
]


def test_all_is_the_documented_surface() -> None:
    assert sorted(dtdl.__all__) == EXPECTED
    for name in dtdl.__all__:
        assert hasattr(dtdl, name), name


def test_error_hierarchy() -> None:
    assert issubclass(dtdl.ParsingError, dtdl.DtdlError)
    assert issubclass(dtdl.ResolutionError, dtdl.ParsingError)


def test_parse_options_defaults_follow_the_version() -> None:
    options = dtdl.ParseOptions()
    assert options.allow_undefined_extensions is None
    assert options.allows_undefined(2) is True
    assert options.allows_undefined(3) is False
    assert dtdl.ParseOptions(allow_undefined_extensions=True).allows_undefined(3) is True
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.max_dtdl_version = 2  # type: ignore[misc]


def test_diagnostic_message_is_cause_then_action() -> None:
    diag = dtdl.validate(["{}"])[0]
    assert diag.validation_id == "dtmi:dtdl:parsingError:missingContext"
    assert diag.message == f"{diag.cause} {diag.action}"
    assert diag.severity == "error"
    assert diag.document == 0
    assert (diag.line, diag.column) == (1, 1)


def test_model_set_is_immutable() -> None:
    model = dtdl.parse(
        ['{"@context": "dtmi:dtdl:context;3", "@id": "dtmi:ex:A;1", "@type": "Interface"}']
    )
    with pytest.raises(AttributeError):
        model.extra = 1
    with pytest.raises(TypeError):
        model.interfaces["dtmi:ex:B;1"] = model.interfaces["dtmi:ex:A;1"]  # type: ignore[index]
