"""The DTDL-to-AAS mapping on the sample plant and on a model using every construct."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from aas_core3_1 import jsonization
from aas_core3_1 import types as t

import aas
import ontology
from tests.aas._check import check_json

FILLER = "acme/jkt1/packaging/line1/filler1"
MACHINE = "dtmi:twinweave:sample:Machine;1"


def _view(store: ontology.GraphStore, mapper: aas.TwinMapper, twin: str) -> aas.TwinView:
    view = aas.TwinReader(store, mapper.ids).views([twin])[0]
    assert view is not None
    return view


def _json(obj: t.Class) -> Any:
    return jsonization.to_jsonable(obj)


def _elements(submodel: t.Submodel) -> dict[str, Any]:
    return {e["idShort"]: e for e in _json(submodel)["submodelElements"]}


def test_a_twin_is_a_shell_with_asset_ids_from_its_aliases(
    plant: ontology.MemoryStore, mapper: aas.TwinMapper
) -> None:
    shell = _json(mapper.shell(_view(plant, mapper, FILLER)))
    info = shell["assetInformation"]
    assert shell["id"] == f"urn:twinweave:aas:{FILLER}"
    assert info["assetKind"] == "Instance"
    assert info["globalAssetId"] == f"urn:twinweave:asset:{FILLER}"
    assert info["assetType"] == MACHINE
    pairs = {(s["name"], s["value"]) for s in info["specificAssetIds"]}
    assert pairs == {
        ("erp", "EQ-10001"),
        ("mac", "00:1b:1b:4a:00:10"),
        ("sparkplug", "JKT1/PACKAGING-LINE1/filler1"),
        ("twinId", FILLER),
    }
    refs = [r["keys"][0]["value"].rsplit("#", 1)[1] for r in shell["submodels"]]
    assert refs == ["model", "component.nameplate", "nameplate", "timeseries", "hierarchy"]


def test_an_aas_alias_is_the_global_asset_id(plant: ontology.MemoryStore) -> None:
    store = ontology.MemoryStore()
    store.add_models([m.text for m in plant.list_models()], principal="t")
    store.create_twin(
        ontology.TwinSpec(
            id="m1", model=MACHINE, aliases=(ontology.Alias("aas", "https://acme.example/m1"),)
        ),
        principal="t",
    )
    mapper = aas.TwinMapper(store.model_set())
    info = _json(mapper.shell(_view(store, mapper, "m1")))["assetInformation"]
    assert info["globalAssetId"] == "https://acme.example/m1"
    assert all(s["name"] != "aas" for s in info["specificAssetIds"])


def test_properties_and_telemetry_carry_xs_types_the_dtmi_and_live_values() -> None:
    store = _plant_copy()
    store.set_signals(
        [ontology.SignalUpdate(FILLER, "temperature", 71.5, datetime(2026, 1, 1, tzinfo=UTC))]
    )
    mapper = aas.TwinMapper(store.model_set())
    view = _view(store, mapper, FILLER)
    model = mapper.submodel(view, aas.MODEL)
    assert _json(model)["semanticId"]["keys"][0]["value"] == MACHINE
    assert _json(model)["administration"] == {"version": "1"}
    elements = _elements(model)
    assert elements["temperature"]["valueType"] == "xs:double"
    assert elements["temperature"]["value"] == "71.5"
    assert elements["goodCount"]["valueType"] == "xs:long"
    assert "value" not in elements["goodCount"]
    assert elements["ratedPower"]["value"] == "55.0"
    assert elements["commissioningDate"] == {
        **elements["commissioningDate"],
        "valueType": "xs:date",
        "value": "2017-07-13",
    }
    assert elements["criticality"]["value"] == "high"
    semantic = elements["ratedPower"]["semanticId"]["keys"][0]["value"]
    assert semantic == "dtmi:twinweave:sample:Asset:_contents:__ratedPower;1"
    assert "contains" not in elements  # the hierarchy has its own submodel


def test_a_relationship_is_a_list_of_relationship_elements_with_annotations(
    plant: ontology.MemoryStore, mapper: aas.TwinMapper
) -> None:
    feeds = _elements(mapper.submodel(_view(plant, mapper, FILLER), aas.MODEL))["feeds"]
    assert feeds["typeValueListElement"] == "AnnotatedRelationshipElement"
    (edge,) = feeds["value"]
    assert edge["first"]["keys"] == [
        {"type": "AssetAdministrationShell", "value": f"urn:twinweave:aas:{FILLER}"}
    ]
    assert (
        edge["second"]["keys"][0]["value"] == "urn:twinweave:aas:acme/jkt1/packaging/line1/capper1"
    )
    assert [(a["idShort"], a["value"]) for a in edge["annotations"]] == [("bufferCapacity", "20")]


def test_a_hidden_target_is_left_out_and_never_named(
    plant: ontology.MemoryStore, mapper: aas.TwinMapper
) -> None:
    def hide_capper(ids: Any) -> list[bool]:
        return [not i.endswith("capper1") for i in ids]

    view = aas.TwinReader(plant, mapper.ids).views([FILLER], hide_capper)[0]
    assert view is not None
    text = json.dumps([_json(s) for s in mapper.submodels(view)])
    assert "capper1" not in text
    assert "value" not in _elements(mapper.submodel(view, aas.MODEL))["feeds"]


def test_components_and_the_digital_nameplate(
    plant: ontology.MemoryStore, mapper: aas.TwinMapper
) -> None:
    view = _view(plant, mapper, FILLER)
    component = mapper.submodel(view, aas.COMPONENT + "nameplate")
    assert _json(component)["semanticId"]["keys"][0]["value"] == "dtmi:twinweave:sample:Nameplate;1"
    assert _elements(component)["yearOfConstruction"]["value"] == "2016"
    nameplate = mapper.submodel(view, aas.NAMEPLATE)
    body = _json(nameplate)
    assert (
        body["semanticId"]["keys"][0]["value"]
        == "https://admin-shell.io/idta/nameplate/3/0/Nameplate"
    )
    fields = _elements(nameplate)
    assert fields["ManufacturerName"]["value"] == [{"language": "en", "text": "Krones"}]
    assert fields["ManufacturerProductDesignation"]["value"][0]["text"] == "FILLER-22"
    assert fields["SerialNumber"]["value"] == "KRO-70074"
    assert fields["YearOfConstruction"]["value"] == "2016"
    assert fields["FirmwareVersion"]["value"] == "V2.2.6"
    extra = {e["idShort"]: e.get("value") for e in fields["AssetSpecificProperties"]["value"]}
    assert extra == {"protectionClass": "IP54", "ratedCurrent": "88.2", "ratedVoltage": "400.0"}


def test_models_without_nameplate_data_have_no_nameplate(
    plant: ontology.MemoryStore, mapper: aas.TwinMapper
) -> None:
    keys = mapper.submodel_keys(_view(plant, mapper, "acme/jkt1"))
    assert aas.NAMEPLATE not in keys
    assert aas.TIMESERIES not in keys
    with pytest.raises(aas.AasError, match="has no submodel 'nameplate'"):
        mapper.submodel(_view(plant, mapper, "acme/jkt1"), aas.NAMEPLATE)


def test_the_hierarchy_is_a_bom_submodel_of_self_managed_entities(
    plant: ontology.MemoryStore, mapper: aas.TwinMapper
) -> None:
    bom = _json(mapper.submodel(_view(plant, mapper, FILLER), aas.HIERARCHY))
    assert bom["semanticId"]["keys"][0]["value"].endswith("HierarchicalStructures/1/1/Submodel")
    entry, arche = bom["submodelElements"]
    assert arche["value"] == "OneDown"
    assert entry["entityType"] == "SelfManagedEntity"
    assert entry["globalAssetId"] == f"urn:twinweave:asset:{FILLER}"
    nodes = [s for s in entry["statements"] if s["modelType"] == "Entity"]
    links = [s for s in entry["statements"] if s["modelType"] == "RelationshipElement"]
    assert [n["globalAssetId"] for n in nodes] == [f"urn:twinweave:asset:{FILLER}/motor"]
    assert links[0]["second"]["keys"][-1] == {"type": "Entity", "value": nodes[0]["idShort"]}


def test_the_time_series_submodel_points_at_history(
    plant: ontology.MemoryStore, mapper: aas.TwinMapper
) -> None:
    body = _json(mapper.submodel(_view(plant, mapper, FILLER), aas.TIMESERIES))
    metadata, segments = body["submodelElements"]
    record = {e["idShort"]: e["valueType"] for e in metadata["value"][1]["value"]}
    assert record == {
        "Time": "xs:dateTime",
        "goodCount": "xs:long",
        "power": "xs:double",
        "temperature": "xs:double",
        "vibration": "xs:double",
    }
    linked = {e["idShort"]: e.get("value") for e in segments["value"][0]["value"]}
    assert linked["Endpoint"] == "/graphql"
    assert json.loads(linked["Query"]) == {
        "twin": FILLER,
        "signals": ["goodCount", "power", "temperature", "vibration"],
    }


def test_units_enums_and_semantic_types_become_concept_descriptions(
    mapper: aas.TwinMapper,
) -> None:
    concepts = {c.id: _json(c) for c in mapper.concepts.for_interfaces([MACHINE])}
    power = concepts["dtmi:twinweave:sample:Machine:_contents:__power;1"]
    iec = power["embeddedDataSpecifications"][0]["dataSpecificationContent"]
    assert iec["unit"] == "kW"
    assert iec["dataType"] == "REAL_MEASURE"
    assert iec["unitId"]["keys"][0]["value"] == "dtmi:standard:unit:kilowatt"
    assert power["isCaseOf"][0]["keys"][0]["value"] == "dtmi:standard:class:Power"
    assert "dtmi:standard:unit:kilowatt" in concepts
    assert MACHINE in concepts
    criticality = concepts["dtmi:twinweave:sample:Asset:_contents:__criticality;1"]
    values = criticality["embeddedDataSpecifications"][0]["dataSpecificationContent"]
    assert [p["value"] for p in values["valueList"]["valueReferencePairs"]] == [
        "low",
        "medium",
        "high",
    ]


CONSTRUCTS = {
    "@context": "dtmi:dtdl:context;3",
    "@id": "dtmi:test:Constructs;2",
    "@type": "Interface",
    "displayName": {"en": "Constructs", "de": "Konstrukte"},
    "contents": [
        {"@type": "Property", "name": "a", "schema": "integer"},
        {"@type": "Property", "name": "x" * 200, "schema": "string"},
        {"@type": "Property", "name": "when", "schema": "dateTime"},
        {"@type": "Property", "name": "where", "schema": "point"},
        {
            "@type": "Property",
            "name": "mode",
            "schema": {
                "@type": "Enum",
                "valueSchema": "integer",
                "enumValues": [
                    {"name": "off", "enumValue": 0},
                    {"name": "on", "enumValue": 1},
                ],
            },
        },
        {
            "@type": "Property",
            "name": "settings",
            "schema": {
                "@type": "Object",
                "fields": [
                    {"name": "gain", "schema": "double"},
                    {"name": "tags", "schema": {"@type": "Array", "elementSchema": "string"}},
                ],
            },
        },
        {
            "@type": "Property",
            "name": "limits",
            "schema": {
                "@type": "Map",
                "mapKey": {"name": "signal", "schema": "string"},
                "mapValue": {"name": "limit", "schema": "double"},
            },
        },
        {
            "@type": "Property",
            "name": "points",
            "schema": {
                "@type": "Array",
                "elementSchema": {
                    "@type": "Object",
                    "fields": [{"name": "t", "schema": "long"}],
                },
            },
        },
        {
            "@type": "Command",
            "name": "reset",
            "request": {"name": "level", "schema": "integer"},
            "response": {"name": "level", "schema": "string"},
        },
    ],
}


def _constructs() -> tuple[ontology.MemoryStore, aas.TwinMapper]:
    store = ontology.MemoryStore()
    store.add_models([json.dumps(CONSTRUCTS)], principal="t")
    store.create_twin(
        ontology.TwinSpec(
            id="c1",
            model="dtmi:test:Constructs;2",
            properties={
                "a": 5,
                "x" * 200: "long",
                "when": "2024-05-01T10:00:00+02:00",
                "where": {"type": "Point", "coordinates": [1.0, 2.0]},
                "mode": 1,
                "settings": {"gain": 2.5, "tags": ["p", "q"]},
                "limits": {"temp": 80.0, "bad key!": 1.0},
                "points": [{"t": 1}, {"t": 2}],
            },
        ),
        principal="t",
    )
    return store, aas.TwinMapper(store.model_set())


def test_object_array_map_enum_and_command_constructs() -> None:
    store, mapper = _constructs()
    model = mapper.submodel(_view(store, mapper, "c1"), aas.MODEL)
    body = _json(model)
    assert body["administration"] == {"version": "2"}
    assert [d["language"] for d in body["displayName"]] == ["en", "de"]
    elements = _elements(model)
    assert elements["a_"]["value"] == "5"
    assert elements["a_"]["displayName"] == [{"language": "en", "text": "a"}]
    long_name = next(k for k in elements if k.startswith("xxx"))
    assert len(long_name) == 128
    assert elements["when"]["value"] == "2024-05-01T08:00:00Z"
    assert json.loads(elements["where"]["value"])["coordinates"] == [1.0, 2.0]
    assert (elements["mode"]["valueType"], elements["mode"]["value"]) == ("xs:int", "1")
    settings = {e["idShort"]: e for e in elements["settings"]["value"]}
    assert settings["gain"]["value"] == "2.5"
    assert settings["tags"]["typeValueListElement"] == "Property"
    assert [v["value"] for v in settings["tags"]["value"]] == ["p", "q"]
    assert all("idShort" not in v for v in settings["tags"]["value"])
    pairs = [
        {e["idShort"]: e["value"] for e in pair["value"]} for pair in elements["limits"]["value"]
    ]
    assert pairs == [
        {"signal": "bad key!", "limit": "1.0"},
        {"signal": "temp", "limit": "80.0"},
    ]
    points = elements["points"]
    assert points["typeValueListElement"] == "SubmodelElementCollection"
    assert [p["value"][0]["value"] for p in points["value"]] == ["1", "2"]
    reset = elements["reset"]
    assert reset["modelType"] == "Operation"
    ins = reset["inputVariables"][0]["value"]["idShort"]
    outs = reset["outputVariables"][0]["value"]["idShort"]
    assert (ins, outs) == ("level", "level_2")


def test_every_construct_passes_the_schemas_and_both_aas_core_versions() -> None:
    store, mapper = _constructs()
    exporter = aas.Exporter(store, mapper)
    env = exporter.environment(exporter.twin_ids())
    assert check_json(jsonization.to_jsonable(env)) > 0


def test_a_value_that_does_not_fit_its_schema_is_left_out() -> None:
    store, mapper = _constructs()
    store.update_twin("c1", {"a": None}, etag=None, principal="t")
    store.set_signals(
        [ontology.SignalUpdate("c1", "a", "not a number", datetime(2026, 1, 1, tzinfo=UTC))]
    )
    elements = _elements(mapper.submodel(_view(store, mapper, "c1"), aas.MODEL))
    assert "value" not in elements["a_"]


def _plant_copy() -> ontology.MemoryStore:
    from loaders import load_paths, sample_plant_paths

    store = ontology.MemoryStore()
    load_paths(sample_plant_paths(), store)
    return store


def test_submodels_from_templates_equal_the_objects_for_every_twin_twice(
    plant: ontology.MemoryStore,
) -> None:
    mapper = aas.TwinMapper(plant.model_set())
    ids = [twin.id for twin in plant.list_twins(first=1000).items]
    views = [v for v in aas.TwinReader(plant, mapper.ids).views(ids) if v is not None]
    filled = [
        (view.twin.id, key, json.dumps(mapper.submodel_jsonable(view, key)))
        for _ in range(2)  # the second pass shows no twin's values stayed in a template
        for view in views
        for key in mapper.submodel_keys(view)
    ]
    built = [
        (view.twin.id, key, json.dumps(jsonization.to_jsonable(mapper.submodel(view, key))))
        for _ in range(2)
        for view in views
        for key in mapper.submodel_keys(view)
    ]
    assert len(views) == 55
    assert any(key == aas.MODEL and '"value"' in text for _, key, text in filled)
    assert filled == built
