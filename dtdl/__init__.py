"""DTDL v2/v3: parse, resolve and validate Digital Twins Definition Language models.

Standard library only. ``parse`` turns a set of JSON texts into an immutable, typed
:class:`ModelSet` (Interfaces with ``extends`` flattened, schemas, semantic types and
units); ``validate`` returns every :class:`Diagnostic` (the reference parser's
validation ids, element ids, document/line/column, cause and action) without raising::

    import dtdl

    for diagnostic in dtdl.validate(texts):
        print(diagnostic.document, diagnostic.line, diagnostic.message)
    model = dtdl.parse(texts, options=dtdl.ParseOptions(resolver=fetch_models))
    pump = model.interfaces["dtmi:com:example:Pump;1"]
    model.check_instance(pump.properties["mode"].id, "on")

Supported: DTDL v2 and v3 with the extensions usable with v3 (QuantitativeTypes,
Historization, Annotation, Overriding, MQTT, Requirement) and IoT Central v2.
The specification's recommendations come back as warnings.
"""

from dtdl._api import parse, validate
from dtdl._build import Element
from dtdl._diagnostic import Diagnostic
from dtdl._elements import (
    Command,
    CommandPayload,
    Component,
    Content,
    Interface,
    Property,
    Relationship,
    Telemetry,
)
from dtdl._errors import DtdlError, ParsingError, ResolutionError
from dtdl._messages import with_article
from dtdl._modelset import ModelSet
from dtdl._options import ParseOptions
from dtdl._schemas import (
    ArraySchema,
    EnumSchema,
    EnumValue,
    Field,
    MapKey,
    MapSchema,
    MapValue,
    ObjectSchema,
    PrimitiveSchema,
    Schema,
)

__all__ = [
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
