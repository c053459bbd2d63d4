"""DTDL schemas and contents to AAS submodel elements.

| DTDL | AAS |
| --- | --- |
| primitive schema | Property (``xs:`` type, value in lexical form) |
| Enum | Property of the enum's value type (ConceptDescription carries the value list) |
| Object | SubmodelElementCollection, one child per field |
| Array | SubmodelElementList (``orderRelevant``), children without idShort |
| Map | SubmodelElementList of collections ``{<key name>, <value name>}`` |
| Command | Operation: request an input, response an output variable |
| Relationship | SubmodelElementList of (Annotated)RelationshipElements, one per edge |

Every element's semanticId is the DTDL element's DTMI (its ConceptDescription).
Empty lists are left out (the schemas refuse empty arrays).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aas_core3_1 import types as t

import dtdl
from aas._concepts import Described
from aas._idshort import IdShortScope
from aas._langs import NAME_LIMIT, TEXT_LIMIT, lang_strings
from aas._refs import global_ref, shell_ref
from aas._xs import lexical, xs_type
from ontology import Edge, JsonValue

AAS = t.AASSubmodelElements


Texts = tuple[list[t.LangStringNameType] | None, list[t.LangStringTextType] | None]
_DISPLAY: dict[tuple[str, str | None], Texts] = {}
_DISPLAY_LIMIT = 100_000


def display(element: Described, id_short: str | None) -> Texts:
    """displayName and description of an element; the DTDL name kept when idShort differs.

    Cached per (element, idShort): the language strings are shared by every
    element built from the same DTDL element (nothing changes them afterwards).
    """
    key = (element.id, id_short)
    found = _DISPLAY.get(key)
    if found is not None:
        return found
    if len(_DISPLAY) >= _DISPLAY_LIMIT:
        _DISPLAY.clear()
    names: Mapping[str, str] = element.display_name
    name = getattr(element, "name", None)
    if not names and name and id_short is not None and name != id_short:
        names = {"en": name}
    found = (
        lang_strings(names, NAME_LIMIT, t.LangStringNameType),
        lang_strings(element.description, TEXT_LIMIT, t.LangStringTextType),
    )
    _DISPLAY[key] = found
    return found


def _list_type(schema: dtdl.Schema) -> t.AASSubmodelElements:
    if isinstance(schema, dtdl.ObjectSchema):
        return AAS.SUBMODEL_ELEMENT_COLLECTION
    if isinstance(schema, dtdl.ArraySchema | dtdl.MapSchema):
        return AAS.SUBMODEL_ELEMENT_LIST
    return AAS.PROPERTY


def _value_type(schema: dtdl.Schema) -> t.DataTypeDefXSD | None:
    if isinstance(schema, dtdl.PrimitiveSchema):
        return xs_type(schema.name)
    if isinstance(schema, dtdl.EnumSchema):
        return xs_type(schema.value_schema.name)
    return None


def property_text(schema: dtdl.Schema, value: JsonValue) -> str | None:
    """The Property value of ``value`` for a primitive or Enum ``schema`` (None: no value)."""
    value_type = _value_type(schema)
    if value_type is None:
        return None
    text = lexical(value, value_type)
    if text is not None and isinstance(schema, dtdl.EnumSchema):
        allowed = {str(v.enum_value) for v in schema.enum_values}
        text = text if text in allowed else None
    return text


def data_element(
    schema: dtdl.Schema,
    id_short: str | None,
    value: JsonValue,
    *,
    semantic: str | None = None,
    meta: Described | None = None,
) -> t.SubmodelElement:
    """The element for a value of ``schema`` (``value`` None: the element without a value)."""
    names, texts = display(meta, id_short) if meta is not None else (None, None)
    semantic_id = global_ref(semantic) if semantic else None
    value_type = _value_type(schema)
    if value_type is not None:
        return t.Property(
            value_type,
            id_short=id_short,
            semantic_id=semantic_id,
            value=property_text(schema, value),
            display_name=names,
            description=texts,
        )
    if isinstance(schema, dtdl.ObjectSchema):
        given = value if isinstance(value, dict) else {}
        scope = IdShortScope()
        children = [
            data_element(f.schema, scope.claim(f.name), given.get(f.name), semantic=f.id, meta=f)
            for f in sorted(schema.fields, key=lambda f: f.name)
        ]
        return t.SubmodelElementCollection(
            id_short=id_short,
            semantic_id=semantic_id,
            value=children or None,
            display_name=names,
            description=texts,
        )
    if isinstance(schema, dtdl.ArraySchema):
        items = value if isinstance(value, list) else []
        element_schema = schema.element_schema
        return t.SubmodelElementList(
            _list_type(element_schema),
            id_short=id_short,
            semantic_id=semantic_id,
            order_relevant=True,
            value_type_list_element=_value_type(element_schema),
            value=[data_element(element_schema, None, v) for v in items] or None,
            display_name=names,
            description=texts,
        )
    assert isinstance(schema, dtdl.MapSchema)
    entries = value if isinstance(value, dict) else {}
    scope = IdShortScope()
    key_name = scope.claim(schema.map_key.name)
    value_name = scope.claim(schema.map_value.name)
    pairs: list[t.SubmodelElement] = [
        t.SubmodelElementCollection(
            value=[
                t.Property(
                    t.DataTypeDefXSD.STRING,
                    id_short=key_name,
                    value=lexical(k, t.DataTypeDefXSD.STRING),
                ),
                data_element(
                    schema.map_value.schema,
                    value_name,
                    entries[k],
                    semantic=schema.map_value.id,
                ),
            ]
        )
        for k in sorted(entries)
    ]
    return t.SubmodelElementList(
        AAS.SUBMODEL_ELEMENT_COLLECTION,
        id_short=id_short,
        semantic_id=semantic_id,
        order_relevant=False,
        value=pairs or None,
        display_name=names,
        description=texts,
    )


def operation(command: dtdl.Command, id_short: str) -> t.Operation:
    """A Command as an Operation (idShorts unique across its variables, AASd-134)."""
    scope = IdShortScope()

    def variables(payload: dtdl.CommandPayload | None) -> list[t.OperationVariable] | None:
        if payload is None:
            return None
        element = data_element(
            payload.schema, scope.claim(payload.name), None, semantic=payload.id, meta=payload
        )
        return [t.OperationVariable(element)]

    return t.Operation(
        id_short=id_short,
        semantic_id=global_ref(command.id),
        input_variables=variables(command.request),
        output_variables=variables(command.response),
        display_name=display(command, id_short)[0],
        description=display(command, id_short)[1],
    )


def relationships(
    relationship: dtdl.Relationship,
    id_short: str,
    source_shell: str,
    edges: Sequence[Edge],
    shell_of: Mapping[str, str],
) -> t.SubmodelElementList:
    """One RelationshipElement per edge (Annotated when the Relationship has properties)."""
    annotated = bool(relationship.properties)
    first = shell_ref(source_shell)
    items: list[t.SubmodelElement] = []
    for edge in sorted(edges, key=lambda e: e.target):
        second = shell_ref(shell_of[edge.target])
        if annotated:
            scope = IdShortScope()
            notes: list[t.DataElement] = []
            for name in sorted(relationship.properties):
                prop = relationship.properties[name]
                element = data_element(
                    prop.schema, scope.claim(name), edge.properties.get(name), semantic=prop.id
                )
                if isinstance(element, t.Property):
                    notes.append(element)
            items.append(
                t.AnnotatedRelationshipElement(
                    first=first, second=second, annotations=notes or None
                )
            )
        else:
            items.append(t.RelationshipElement(first=first, second=second))
    kind = AAS.ANNOTATED_RELATIONSHIP_ELEMENT if annotated else AAS.RELATIONSHIP_ELEMENT
    return t.SubmodelElementList(
        kind,
        id_short=id_short,
        semantic_id=global_ref(relationship.id),
        order_relevant=False,
        value=items or None,
        display_name=display(relationship, id_short)[0],
        description=display(relationship, id_short)[1],
    )
