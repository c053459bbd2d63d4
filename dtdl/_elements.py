"""Typed, immutable Interface and content elements."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from dtdl._schemas import Schema


def _no_text() -> Mapping[str, str]:
    return MappingProxyType({})


@dataclass(frozen=True)
class Property:
    id: str
    name: str
    schema: Schema
    writable: bool = False
    types: tuple[str, ...] = ("Property",)
    semantic_types: tuple[str, ...] = ()
    unit: str | None = None
    display_name: Mapping[str, str] = field(default_factory=_no_text)
    description: Mapping[str, str] = field(default_factory=_no_text)
    comment: str | None = None
    defined_in: str = ""


@dataclass(frozen=True)
class Telemetry:
    id: str
    name: str
    schema: Schema
    types: tuple[str, ...] = ("Telemetry",)
    semantic_types: tuple[str, ...] = ()
    unit: str | None = None
    display_name: Mapping[str, str] = field(default_factory=_no_text)
    description: Mapping[str, str] = field(default_factory=_no_text)
    comment: str | None = None
    defined_in: str = ""


@dataclass(frozen=True)
class Relationship:
    id: str
    name: str
    target: str | None = None
    min_multiplicity: int | None = None
    max_multiplicity: int | None = None
    properties: Mapping[str, Property] = field(default_factory=lambda: MappingProxyType({}))
    writable: bool = False
    types: tuple[str, ...] = ("Relationship",)
    display_name: Mapping[str, str] = field(default_factory=_no_text)
    description: Mapping[str, str] = field(default_factory=_no_text)
    comment: str | None = None
    defined_in: str = ""


@dataclass(frozen=True)
class Component:
    id: str
    name: str
    schema: str
    types: tuple[str, ...] = ("Component",)
    display_name: Mapping[str, str] = field(default_factory=_no_text)
    description: Mapping[str, str] = field(default_factory=_no_text)
    comment: str | None = None
    defined_in: str = ""


@dataclass(frozen=True)
class CommandPayload:
    id: str
    name: str
    schema: Schema
    nullable: bool = False
    types: tuple[str, ...] = ()
    semantic_types: tuple[str, ...] = ()
    unit: str | None = None
    display_name: Mapping[str, str] = field(default_factory=_no_text)
    description: Mapping[str, str] = field(default_factory=_no_text)
    comment: str | None = None


@dataclass(frozen=True)
class Command:
    id: str
    name: str
    request: CommandPayload | None = None
    response: CommandPayload | None = None
    types: tuple[str, ...] = ("Command",)
    display_name: Mapping[str, str] = field(default_factory=_no_text)
    description: Mapping[str, str] = field(default_factory=_no_text)
    comment: str | None = None
    defined_in: str = ""


Content = Property | Telemetry | Relationship | Component | Command


@dataclass(frozen=True)
class Interface:
    id: str
    dtdl_version: int
    types: tuple[str, ...]
    extends: tuple[str, ...]
    bases: frozenset[str]
    contents: Mapping[str, Content]
    schemas: tuple[Schema, ...]
    display_name: Mapping[str, str] = field(default_factory=_no_text)
    description: Mapping[str, str] = field(default_factory=_no_text)
    comment: str | None = None

    @property
    def properties(self) -> Mapping[str, Property]:
        return MappingProxyType({n: c for n, c in self.contents.items() if isinstance(c, Property)})

    @property
    def telemetries(self) -> Mapping[str, Telemetry]:
        return MappingProxyType(
            {n: c for n, c in self.contents.items() if isinstance(c, Telemetry)}
        )

    @property
    def relationships(self) -> Mapping[str, Relationship]:
        return MappingProxyType(
            {n: c for n, c in self.contents.items() if isinstance(c, Relationship)}
        )

    @property
    def components(self) -> Mapping[str, Component]:
        return MappingProxyType(
            {n: c for n, c in self.contents.items() if isinstance(c, Component)}
        )

    @property
    def commands(self) -> Mapping[str, Command]:
        return MappingProxyType({n: c for n, c in self.contents.items() if isinstance(c, Command)})
