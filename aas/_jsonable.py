"""JSON-ready dicts of elements and submodels from per-model templates (the fast export path).

Building aas-core3.1 objects and turning them into dicts was three quarters
of the JSON export. Most of a submodel does not change between twins of one
model: idShorts, display names, descriptions, semanticIds, value types and
whole Operations. Those parts are turned into dicts once per DTDL element
(``to_jsonable`` of the object the mapping builds, so the output is the
library's own) and reused; per twin only the ``value`` of a Property and the
submodel ``id`` are filled in. Elements whose shape depends on the twin
(Objects, Arrays, Maps, Relationships) are still built as objects and
converted, so every element is exactly what :mod:`aas._elements` gives.

The shared nested dicts are never changed: callers serialise the result at
once and must not mutate it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aas_core3_1 import jsonization
from aas_core3_1 import types as t

import dtdl
from aas._concepts import Described
from aas._elements import data_element, operation, property_text
from aas._errors import AasError
from ontology import JsonValue

Jsonable = dict[str, Any]
_LIMIT = 100_000
"""Templates held at most (cleared when full; a model set has far fewer elements)."""


def as_dict(obj: t.Class) -> Jsonable:
    """``to_jsonable`` of an aas-core3.1 object (always a dict for a class instance)."""
    found = jsonization.to_jsonable(obj)
    if not isinstance(found, dict):
        msg = f"to_jsonable of {type(obj).__name__} gave {type(found).__name__}; expected a dict"
        raise AasError(msg)
    return found


class JsonTemplates:
    """Caches of element and submodel dicts, keyed by the DTDL element and idShort."""

    def __init__(self) -> None:
        self._static: dict[tuple[str, ...], Jsonable] = {}

    def static(self, key: tuple[str, ...], build: Callable[[], t.Class]) -> Jsonable:
        """The dict of an object that is the same for every twin (built once)."""
        found = self._static.get(key)
        if found is None:
            if len(self._static) >= _LIMIT:
                self._static.clear()
            found = as_dict(build())
            self._static[key] = found
        return found

    def operation(self, command: dtdl.Command, id_short: str) -> Jsonable:
        """The dict of ``operation(command, id_short)`` (the same for every twin)."""
        key = ("operation", command.id, id_short)
        return self.static(key, lambda: operation(command, id_short))

    def data_element(
        self,
        schema: dtdl.Schema,
        id_short: str,
        value: JsonValue,
        *,
        semantic: str,
        meta: Described,
    ) -> Jsonable:
        """The dict of ``data_element(schema, id_short, value, ...)``."""
        if not isinstance(schema, dtdl.PrimitiveSchema | dtdl.EnumSchema):
            return as_dict(data_element(schema, id_short, value, semantic=semantic, meta=meta))
        template = self.static(
            ("element", semantic, id_short, meta.id),
            lambda: data_element(schema, id_short, None, semantic=semantic, meta=meta),
        )
        text = property_text(schema, value)
        if text is None:
            return template
        filled = dict(template)
        filled["value"] = text
        filled["modelType"] = filled.pop("modelType")
        return filled

    @staticmethod
    def submodel(header: Jsonable, submodel_id: str, elements: list[Jsonable]) -> Jsonable:
        """``header`` (a submodel dict without elements) with its id and elements."""
        filled = dict(header)
        filled["id"] = submodel_id
        model_type = filled.pop("modelType")
        if elements:
            filled["submodelElements"] = elements
        filled["modelType"] = model_type
        return filled
