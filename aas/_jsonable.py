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


def with_entry(template: Jsonable, key: str, value: Any) -> Jsonable:
    """A copy of ``template`` with ``key`` set, placed where aas-core writes it.

    ``to_jsonable`` writes ``modelType`` last and the value-like entries
    (``value``, ``submodelElements``) just before it, so ``key`` goes there.
    """
    filled = dict(template)
    model_type = filled.pop("modelType", None)
    filled[key] = value
    if model_type is not None:
        filled["modelType"] = model_type
    return filled


Path = tuple[str | int, ...]
"""Keys and list indexes from a dict down to one value in it."""


def replaced(tree: Any, path: Path, value: Any) -> Any:
    """A copy of ``tree`` with the value at ``path`` set to ``value``.

    Only the dicts and lists along ``path`` are copied (the rest stays shared
    with ``tree``); key order is kept.
    """
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(tree, dict) and isinstance(head, str) and head in tree:
        copy = dict(tree)
        copy[head] = replaced(tree[head], rest, value)
        return copy
    if isinstance(tree, list) and isinstance(head, int) and 0 <= head < len(tree):
        items = list(tree)
        items[head] = replaced(tree[head], rest, value)
        return items
    msg = f"template path step {head!r} is not in the template ({type(tree).__name__})"
    raise AasError(msg)


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
        return template if text is None else with_entry(template, "value", text)

    @staticmethod
    def submodel(header: Jsonable, submodel_id: str, elements: list[Jsonable]) -> Jsonable:
        """``header`` (a submodel dict without elements) with its id and elements."""
        filled = dict(header)
        filled["id"] = submodel_id
        return with_entry(filled, "submodelElements", elements) if elements else filled
