"""Object-valued properties: inline child elements and references by DTMI or term."""

from __future__ import annotations

from typing import Any

from dtdl import _dtmi
from dtdl._context import Context
from dtdl._extensions import QT_ENUM
from dtdl._iri import canonical_value
from dtdl._json import Path
from dtdl._node import Node
from dtdl._rules import BUILTIN
from dtdl._units import UNIT_TYPES
from dtdl._vocab import (
    CLASS_TERMS,
    COMMAND_TYPES,
    GEOSPATIAL,
    PRIMITIVES,
    Prop,
    is_a,
    term_id,
)
from dtdl._walkstate import Report, WalkerState


class ObjectValues(WalkerState):
    """Values of properties whose range is a class (``schema``, ``contents``, ...)."""

    def _object_property(
        self,
        node: Node,
        key: str,
        value: Any,
        spec: Prop,
        ctx: Context,
        doc: int,
        path: Path,
        depth: int,
    ) -> None:
        rep = self._rep
        items = value if isinstance(value, list) else [value]
        ids: list[str] = []
        children: list[Node] = []
        valid = 0
        for i, item in enumerate(items):
            ipath = (*path, i) if isinstance(value, list) else path
            if isinstance(item, str):
                self._string_value(node, key, item, spec, ctx, ids, ipath)
                valid += 1
            elif isinstance(item, dict):
                if "@id" in item and all(k == "@id" for k in item):
                    # a solecism some v2 models rely on: ``{"@id": dtmi}`` for ``dtmi``
                    if not (self.lenient and ctx.version < 3):
                        rep("idReference", primary=node.id, prop=key, path=ipath)
                    elif isinstance(item["@id"], str):
                        self._string_value(node, key, item["@id"], spec, ctx, ids, ipath)
                        valid += 1
                    else:
                        rep("idRefBadDtmiOrTerm", primary=node.id, prop=key, path=ipath)
                    continue
                if spec.id_required and "@id" not in item:
                    rep("missingRequiredId", primary=node.id, prop=key, path=ipath)
                    continue
                self.id_failed = False
                child = self.element(item, ctx, node, key, spec, doc, ipath, depth + 1)
                if child is None and self.id_failed:
                    valid += 1
                if child is not None:
                    ids.append(child.id)
                    children.append(child)
                    valid += 1
                    if spec.values and not _value_term_ok(child, spec):
                        rep(
                            "incorrectPropertyValue",
                            primary=node.id,
                            prop=key,
                            value=child.id,
                            path=ipath,
                            allowed=" or ".join(spec.values),
                        )
            else:
                rep("refNotStringOrObject", primary=node.id, prop=key, path=ipath)
        if spec.max is not None and len(items) > spec.max:
            if spec.max == 1:
                rep("objectMultipleValues", primary=node.id, prop=key, path=path)
            else:
                rep(
                    "objectCountAboveMax", primary=node.id, prop=key, path=path, limit=str(spec.max)
                )
        if valid < spec.min and (len(items) >= spec.min or spec.min > 0):
            rep("objectCountBelowMin", primary=node.id, prop=key, path=path, limit=str(spec.min))
        node.objects[key] = ids
        node.children[key] = children

    def _string_value(
        self,
        node: Node,
        key: str,
        item: str,
        spec: Prop,
        ctx: Context,
        ids: list[str],
        path: Path,
    ) -> None:
        """A value given as a DTMI or a term: record the element it refers to."""
        target = self._reference(node, key, item, spec, ctx, self._rep, path)
        if target is not None:
            ids.append(target)
            # a term: its class matters only where the range is narrower than Schema
            if (spec.values or spec.range != "Schema") and (
                target in BUILTIN or not item.startswith("dtmi:")
            ):
                self.refs.append((node, key, target, path))

    def _reference(
        self,
        node: Node,
        key: str,
        item: str,
        spec: Prop,
        ctx: Context,
        rep: Report,
        path: Path,
    ) -> str | None:
        version = node.version
        rng = spec.range or ""
        if item.startswith("dtmi:") and item in BUILTIN:
            term = canonical_value(item, version)
            if term != item:
                rep(
                    "preferTerm",
                    severity="warning",
                    primary=node.id,
                    prop=key,
                    value=item,
                    expected=term,
                    path=path,
                )
        if spec.values:
            item = canonical_value(item, version)
            if item in spec.values:
                return term_id(item, version)
            if item in PRIMITIVES or item in COMMAND_TYPES or _dtmi.is_reserved(item):
                cls = PRIMITIVES.get(item, "CommandType")
                code = "incorrectPropertyValue" if is_a(cls, rng) else "badType"
                rep(
                    code,
                    primary=node.id,
                    prop=key,
                    value=item,
                    path=path,
                    expected=rng,
                    allowed=" or ".join(spec.values),
                )
                return None
        if is_a(rng, "Schema") or rng == "Schema":
            if item in PRIMITIVES or item in GEOSPATIAL:
                return term_id(item, version)
            for ext in ctx.extensions:
                if item in ext.value_terms and ext.context.startswith("dtmi:iotcentral:"):
                    return f"dtmi:iotcentral:schema:{item};2"
                if item in ext.value_terms and item in UNIT_TYPES[3]:
                    return f"{QT_ENUM}{item}"
        if item in CLASS_TERMS[version]:
            rep("badType", primary=node.id, prop=key, value=item, path=path, expected=rng)
            return None
        is_dtmi = item.startswith("dtmi:") and _dtmi.ANY.match(item) is not None
        if is_dtmi and (_dtmi.is_user_dtmi(item, version) or _dtmi.is_reserved(item)):
            self.refs.append((node, key, item, path))
            return item
        rep(
            "badDtmiOrTerm",
            primary=node.id,
            prop=key,
            value=item,
            path=path,
            version=str(version),
            allowed=" or ".join(spec.values) if spec.values and not is_dtmi else None,
        )
        return None


def _value_term_ok(child: Node, spec: Prop) -> bool:
    return child.cls in {PRIMITIVES.get(v, v) for v in spec.values}
