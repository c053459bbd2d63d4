"""ConceptDescriptions with IEC 61360 data specifications for what a model set declares.

One ConceptDescription per Interface (id = its DTMI), per content element,
Object field and Map value (id = the element's DTMI, the semanticId of the
elements built from it), per unit (``dtmi:standard:unit:<name>``, written as
the IEC 61360 ``unitId``) and per semantic type
(``dtmi:standard:class:<name>``, the element's ``isCaseOf``). Built once per
model set; an export writes those of the Interfaces its twins use.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from aas_core3_1 import types as t

import dtdl
from aas._langs import NAME_LIMIT, TEXT_LIMIT, lang_strings
from aas._refs import global_ref
from aas._units import unit_symbol

IEC61360 = "https://admin-shell.io/DataSpecificationTemplates/DataSpecificationIec61360/3"
"""The data specification id the IDTA test engine expects (an ExternalReference)."""
UNIT_PREFIX = "dtmi:standard:unit:"
CLASS_PREFIX = "dtmi:standard:class:"
PREFERRED_NAME_LIMIT = 255

_D = t.DataTypeIEC61360
_REALS = frozenset({"double", "float", "decimal"})
_INTS = frozenset(
    {"integer", "long", "short", "byte", "unsignedByte", "unsignedShort"}
    | {"unsignedInteger", "unsignedLong"}
)
_OTHER = {"boolean": _D.BOOLEAN, "date": _D.DATE, "dateTime": _D.TIMESTAMP, "time": _D.TIME}

Described = (
    dtdl.Interface
    | dtdl.Property
    | dtdl.Telemetry
    | dtdl.Relationship
    | dtdl.Component
    | dtdl.Command
    | dtdl.CommandPayload
    | dtdl.Field
    | dtdl.MapValue
)


def _data_type(schema: dtdl.Schema | None, unit: str | None) -> t.DataTypeIEC61360 | None:
    if isinstance(schema, dtdl.EnumSchema):
        return _D.INTEGER_COUNT if schema.value_schema.name == "integer" else _D.STRING
    if not isinstance(schema, dtdl.PrimitiveSchema):
        return None
    name = schema.name
    if name in _REALS:
        return _D.REAL_MEASURE if unit else _D.REAL_COUNT
    if name in _INTS:
        return _D.INTEGER_MEASURE if unit else _D.INTEGER_COUNT
    return _OTHER.get(name, _D.STRING)


def _kind(element: Described) -> str:
    return type(element).__name__


def _short_name(dtmi: str) -> str:
    body = dtmi.split(";", 1)[0]
    return body.rsplit(":", 1)[-1].lstrip("_") or body


def _named(texts: Mapping[str, str], fallback: str) -> dict[str, str]:
    merged = dict(texts)
    if not any(k.casefold() == "en" for k in merged):
        merged["en"] = fallback
    return merged


def _iec(
    names: Mapping[str, str],
    definitions: Mapping[str, str],
    *,
    data_type: t.DataTypeIEC61360 | None = None,
    unit: str | None = None,
    value_list: t.ValueList | None = None,
    symbol: str | None = None,
) -> list[t.EmbeddedDataSpecification]:
    preferred = lang_strings(names, PREFERRED_NAME_LIMIT, t.LangStringPreferredNameTypeIEC61360)
    content = t.DataSpecificationIEC61360(
        preferred_name=preferred or [t.LangStringPreferredNameTypeIEC61360("en", "unnamed")],
        definition=lang_strings(definitions, TEXT_LIMIT, t.LangStringDefinitionTypeIEC61360),
        data_type=data_type,
        unit=unit_symbol(unit) if unit else None,
        unit_id=global_ref(UNIT_PREFIX + unit) if unit else None,
        value_list=value_list,
        symbol=symbol,
    )
    return [t.EmbeddedDataSpecification(global_ref(IEC61360), content)]


class ConceptCatalog:
    """Every ConceptDescription of a model set, by id, and which ones each Interface uses."""

    __slots__ = ("_by_id", "_used")

    def __init__(self, models: dtdl.ModelSet) -> None:
        self._by_id: dict[str, t.ConceptDescription] = {}
        self._used: dict[str, tuple[str, ...]] = {}
        for dtmi in sorted(models.interfaces):
            iface = models.interfaces[dtmi]
            used: list[str] = []
            self._describe(iface, None, None, (), used)
            for name in sorted(iface.contents):
                self._content(iface.contents[name], used)
            for content in iface.components.values():
                component = models.interfaces.get(content.schema)
                if component is not None:
                    self._describe(component, None, None, (), used)
                    for name in sorted(component.contents):
                        self._content(component.contents[name], used)
            self._used[dtmi] = tuple(dict.fromkeys(used))

    def get(self, concept_id: str) -> t.ConceptDescription | None:
        return self._by_id.get(concept_id)

    def ids(self) -> list[str]:
        """Every ConceptDescription id, sorted (the repository's stable order)."""
        return sorted(self._by_id)

    def for_interfaces(self, dtmis: Iterable[str]) -> list[t.ConceptDescription]:
        """The ConceptDescriptions the Interfaces use, each once, sorted by id."""
        ids = {i for d in dtmis for i in self._used.get(d, ())}
        return [self._by_id[i] for i in sorted(ids)]

    # ------------------------------------------------------------------ building
    def _content(self, element: dtdl.Content, used: list[str]) -> None:
        if isinstance(element, dtdl.Property | dtdl.Telemetry):
            self._with_schema(element, element.schema, element.unit, element.semantic_types, used)
        elif isinstance(element, dtdl.Command):
            self._describe(element, None, None, (), used)
            for payload in (element.request, element.response):
                if payload is not None:
                    self._with_schema(
                        payload, payload.schema, payload.unit, payload.semantic_types, used
                    )
        elif isinstance(element, dtdl.Relationship):
            self._describe(element, None, None, (), used)
            for prop in element.properties.values():
                self._with_schema(prop, prop.schema, prop.unit, prop.semantic_types, used)
        else:
            self._describe(element, None, None, (), used)

    def _with_schema(
        self,
        element: Described,
        schema: dtdl.Schema,
        unit: str | None,
        semantic_types: tuple[str, ...],
        used: list[str],
    ) -> None:
        self._describe(element, schema, unit, semantic_types, used)
        self._schema(schema, used)

    def _schema(self, schema: dtdl.Schema, used: list[str]) -> None:
        if isinstance(schema, dtdl.ObjectSchema):
            for item in schema.fields:
                self._with_schema(item, item.schema, item.unit, item.semantic_types, used)
        elif isinstance(schema, dtdl.ArraySchema):
            self._schema(schema.element_schema, used)
        elif isinstance(schema, dtdl.MapSchema):
            value = schema.map_value
            self._with_schema(value, value.schema, value.unit, value.semantic_types, used)

    def _describe(
        self,
        element: Described,
        schema: dtdl.Schema | None,
        unit: str | None,
        semantic_types: tuple[str, ...],
        used: list[str],
    ) -> None:
        used.append(element.id)
        if unit:
            used.append(self._unit(unit))
        classes = [self._class(name) for name in semantic_types]
        used.extend(classes)
        if element.id in self._by_id:
            return
        name = getattr(element, "name", None) or _short_name(element.id)
        kind = _kind(element)
        definition = _named(element.description, f"DTDL {kind} {name!r} ({element.id})")
        value_list = None
        if isinstance(schema, dtdl.EnumSchema) and schema.enum_values:
            value_list = t.ValueList(
                [
                    t.ValueReferencePair(str(v.enum_value), global_ref(v.id))
                    for v in schema.enum_values
                ]
            )
        self._by_id[element.id] = t.ConceptDescription(
            element.id,
            id_short=None,
            display_name=lang_strings(element.display_name, NAME_LIMIT, t.LangStringNameType),
            is_case_of=[global_ref(c) for c in classes] or None,
            embedded_data_specifications=_iec(
                _named(element.display_name, name),
                definition,
                data_type=_data_type(schema, unit),
                unit=unit,
                value_list=value_list,
            ),
        )

    def _unit(self, unit: str) -> str:
        concept_id = UNIT_PREFIX + unit
        if concept_id not in self._by_id:
            self._by_id[concept_id] = t.ConceptDescription(
                concept_id,
                embedded_data_specifications=_iec(
                    {"en": unit},
                    {"en": f"The DTDL unit {unit!r} (symbol {unit_symbol(unit)})"},
                    symbol=unit_symbol(unit),
                ),
            )
        return concept_id

    def _class(self, name: str) -> str:
        concept_id = CLASS_PREFIX + name
        if concept_id not in self._by_id:
            self._by_id[concept_id] = t.ConceptDescription(
                concept_id,
                embedded_data_specifications=_iec(
                    {"en": name}, {"en": f"The DTDL semantic type {name!r}"}
                ),
            )
        return concept_id
