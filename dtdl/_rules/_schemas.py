"""Complex schemas: nesting depth, self-reference, Enum datatypes, v2 Array exclusion."""

from __future__ import annotations

from dtdl._builtin_schemas import holds_array
from dtdl._node import Node
from dtdl._rules._base import (
    BUILTIN,
    SCHEMA_DEPTH,
    RuleBase,
)
from dtdl._vocab import is_a


class SchemaRules(RuleBase):
    """Complex schemas: nesting depth, self-reference, Enum datatypes, v2 Array exclusion."""

    def enum_datatype(self, node: Node) -> None:
        value_schema = next(iter(node.objects.get("valueSchema", ())), None)
        if value_schema is None:
            return
        expected = BUILTIN.get(value_schema)
        term = value_schema.rsplit(":", 1)[-1].partition(";")[0]
        for child in node.children.get("enumValues", ()):
            value = child.literals.get("enumValue")
            if value is None:
                continue
            ok = (expected == "String" and isinstance(value, str)) or (
                expected == "Integer" and isinstance(value, int) and not isinstance(value, bool)
            )
            if not ok:
                self.rep(
                    "nonConformantDatatype",
                    child,
                    primary=child.id,
                    prop="enumValue",
                    value=str(value),
                    secondary=node.id,
                    expected=term,
                    path=(*child.path, "enumValue"),
                )

    def _height(self, node: Node, visiting: set[str]) -> int | None:
        """How many ``schema``/``elementSchema`` steps below ``node`` the deepest element that
        itself has such a property lies (-1: none; ``None``: a cycle was met).

        The nesting limit counts these steps: an element ``SCHEMA_DEPTH`` steps down may not
        have a schema of its own (an Enum or an empty Object there is fine).
        """
        known = self._heights.get(node.id)
        if known is not None:
            return known
        if node.id in visiting:
            return None
        visiting.add(node.id)
        objects = node.objects
        height = 0 if ("schema" in objects or "elementSchema" in objects) else -1
        for prop, targets in objects.items():
            step = 1 if prop in ("schema", "elementSchema") else 0
            for target in targets:
                child = self.nodes.get(target)
                if child is None or child.cls == "Interface":
                    continue
                below = self._height(child, visiting)
                if below is None:
                    return None
                if below >= 0:
                    height = max(height, below + step)
            if height > SCHEMA_DEPTH:
                break
        visiting.discard(node.id)
        self._heights[node.id] = height
        return height

    def schema_depth(self, node: Node) -> None:
        """Nesting depth of complex schemas below ``node``, and self-reference."""
        height = self._height(node, set())
        if height is not None:
            if height >= SCHEMA_DEPTH:
                self.rep(
                    "excessiveDepthWide",
                    node,
                    primary=node.id,
                    prop="elementSchema",
                    limit=str(SCHEMA_DEPTH),
                )
            return
        stack: list[tuple[Node, int, frozenset[str]]] = [(node, 1, frozenset({node.id}))]
        while stack:
            current, depth, on_path = stack.pop()
            if depth > SCHEMA_DEPTH:
                self.rep(
                    "excessiveDepthWide",
                    node,
                    primary=node.id,
                    prop="elementSchema",
                    limit=str(SCHEMA_DEPTH),
                )
                return
            for schema_id in self._schema_children(current):
                if schema_id in on_path:
                    self.rep("recursiveStructureWide", node, primary=node.id, prop="elementSchema")
                    return
                child = self.nodes.get(schema_id)
                if child is not None and is_a(child.cls, "ComplexSchema"):
                    stack.append((child, depth + 1, on_path | {schema_id}))

    def _schema_children(self, node: Node) -> list[str]:
        result: list[str] = []
        for prop in ("elementSchema", "mapValue", "fields", "schema"):
            for target in node.objects.get(prop, ()):
                child = self.nodes.get(target)
                if child is None:
                    continue
                if is_a(child.cls, "ComplexSchema"):
                    result.append(child.id)
                elif child.cls in ("MapValue", "Field"):
                    result.extend(child.objects.get("schema", ()))
        return result

    def no_array_under(self, node: Node) -> None:
        """DTDL v2: no Array anywhere in a Property's schema.

        The geospatial schemas hold Arrays (their ``coordinates``); IoT Central's
        ``geopoint`` and ``vector`` are Objects of doubles and hold none.
        """
        seen: set[str] = set()
        stack = list(node.objects.get("schema", ()))
        while stack:
            ident = stack.pop()
            if ident in seen:
                continue
            seen.add(ident)
            child = self.nodes.get(ident)
            if holds_array(ident) or (child is not None and child.cls == "Array"):
                self.rep(
                    "excludedType",
                    node,
                    primary=node.id,
                    prop="schema",
                    secondary=ident,
                    expected="Array",
                    version="2",
                    path=(*node.path, "schema"),
                )
                return
            if child is None:
                continue
            for prop in ("elementSchema", "mapValue", "fields", "schema"):
                stack.extend(child.objects.get(prop, ()))
