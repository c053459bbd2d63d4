"""The DTDL metamodel as compact tables: classes, their properties and limits per version.

Written from the DTDL v2/v3 language specifications; the limits agree with the
reference parser's metamodel. Only the core language lives here; extension
co-types are in :mod:`dtdl._extensions`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dtdl._dtmi import NAME, USER_V2, USER_V3

VERSIONS = (2, 3)


@dataclass(frozen=True)
class Prop:
    """One property of a class. ``kind`` is the value's datatype family."""

    kind: str  # object | identifier | string | boolean | integer | langString | literal | duration
    range: str | None = None  # class of object values
    min: int = 0
    max: int | None = None
    max_length: int | None = None
    pattern: re.Pattern[str] | None = None
    values: tuple[str, ...] = ()  # allowed terms for an object property (valueSchema)
    id_required: bool = False  # inline values need an @id
    min_value: int | None = None
    max_value: int | None = None
    plural: bool = False


PARENT: dict[str, str | None] = {
    "Entity": None,
    "NamedEntity": "Entity",
    "Content": "NamedEntity",
    "Command": "Content",
    "Component": "Content",
    "Property": "Content",
    "Relationship": "Content",
    "Telemetry": "Content",
    "SchemaField": "NamedEntity",
    "CommandPayload": "SchemaField",
    "CommandRequest": "CommandPayload",
    "CommandResponse": "CommandPayload",
    "Field": "SchemaField",
    "MapValue": "SchemaField",
    "EnumValue": "NamedEntity",
    "MapKey": "NamedEntity",
    "Interface": "Entity",
    "CommandType": "Entity",
    "Schema": "Entity",
    "ComplexSchema": "Schema",
    "Array": "ComplexSchema",
    "Enum": "ComplexSchema",
    "Map": "ComplexSchema",
    "Object": "ComplexSchema",
    "PrimitiveSchema": "Schema",
    "Boolean": "PrimitiveSchema",
    "String": "PrimitiveSchema",
    "NumericSchema": "PrimitiveSchema",
    "Double": "NumericSchema",
    "Float": "NumericSchema",
    "Integer": "NumericSchema",
    "Long": "NumericSchema",
    "TemporalSchema": "PrimitiveSchema",
    "Date": "TemporalSchema",
    "DateTime": "TemporalSchema",
    "Duration": "TemporalSchema",
    "Time": "TemporalSchema",
    "Unit": "Entity",
    "UnitAttribute": "NamedEntity",
    "LatentType": "Entity",
    "NamedLatentType": "NamedEntity",
}

ABSTRACT = frozenset(
    {
        "Entity",
        "NamedEntity",
        "Content",
        "SchemaField",
        "Schema",
        "ComplexSchema",
        "PrimitiveSchema",
        "NumericSchema",
        "TemporalSchema",
    }
)
# classes a model may not instantiate with @type (their instances are built in)
NOT_DEFINABLE = frozenset(
    {
        "Boolean",
        "String",
        "Double",
        "Float",
        "Integer",
        "Long",
        "Date",
        "DateTime",
        "Duration",
        "Time",
        "CommandType",
        "Unit",
        "UnitAttribute",
        "LatentType",
        "NamedLatentType",
    }
)
CLASS_VERSIONS: dict[str, tuple[int, ...]] = {
    "CommandRequest": (3,),
    "CommandResponse": (3,),
    "LatentType": (3,),
    "NamedLatentType": (3,),
}
TYPE_OPTIONAL: dict[int, frozenset[str]] = {
    2: frozenset({"CommandPayload", "EnumValue", "Field", "MapKey", "MapValue"}),
    3: frozenset({"CommandRequest", "CommandResponse", "EnumValue", "Field", "MapKey", "MapValue"}),
}
PARTITION = "Interface"


def _lineage(cls: str) -> frozenset[str]:
    result = set()
    current: str | None = cls
    while current is not None:
        result.add(current)
        current = PARENT.get(current)
    return frozenset(result)


_LINEAGE: dict[str, frozenset[str]] = {cls: _lineage(cls) for cls in PARENT}


def is_a(cls: str, ancestor: str) -> bool:
    """Whether class ``cls`` is ``ancestor`` or one of its subclasses."""
    lineage = _LINEAGE.get(cls)
    return ancestor in lineage if lineage is not None else cls == ancestor


PRIMITIVES: dict[str, str] = {
    "boolean": "Boolean",
    "date": "Date",
    "dateTime": "DateTime",
    "double": "Double",
    "duration": "Duration",
    "float": "Float",
    "integer": "Integer",
    "long": "Long",
    "string": "String",
    "time": "Time",
}
GEOSPATIAL = ("lineString", "multiLineString", "multiPoint", "multiPolygon", "point", "polygon")
COMMAND_TYPES = ("asynchronous", "synchronous")


def term_id(term: str, version: int) -> str:
    """The DTMI a core value term stands for (``double`` -> its instance DTMI)."""
    if term in PRIMITIVES:
        return f"dtmi:dtdl:instance:Schema:{term};{version}"
    if term in GEOSPATIAL:
        return f"dtmi:standard:schema:geospatial:{term};{version}"
    if term in COMMAND_TYPES:
        return f"dtmi:dtdl:instance:CommandType:{term};{version}"
    return f"dtmi:dtdl:class:{term};{version}"


def _common(version: int) -> dict[str, Prop]:
    return {
        "comment": Prop("string", max=1, max_length=512),
        "description": Prop("langString", max_length=512),
        "displayName": Prop("langString", max_length=64 if version == 2 else 512),
    }


def _name(version: int) -> Prop:
    return Prop("string", min=1, max=1, max_length=64 if version == 2 else 512, pattern=NAME)


def _classes(version: int) -> dict[str, dict[str, Prop]]:
    common = _common(version)
    name = _name(version)
    v2 = version == 2
    schema = Prop("object", "Schema", min=1, max=1)
    payload = "CommandPayload" if v2 else None
    target_pattern = USER_V2 if v2 else USER_V3
    classes: dict[str, dict[str, Prop]] = {
        "Interface": {
            "contents": Prop("object", "Content", max=300 if v2 else None, plural=True),
            "extends": Prop(
                "object", "Interface", max=2 if v2 else None, id_required=True, plural=True
            ),
            "schemas": Prop("object", "ComplexSchema", id_required=True, plural=True),
        },
        "Telemetry": {"name": name, "schema": schema},
        "Property": {"name": name, "schema": schema, "writable": Prop("boolean", max=1)},
        "Command": {
            "name": name,
            "request": Prop("object", payload or "CommandRequest", max=1),
            "response": Prop("object", payload or "CommandResponse", max=1),
            "commandType": Prop("object", "CommandType", max=1, values=COMMAND_TYPES),
        },
        "Relationship": {
            "name": name,
            "target": Prop("identifier", max=1, max_length=2048, pattern=target_pattern),
            "minMultiplicity": Prop("integer", max=1, min_value=0, max_value=0),
            "maxMultiplicity": Prop("integer", max=1, min_value=1, max_value=500 if v2 else None),
            "properties": Prop("object", "Property", max=300 if v2 else None, plural=True),
            "writable": Prop("boolean", max=1),
        },
        "Component": {
            "name": name,
            "schema": Prop("object", "Interface", min=1, max=1, id_required=True),
        },
        "Array": {"elementSchema": schema},
        "Enum": {
            "valueSchema": Prop(
                "object", "PrimitiveSchema", min=1, max=1, values=("integer", "string")
            ),
            "enumValues": Prop(
                "object", "EnumValue", min=1 if v2 else 0, max=100 if v2 else None, plural=True
            ),
        },
        "EnumValue": {"name": name, "enumValue": Prop("literal", min=1, max=1)},
        "Map": {
            "mapKey": Prop("object", "MapKey", min=1, max=1),
            "mapValue": Prop("object", "MapValue", min=1, max=1),
        },
        "MapKey": {
            "name": name,
            "schema": Prop("object", "String", min=1, max=1, values=("string",)),
        },
        "MapValue": {"name": name, "schema": schema},
        "Object": {
            "fields": Prop(
                "object", "Field", min=1 if v2 else 0, max=30 if v2 else None, plural=True
            )
        },
        "Field": {"name": name, "schema": schema},
    }
    if v2:
        classes["CommandPayload"] = {"name": name, "schema": schema}
    else:
        classes["CommandRequest"] = {"name": name, "schema": schema}
        classes["CommandResponse"] = {"name": name, "schema": schema}
    return {cls: {**props, **common} for cls, props in classes.items()}


CLASSES: dict[int, dict[str, dict[str, Prop]]] = {v: _classes(v) for v in VERSIONS}

# plural properties whose children are named: automatic ids take ``:__<name>``
PLURAL = frozenset({"contents", "extends", "schemas", "properties", "enumValues", "fields"})

# every core term per version (classes, properties, values), for undefined-term checks
CLASS_TERMS: dict[int, frozenset[str]] = {
    2: frozenset(
        c
        for c in PARENT
        if c not in ("CommandRequest", "CommandResponse", "LatentType", "NamedLatentType")
    )
    | {
        "SemanticUnit",
        "DecimalUnit",
        "BinaryUnit",
        "RatioUnit",
        "DecimalPrefix",
        "BinaryPrefix",
        "Unitless",
    },
    3: frozenset(PARENT) | {"SemanticUnit", "Alias", "DtdlExtension"},
}
PROPERTY_TERMS: dict[int, frozenset[str]] = {
    2: frozenset(p for props in CLASSES[2].values() for p in props)
    | {
        "unit",
        "symbol",
        "exponent",
        "languageMajorVersion",
        "baseUnit",
        "bottomUnit",
        "prefix",
        "topUnit",
    },
    3: frozenset(p for props in CLASSES[3].values() for p in props)
    | {"symbol", "exponent", "languageMajorVersion", "aliasFor", "metamodel", "model"},
}
VALUE_TERMS: dict[int, frozenset[str]] = {
    v: frozenset(PRIMITIVES) | frozenset(GEOSPATIAL) | frozenset(COMMAND_TYPES) for v in VERSIONS
}


def _required(version: int) -> dict[str, tuple[tuple[str, str], ...]]:
    return {
        cls: tuple(
            (key, "missingObjectProperty" if p.kind == "object" else "missingLiteralProperty")
            for key, p in props.items()
            if p.min
        )
        for cls, props in CLASSES[version].items()
    }


# class -> its required properties and the code reported when one is missing
REQUIRED: dict[int, dict[str, tuple[tuple[str, str], ...]]] = {v: _required(v) for v in VERSIONS}

# supplemental types that exist only to be specialised: never usable as a co-type
ABSTRACT_SUPPLEMENTAL: dict[int, frozenset[str]] = {
    2: frozenset({"SemanticType", "QuantitativeType"}),
    3: frozenset({"SemanticType", "AdjunctType"}),
}
