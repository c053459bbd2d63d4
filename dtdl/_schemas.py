"""Typed, immutable schema values: primitive, Array, Enum, Map and Object."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


def _no_text() -> Mapping[str, str]:
    return MappingProxyType({})


@dataclass(frozen=True)
class PrimitiveSchema:
    """A built-in schema by term: ``double``, ``string``, geospatial ``point``, ..."""

    name: str
    id: str = ""

    @property
    def kind(self) -> str:
        return "primitive"


@dataclass(frozen=True)
class EnumValue:
    id: str
    name: str
    enum_value: str | int
    display_name: Mapping[str, str] = field(default_factory=_no_text)
    description: Mapping[str, str] = field(default_factory=_no_text)
    comment: str | None = None
    types: tuple[str, ...] = ("EnumValue",)


@dataclass(frozen=True)
class Field:
    id: str
    name: str
    schema: Schema
    semantic_types: tuple[str, ...] = ()
    unit: str | None = None
    display_name: Mapping[str, str] = field(default_factory=_no_text)
    description: Mapping[str, str] = field(default_factory=_no_text)
    comment: str | None = None
    types: tuple[str, ...] = ("Field",)


@dataclass(frozen=True)
class MapKey:
    id: str
    name: str
    schema: PrimitiveSchema
    display_name: Mapping[str, str] = field(default_factory=_no_text)
    description: Mapping[str, str] = field(default_factory=_no_text)
    comment: str | None = None


@dataclass(frozen=True)
class MapValue:
    id: str
    name: str
    schema: Schema
    semantic_types: tuple[str, ...] = ()
    unit: str | None = None
    display_name: Mapping[str, str] = field(default_factory=_no_text)
    description: Mapping[str, str] = field(default_factory=_no_text)
    comment: str | None = None
    types: tuple[str, ...] = ("MapValue",)


@dataclass(frozen=True)
class ArraySchema:
    id: str
    element_schema: Schema
    display_name: Mapping[str, str] = field(default_factory=_no_text)
    description: Mapping[str, str] = field(default_factory=_no_text)
    comment: str | None = None
    types: tuple[str, ...] = ("Array",)

    @property
    def kind(self) -> str:
        return "Array"


@dataclass(frozen=True)
class EnumSchema:
    id: str
    value_schema: PrimitiveSchema
    enum_values: tuple[EnumValue, ...]
    display_name: Mapping[str, str] = field(default_factory=_no_text)
    description: Mapping[str, str] = field(default_factory=_no_text)
    comment: str | None = None
    types: tuple[str, ...] = ("Enum",)

    @property
    def kind(self) -> str:
        return "Enum"


@dataclass(frozen=True)
class MapSchema:
    id: str
    map_key: MapKey
    map_value: MapValue
    display_name: Mapping[str, str] = field(default_factory=_no_text)
    description: Mapping[str, str] = field(default_factory=_no_text)
    comment: str | None = None
    types: tuple[str, ...] = ("Map",)

    @property
    def kind(self) -> str:
        return "Map"


@dataclass(frozen=True)
class ObjectSchema:
    id: str
    fields: tuple[Field, ...] = field(default_factory=tuple)
    display_name: Mapping[str, str] = field(default_factory=_no_text)
    description: Mapping[str, str] = field(default_factory=_no_text)
    comment: str | None = None
    types: tuple[str, ...] = ("Object",)

    @property
    def kind(self) -> str:
        return "Object"


Schema = PrimitiveSchema | ArraySchema | EnumSchema | MapSchema | ObjectSchema
