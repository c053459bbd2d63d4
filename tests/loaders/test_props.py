"""Row properties: the field table of a model, and the shared value rules applied to rows."""

from __future__ import annotations

import dtdl
from loaders import sample_plant_paths
from loaders._props import Models, check, coerce
from ontology.graph._limits import MAX_STRING
from tests.loaders._plant import MACHINE


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


def test_a_row_string_over_the_store_limit_is_refused_with_the_limit() -> None:
    folder = sample_plant_paths()[0]
    models = Models(
        dtdl.parse([p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.json"))])
    )
    view = models.view(MACHINE)
    name = next(
        n for n, p in view.properties.items() if getattr(p.schema, "name", None) == "string"
    )
    long = "x" * (MAX_STRING + 1)
    out, reasons = check(models, MACHINE, {name: long}, textual=True)
    assert out == {}
    assert reasons == [
        f"property {name!r} of model {MACHINE}: a string of {MAX_STRING + 1} characters; "
        f"at most {MAX_STRING} (string)"
    ]
    fine, none = check(models, MACHINE, {name: "x" * MAX_STRING}, textual=True)
    assert none == [] and fine == {name: "x" * MAX_STRING}


def test_cell_messages_use_the_article_of_the_schema_name() -> None:
    text = """{"@context": "dtmi:dtdl:context;3", "@id": "dtmi:example:Cell;1",
      "@type": "Interface", "contents": [
        {"@type": "Property", "name": "count", "schema": "integer"},
        {"@type": "Property", "name": "tags",
         "schema": {"@type": "Array", "elementSchema": "string"}},
        {"@type": "Property", "name": "spot", "schema": {"@type": "Object", "fields": [
          {"name": "x", "schema": "double"}]}}]}"""
    interface = dtdl.parse([text]).interfaces["dtmi:example:Cell;1"]
    schemas = {name: p.schema for name, p in interface.properties.items()}
    assert coerce("lots", schemas["count"]) == (
        None,
        "'lots' is not an integer; expected a whole number",
    )
    assert coerce("[1", schemas["tags"]) == (
        None,
        "'[1' is not JSON; an array cell holds a JSON value",
    )
    assert coerce("{", schemas["spot"]) == (
        None,
        "'{' is not JSON; an object cell holds a JSON value",
    )
