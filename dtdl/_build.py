"""Building the typed, immutable model from validated Nodes."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from dtdl._builtin_schemas import iotcentral_object
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
from dtdl._node import Node
from dtdl._rules import BUILTIN
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

Element = Interface | Content | Schema | EnumValue | Field | MapKey | MapValue | CommandPayload


_NO_TEXT: MappingProxyType[str, str] = MappingProxyType({})


def _lang(node: Node, key: str) -> MappingProxyType[str, str]:
    texts = node.lang.get(key)
    return MappingProxyType(dict(texts)) if texts else _NO_TEXT


def _comment(node: Node) -> str | None:
    value = node.literals.get("comment")
    return value if isinstance(value, str) else None


def _types(node: Node) -> tuple[str, ...]:
    return (node.cls, *node.cotype_names(), *node.extra_types)


def _semantic(node: Node) -> tuple[str, ...]:
    return tuple(c.name for c in node.cotypes if c.unit_type is not None)


def _unit(node: Node) -> str | None:
    value = node.literals.get("unit")
    return value if isinstance(value, str) else None


class Builder:
    """Builds (and caches) typed elements by id."""

    def __init__(self, nodes: dict[str, Node], bases: dict[str, frozenset[str]]) -> None:
        self.nodes = nodes
        self.bases = bases
        self.built: dict[str, Element] = {}
        self._building: set[str] = set()

    def schema(self, ident: str) -> Schema:
        iotcentral = iotcentral_object(ident)
        if iotcentral is not None:
            return iotcentral
        if ident in BUILTIN:
            name = ident.rsplit(":", 1)[-1].partition(";")[0]
            return PrimitiveSchema(name, ident)
        node = self.nodes.get(ident)
        if node is None:
            return PrimitiveSchema(ident.rsplit(":", 1)[-1], ident)
        built = self.element(node)
        if isinstance(built, (PrimitiveSchema, ArraySchema, EnumSchema, MapSchema, ObjectSchema)):
            return built
        return PrimitiveSchema("string", ident)

    def _first(self, node: Node, key: str) -> str | None:
        values = node.objects.get(key) or []
        return values[0] if values else None

    def _schema_of(self, node: Node, key: str = "schema") -> Schema:
        ident = self._first(node, key)
        return self.schema(ident) if ident else PrimitiveSchema("string", "")

    def element(self, node: Node) -> Element:
        cached = self.built.get(node.id)
        if cached is not None:
            return cached
        if node.id in self._building:  # a cycle (reported elsewhere): cut it
            return PrimitiveSchema("string", node.id)
        self._building.add(node.id)
        try:
            result = self._make(node)
        finally:
            self._building.discard(node.id)
        self.built[node.id] = result
        return result

    def _common(self, node: Node) -> dict[str, Any]:
        return {
            "display_name": _lang(node, "displayName"),
            "description": _lang(node, "description"),
            "comment": _comment(node),
        }

    def _make(self, node: Node) -> Element:
        cls, common = node.cls, self._common(node)
        name = node.name or ""
        if cls == "Interface":
            return self._interface(node)
        if cls == "Property":
            return Property(
                node.id,
                name,
                self._schema_of(node),
                writable=node.literals.get("writable") is True,
                types=_types(node),
                semantic_types=_semantic(node),
                unit=_unit(node),
                defined_in=node.partition.id,
                **common,
            )
        if cls == "Telemetry":
            return Telemetry(
                node.id,
                name,
                self._schema_of(node),
                types=_types(node),
                semantic_types=_semantic(node),
                unit=_unit(node),
                defined_in=node.partition.id,
                **common,
            )
        if cls == "Relationship":
            props = {}
            for child_id in node.objects.get("properties", ()):
                child = self.nodes.get(child_id)
                if child is not None:
                    built = self.element(child)
                    if isinstance(built, Property):
                        props[built.name] = built
            lo, hi = node.literals.get("minMultiplicity"), node.literals.get("maxMultiplicity")
            target = node.literals.get("target")
            return Relationship(
                node.id,
                name,
                target if isinstance(target, str) else None,
                lo if isinstance(lo, int) else None,
                hi if isinstance(hi, int) else None,
                MappingProxyType(props),
                node.literals.get("writable") is True,
                types=_types(node),
                defined_in=node.partition.id,
                **common,
            )
        if cls == "Component":
            return Component(
                node.id,
                name,
                self._first(node, "schema") or "",
                types=_types(node),
                defined_in=node.partition.id,
                **common,
            )
        if cls == "Command":
            return Command(
                node.id,
                name,
                self._payload(node, "request"),
                self._payload(node, "response"),
                types=_types(node),
                defined_in=node.partition.id,
                **common,
            )
        if cls in ("CommandPayload", "CommandRequest", "CommandResponse"):
            return CommandPayload(
                node.id,
                name,
                self._schema_of(node),
                nullable=node.literals.get("nullable") is True,
                types=_types(node),
                semantic_types=_semantic(node),
                unit=_unit(node),
                **common,
            )
        if cls == "Array":
            return ArraySchema(
                node.id, self._schema_of(node, "elementSchema"), types=_types(node), **common
            )
        if cls == "Enum":
            value_schema = self._schema_of(node, "valueSchema")
            values = tuple(
                v
                for v in (self.element(c) for c in node.children.get("enumValues", ()))
                if isinstance(v, EnumValue)
            )
            primitive = (
                value_schema
                if isinstance(value_schema, PrimitiveSchema)
                else (PrimitiveSchema("string"))
            )
            return EnumSchema(node.id, primitive, values, types=_types(node), **common)
        if cls == "EnumValue":
            raw = node.literals.get("enumValue")
            return EnumValue(
                node.id,
                name,
                raw if isinstance(raw, (str, int)) else "",
                types=_types(node),
                **common,
            )
        if cls == "Map":
            key_node = self.nodes.get(self._first(node, "mapKey") or "")
            value_node = self.nodes.get(self._first(node, "mapValue") or "")
            map_key = self.element(key_node) if key_node else None
            map_value = self.element(value_node) if value_node else None
            if not isinstance(map_key, MapKey):
                map_key = MapKey(node.id + ":key", "key", PrimitiveSchema("string"))
            if not isinstance(map_value, MapValue):
                map_value = MapValue(node.id + ":value", "value", PrimitiveSchema("string"))
            return MapSchema(node.id, map_key, map_value, types=_types(node), **common)
        if cls == "MapKey":
            return MapKey(
                node.id,
                name,
                PrimitiveSchema("string", self._first(node, "schema") or ""),
                **common,
            )
        if cls == "MapValue":
            return MapValue(
                node.id,
                name,
                self._schema_of(node),
                semantic_types=_semantic(node),
                unit=_unit(node),
                types=_types(node),
                **common,
            )
        if cls == "Object":
            fields = tuple(
                f
                for f in (self.element(c) for c in node.children.get("fields", ()))
                if isinstance(f, Field)
            )
            return ObjectSchema(node.id, fields, types=_types(node), **common)
        if cls == "Field":
            return Field(
                node.id,
                name,
                self._schema_of(node),
                semantic_types=_semantic(node),
                unit=_unit(node),
                types=_types(node),
                **common,
            )
        return PrimitiveSchema(cls, node.id)

    def _payload(self, node: Node, key: str) -> CommandPayload | None:
        ident = self._first(node, key)
        child = self.nodes.get(ident) if ident else None
        if child is None:
            return None
        built = self.element(child)
        return built if isinstance(built, CommandPayload) else None

    def _interface(self, node: Node) -> Interface:
        bases = self.bases.get(node.id, frozenset())
        contents: dict[str, Content] = {}
        for iface_id in (node.id, *sorted(bases)):
            iface = self.nodes.get(iface_id)
            if iface is None:
                continue
            for child_id in iface.objects.get("contents", ()):
                child = self.nodes.get(child_id)
                if child is None or child.name is None or child.name in contents:
                    continue
                built = self.element(child)
                if isinstance(built, (Property, Telemetry, Relationship, Component, Command)):
                    contents[child.name] = built
        schemas = tuple(self.schema(s) for s in node.objects.get("schemas", ()))
        return Interface(
            node.id,
            node.version,
            _types(node),
            tuple(node.objects.get("extends", ())),
            bases,
            MappingProxyType(contents),
            schemas,
            **self._common(node),
        )
