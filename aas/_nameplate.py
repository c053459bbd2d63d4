"""A Digital Nameplate (IDTA 02006-3-0) submodel from the nameplate data a model declares.

A model provides nameplate data when it has a Component whose Interface is a
nameplate (its DTMI's last segment contains ``Nameplate``) or a ``manufacturer``
Property. Template fields are filled from DTDL contents by name (top level
first, then the nameplate component); the component's other Properties go to
``AssetSpecificProperties`` with their DTDL semanticId.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from aas_core3_1 import types as t

import dtdl
from aas._elements import data_element
from aas._idshort import IdShortScope
from aas._jsonable import Jsonable, JsonTemplates, as_dict, with_entry
from aas._refs import global_ref
from aas._templates import NAMEPLATE, NAMEPLATE_FIELDS
from aas._view import TwinView
from aas._xs import lexical
from ontology import JsonValue

XS = t.DataTypeDefXSD
_E = TypeVar("_E")

_SOURCES: dict[str, tuple[str, ...]] = {
    "URIOfTheProduct": ("productUri", "uriOfTheProduct"),
    "ManufacturerName": ("manufacturer", "manufacturerName"),
    "ManufacturerProductDesignation": ("modelDesignation", "productDesignation"),
    "ManufacturerProductFamily": ("productFamily",),
    "ManufacturerProductType": ("productType",),
    "OrderCodeOfManufacturer": ("orderCode", "orderCodeOfManufacturer"),
    "ProductArticleNumberOfManufacturer": ("articleNumber", "productArticleNumber"),
    "SerialNumber": ("serialNumber",),
    "YearOfConstruction": ("yearOfConstruction",),
    "DateOfManufacture": ("dateOfManufacture",),
    "HardwareVersion": ("hardwareVersion",),
    "FirmwareVersion": ("firmwareVersion",),
    "SoftwareVersion": ("softwareVersion",),
    "CountryOfOrigin": ("countryOfOrigin",),
}
_MULTI_LANGUAGE = frozenset(
    {"ManufacturerName", "ManufacturerProductDesignation", "ManufacturerProductFamily"}
)
_TYPES = {"URIOfTheProduct": XS.ANY_URI, "DateOfManufacture": XS.DATE}
SOURCE_LANGUAGE = "en"
"""DTDL string values carry no language; nameplate texts are written as English."""

Source = tuple[str | None, str]
"""(component name or None for the top level, content name)."""


@dataclass(frozen=True, slots=True)
class NameplatePlan:
    fields: tuple[tuple[str, Source], ...]
    extra: tuple[tuple[str | None, dtdl.Property], ...]
    """(component name, Property) of the nameplate component's unmapped Properties."""


def _is_nameplate(dtmi: str) -> bool:
    return "nameplate" in dtmi.split(";", 1)[0].rsplit(":", 1)[-1].casefold()


def plan_nameplate(iface: dtdl.Interface, models: dtdl.ModelSet) -> NameplatePlan | None:
    """Where the Interface's nameplate data comes from, or ``None`` when it has none."""
    scopes: list[tuple[str | None, dtdl.Interface]] = [(None, iface)]
    for name in sorted(iface.components):
        schema = iface.components[name].schema
        if _is_nameplate(schema) and schema in models.interfaces:
            scopes.append((name, models.interfaces[schema]))
    if len(scopes) == 1 and "manufacturer" not in iface.properties:
        return None
    fields: list[tuple[str, Source]] = []
    mapped: set[Source] = set()
    for field, names in _SOURCES.items():
        found = next(
            ((comp, n) for comp, scope in scopes for n in names if n in scope.properties), None
        )
        if found is not None:
            fields.append((field, found))
            mapped.add(found)
    extra = tuple(
        (comp, scope.properties[n])
        for comp, scope in scopes[1:]
        for n in sorted(scope.properties)
        if (comp, n) not in mapped
    )
    return NameplatePlan(tuple(fields), extra)


def _value(view: TwinView, source: Source) -> JsonValue:
    component, name = source
    if component is None:
        return view.value(name)
    data = view.twin.properties.get(component)
    return data.get(name) if isinstance(data, dict) else None


def _field(field: str, raw: JsonValue) -> t.SubmodelElement:
    semantic = global_ref(NAMEPLATE_FIELDS[field])
    if field in _MULTI_LANGUAGE:
        text = lexical(raw, XS.STRING)
        value = [t.LangStringTextType(SOURCE_LANGUAGE, text)] if text else None
        return t.MultiLanguageProperty(id_short=field, semantic_id=semantic, value=value)
    kind = _TYPES.get(field, XS.STRING)
    return t.Property(kind, id_short=field, semantic_id=semantic, value=lexical(raw, kind))


def _extra(view: TwinView, plan: NameplatePlan, element: Callable[..., _E]) -> list[_E]:
    scope = IdShortScope()
    return [
        element(
            prop.schema,
            scope.claim(prop.name),
            _value(view, (component, prop.name)),
            semantic=prop.id,
            meta=prop,
        )
        for component, prop in plan.extra
    ]


def _extra_collection(value: list[t.SubmodelElement] | None) -> t.SubmodelElementCollection:
    return t.SubmodelElementCollection(
        id_short="AssetSpecificProperties",
        semantic_id=global_ref(NAMEPLATE_FIELDS["AssetSpecificProperties"]),
        value=value,
    )


def _submodel(submodel_id: str, elements: list[t.SubmodelElement] | None) -> t.Submodel:
    return t.Submodel(
        submodel_id,
        id_short="Nameplate",
        semantic_id=global_ref(NAMEPLATE),
        kind=t.ModellingKind.INSTANCE,
        submodel_elements=elements,
    )


def nameplate_submodel(view: TwinView, plan: NameplatePlan, submodel_id: str) -> t.Submodel:
    elements = [_field(field, _value(view, source)) for field, source in plan.fields]
    if plan.extra:
        elements.append(_extra_collection(_extra(view, plan, data_element)))
    return _submodel(submodel_id, elements or None)


def nameplate_jsonable(
    view: TwinView, plan: NameplatePlan, submodel_id: str, templates: JsonTemplates
) -> Jsonable:
    """``to_jsonable(nameplate_submodel(...))`` from templates (the fast export path)."""
    elements: list[Jsonable] = []
    for field, source in plan.fields:
        template = templates.static(("nameplate", field), partial(_field, field, None))
        raw = _value(view, source)
        if field in _MULTI_LANGUAGE:
            text = lexical(raw, XS.STRING)
            if text:
                lang = as_dict(t.LangStringTextType(SOURCE_LANGUAGE, text))
                template = with_entry(template, "value", [lang])
        else:
            text = lexical(raw, _TYPES.get(field, XS.STRING))
            if text is not None:
                template = with_entry(template, "value", text)
        elements.append(template)
    if plan.extra:
        collection = templates.static(("nameplate", "extra"), partial(_extra_collection, None))
        extra = _extra(view, plan, templates.data_element)
        elements.append(with_entry(collection, "value", extra))
    header = templates.static(("nameplate",), partial(_submodel, "-", None))
    return templates.submodel(header, submodel_id, elements)
