"""The immutable result of a successful parse."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any

from dtdl._build import Element
from dtdl._builtin_schemas import iotcentral_object
from dtdl._elements import CommandPayload, Interface, Property
from dtdl._elements import Telemetry as _Telemetry
from dtdl._errors import DtdlError
from dtdl._instance import conforms
from dtdl._messages import with_article
from dtdl._schemas import (
    ArraySchema,
    EnumSchema,
    Field,
    MapSchema,
    MapValue,
    ObjectSchema,
    PrimitiveSchema,
)

_SCHEMAS = (PrimitiveSchema, ArraySchema, EnumSchema, MapSchema, ObjectSchema)


class ModelSet:
    """Every element of a valid model set, by DTMI; Interfaces flattened over ``extends``."""

    __slots__ = ("_elements", "_extending", "_interfaces")

    def __init__(self, elements: Mapping[str, Element]) -> None:
        self._elements: Mapping[str, Element] = MappingProxyType(dict(elements))
        self._interfaces: Mapping[str, Interface] = MappingProxyType(
            {k: v for k, v in elements.items() if isinstance(v, Interface)}
        )
        extending: dict[str, set[str]] = {}
        for iface in self._interfaces.values():
            for base in iface.bases:
                extending.setdefault(base, set()).add(iface.id)
        self._extending = {k: frozenset(v) for k, v in extending.items()}

    def __setattr__(self, name: str, value: Any) -> None:
        if hasattr(self, "_extending"):
            msg = f"ModelSet is immutable; cannot set attribute {name!r}"
            raise AttributeError(msg)
        object.__setattr__(self, name, value)

    @property
    def interfaces(self) -> Mapping[str, Interface]:
        return self._interfaces

    @property
    def elements(self) -> Mapping[str, Element]:
        return self._elements

    def __contains__(self, dtmi: object) -> bool:
        return dtmi in self._elements

    def __iter__(self) -> Iterator[str]:
        return iter(self._elements)

    def __len__(self) -> int:
        return len(self._elements)

    def element(self, dtmi: str) -> Element:
        """Any element by id; ``KeyError`` when the set has none with that id."""
        found = self._elements.get(dtmi)
        if found is None:
            builtin: Element | None = _builtin_schema(dtmi) or iotcentral_object(dtmi)
            if builtin is None:
                raise KeyError(dtmi)
            return builtin
        return found

    def extending(self, dtmi: str) -> frozenset[str]:
        """Interfaces that extend ``dtmi``, directly or transitively (not itself)."""
        return self._extending.get(dtmi, frozenset())

    def check_instance(self, element_id: str, value: object) -> bool:
        """Whether ``value`` conforms to the schema of ``element_id``.

        ``element_id`` names a schema, or an element with a schema (Property, Telemetry,
        Field, MapValue, CommandRequest/Response). Other elements raise ``DtdlError``.
        """
        element = self.element(element_id)
        if isinstance(element, _SCHEMAS):
            return conforms(element, value)
        if isinstance(element, (Property, _Telemetry, Field, MapValue, CommandPayload)):
            return conforms(element.schema, value)
        kind = with_article(type(element).__name__)
        msg = (
            f"element {element_id!r} is {kind}, which has no schema; expected a schema or a "
            "Property, Telemetry, Field, MapValue or CommandRequest/Response id"
        )
        raise DtdlError(msg)


def _builtin_schema(dtmi: str) -> PrimitiveSchema | None:
    for prefix in ("dtmi:dtdl:instance:Schema:", "dtmi:standard:schema:geospatial:"):
        if dtmi.startswith(prefix):
            name, _, version = dtmi[len(prefix) :].partition(";")
            if version in ("2", "3") and name:
                return PrimitiveSchema(name, dtmi)
    return None
