"""DTDL v2/v3: parse, resolve and validate Digital Twins Definition Language models.

Standard library only. ``parse`` turns a set of JSON texts into an immutable, typed
:class:`ModelSet`; ``validate`` returns every :class:`Diagnostic` without raising.
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
]
