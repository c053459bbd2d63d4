"""Rules across elements: references, inheritance, uniqueness, nesting and cycles."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dtdl._extensions import QT_ENUM
from dtdl._iri import canonical_value
from dtdl._node import Node
from dtdl._units import ALL_UNITS, UNIT_TYPES, UNITS
from dtdl._vocab import CLASSES, GEOSPATIAL, PRIMITIVES, is_a, term_id

Report = Callable[..., None]
EXTENDS_DEPTH = 10
EXTENDS_COUNT = 1024
SCHEMA_DEPTH = 5
CONTENTS_TOTAL = 100_000
_PLURAL_OWNERS = frozenset({"Interface", "Relationship", "Object", "Enum"})
_SCHEMA_PROPS = ("schema", "elementSchema", "mapValue", "fields", "enumValues")


def builtin_ids() -> dict[str, str]:
    """DTMI of every built-in schema (and command type) -> its class."""
    result: dict[str, str] = {}
    for version in (2, 3):
        for term, cls in PRIMITIVES.items():
            result[term_id(term, version)] = cls
        for term in GEOSPATIAL:
            result[term_id(term, version)] = "Object"
        for term in ("asynchronous", "synchronous"):
            result[term_id(term, version)] = "CommandType"
    for unit_type in UNIT_TYPES[3]:
        result[f"{QT_ENUM}{unit_type}"] = "Enum"
    result["dtmi:iotcentral:schema:vector;2"] = "Object"
    result["dtmi:iotcentral:schema:geopoint;2"] = "Object"
    return result


BUILTIN = builtin_ids()


class Rules:
    """Checks that need the whole set of Nodes."""

    def __init__(
        self,
        nodes: dict[str, Node],
        order: list[Node],
        report: Report,
        refs: list[tuple[Node, str, str, tuple[str | int, ...]]] | None = None,
    ) -> None:
        self.refs = refs if refs is not None else [(n, "", "", ()) for n in order]
        self.nodes = nodes
        self.order = order
        self.report = report
        self.bases: dict[str, frozenset[str]] = {}
        self.bad_extends: set[str] = set()
        self._flat: dict[str, list[Node]] = {}
        self._heights: dict[str, int] = {}
        self._nested: dict[str, str | None] = {}

    def rep(self, code: str, node: Node, **kw: Any) -> None:
        kw.setdefault("doc", node.doc)
        kw.setdefault("path", node.path)
        self.report(code, **kw)

    def class_of(self, ident: str) -> str | None:
        node = self.nodes.get(ident)
        if node is not None:
            return node.cls
        if ident in BUILTIN:
            return BUILTIN[ident]
        if ":" in ident and not ident.startswith("dtmi:"):
            return "Extension"
        return None

    # ------------------------------------------------------------------ run all
    def run(self) -> None:
        for node in {id(n): n for n, *_ in self.refs}.values():
            self.references(node)
        for node in self.order:
            if node.cls == "Interface":
                self.inheritance(node)
        for node in self.order:
            if node.cls in _PLURAL_OWNERS:
                self.uniqueness(node)
            if node.cls == "Interface":
                self.interface_contents(node)
                self.annotations(node)
            if node.cls == "Enum":
                self.enum_datatype(node)
            if node.cotypes:
                self.semantic_units(node)
                self.cotype_schema(node)
                self.cotype_placement(node)
            if node.version == 2 and node.cls == "Property":
                self.no_array_under(node)
        for node in self.order:
            if is_a(node.cls, "ComplexSchema"):
                self.schema_depth(node)
        if len(self.order) > CONTENTS_TOTAL:
            self.contents_totals()

    # ------------------------------------------------------------------ references
    def references(self, node: Node) -> None:
        for prop, targets in node.objects.items():
            inline = {child.id for child in node.children.get(prop, ())}
            for target in targets:
                if target in inline:
                    continue
                cls = self.class_of(target)
                if cls is None or cls == "Extension":
                    continue
                tnode = self.nodes.get(target)
                spec = CLASSES[node.version][node.cls].get(prop)
                rng = spec.range if spec else None
                if rng and not is_a(cls, rng):
                    self.rep(
                        "badType",
                        node,
                        primary=node.id,
                        prop=prop,
                        secondary=target,
                        expected=rng,
                        path=(*node.path, prop),
                    )
                    continue
                if tnode is None:
                    continue
                if tnode.cls != "Interface" and tnode.partition is not node.partition:
                    self.rep(
                        "crossPartitionReference",
                        node,
                        primary=node.id,
                        prop=prop,
                        secondary=target,
                        value=tnode.partition.id,
                        path=(*node.path, prop),
                    )
                elif node.version == 2 and tnode.version != 2:
                    self.rep(
                        "disallowedVersionReference",
                        node,
                        primary=node.id,
                        prop=prop,
                        secondary=target,
                        value=str(tnode.version),
                        path=(*node.path, prop),
                    )

    # ------------------------------------------------------------------ extends
    def inheritance(self, node: Node) -> frozenset[str]:
        if node.id in self.bases:
            return self.bases[node.id]
        # iterative DFS with path for cycles and depth
        result: set[str] = set()
        depth_exceeded = False
        cycle = False
        stack: list[tuple[str, int]] = [(t, 1) for t in node.objects.get("extends", ())]
        visited: dict[str, int] = {}
        while stack:
            ident, depth = stack.pop()
            if ident == node.id:
                cycle = True
                continue
            if visited.get(ident, 0) >= depth and ident in result:
                continue
            visited[ident] = depth
            result.add(ident)
            if depth > EXTENDS_DEPTH:
                depth_exceeded = True
                continue
            base = self.nodes.get(ident)
            if base is not None and base.cls == "Interface":
                stack.extend((t, depth + 1) for t in base.objects.get("extends", ()))
        if cycle:
            self.rep("recursiveStructureNarrow", node, primary=node.id, prop="extends")
            self.bad_extends.add(node.id)
        elif depth_exceeded:
            self.rep(
                "excessiveDepthNarrow",
                node,
                primary=node.id,
                prop="extends",
                limit=str(EXTENDS_DEPTH),
            )
            self.bad_extends.add(node.id)
        elif node.version >= 3 and len(result) > EXTENDS_COUNT:
            self.rep(
                "excessiveCount", node, primary=node.id, prop="extends", limit=str(EXTENDS_COUNT)
            )
        frozen = frozenset(result)
        self.bases[node.id] = frozen
        return frozen

    def flattened(self, node: Node) -> list[Node]:
        """Own contents then inherited contents, in order, without repeats."""
        cached = self._flat.get(node.id)
        if cached is not None:
            return cached
        seen: set[str] = set()
        result: list[Node] = []
        for iface_id in (node.id, *sorted(self.bases.get(node.id, ()))):
            iface = self.nodes.get(iface_id)
            if iface is None or iface.cls != "Interface":
                continue
            for child_id in iface.objects.get("contents", ()):
                child = self.nodes.get(child_id)
                if child is not None and child.id not in seen:
                    seen.add(child.id)
                    result.append(child)
        self._flat[node.id] = result
        return result

    def interface_contents(self, node: Node) -> None:
        if node.id in self.bad_extends:
            return
        own = set(node.objects.get("contents", ()))
        names: dict[str, Node] = {}
        for child in self.flattened(node):
            if child.name is None:
                continue
            prior = names.get(child.name)
            if prior is not None and prior is not child:
                if child.id in own and prior.id in own:
                    pass  # reported by uniqueness()
                else:
                    where = child if child.id in own else prior if prior.id in own else node
                    self.rep(
                        "nonUniqueImportedPropertyValue",
                        node,
                        primary=node.id,
                        prop="contents",
                        value=child.name,
                        secondary=prior.id,
                        path=where.path if where.doc == node.doc else node.path,
                    )
                    return
            names.setdefault(child.name, child)
        self.components(node)

    def components(self, node: Node) -> None:
        for child in self.flattened(node):
            if child.cls != "Component":
                continue
            for target in child.objects.get("schema", ()):
                nested = self._component_inside(target)
                if nested is not None:
                    self.rep(
                        "excludedType",
                        child,
                        primary=child.id,
                        prop="schema",
                        secondary=nested,
                        expected="Component",
                    )
                    return

    def _component_inside(self, iface_id: str) -> str | None:
        """The id of a Component in Interface ``iface_id`` or its bases (memoised)."""
        if iface_id in self._nested:
            return self._nested[iface_id]
        found: str | None = None
        iface = self.nodes.get(iface_id)
        if iface is not None:
            for inner_id in (iface_id, *self.bases.get(iface_id, ())):
                inner = self.nodes.get(inner_id)
                if inner is None:
                    continue
                for content_id in inner.objects.get("contents", ()):
                    content = self.nodes.get(content_id)
                    if content is not None and content.cls == "Component":
                        found = content.id
                        break
                if found is not None:
                    break
        self._nested[iface_id] = found
        return found

    # ------------------------------------------------------------------ uniqueness
    def uniqueness(self, node: Node) -> None:
        for prop in ("contents", "properties", "fields", "enumValues"):
            if prop not in node.objects:
                continue
            inline = node.children.get(prop, [])
            inline_ids = {c.id for c in inline}
            referenced = [
                self.nodes.get(i)
                for i in dict.fromkeys(node.objects.get(prop, ()))
                if i not in inline_ids
            ]
            members: list[Node] = []
            explicit_seen: set[str] = set()
            for child in [*inline, *(r for r in referenced if r is not None)]:
                if child.explicit_id:
                    if child.id in explicit_seen:
                        continue
                    explicit_seen.add(child.id)
                members.append(child)
            seen: set[str] = set()
            for child in members:
                name = child.name
                if name is None:
                    continue
                if name in seen:
                    self.rep(
                        "nonUniquePropertyValue",
                        node,
                        primary=node.id,
                        prop=prop,
                        value=name,
                        path=child.path if child.doc == node.doc else node.path,
                    )
                    break
                seen.add(name)
            indexes: set[int] = set()
            for child in members if any(m.cotypes for m in members) else ():
                index = child.literals.get("index")
                if isinstance(index, int) and "Indexed" in child.cotype_names():
                    if index in indexes:
                        self.rep(
                            "nonUniquePropertyValue",
                            node,
                            primary=node.id,
                            prop=prop,
                            value=str(index),
                        )
                        break
                    indexes.add(index)
            if prop == "enumValues":
                values: list[Any] = []
                for child in inline:
                    value = child.literals.get("enumValue")
                    if value is None:
                        continue
                    if any(type(v) is type(value) and v == value for v in values):
                        self.rep(
                            "nonUniquePropertyValue",
                            node,
                            primary=node.id,
                            prop=prop,
                            value=str(value),
                        )
                        break
                    values.append(value)

    # ------------------------------------------------------------------ schemas
    def enum_datatype(self, node: Node) -> None:
        value_schema = next(iter(node.objects.get("valueSchema", ())), None)
        if value_schema is None:
            return
        expected = BUILTIN.get(value_schema)
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
                    expected=str(expected),
                    path=(*child.path, "enumValue"),
                )

    def _height(self, node: Node, visiting: set[str]) -> int | None:
        """Levels of complex schemas from ``node`` down (``None`` when a cycle is met)."""
        known = self._heights.get(node.id)
        if known is not None:
            return known
        if node.id in visiting:
            return None
        visiting.add(node.id)
        height = 1
        for schema_id in self._schema_children(node):
            child = self.nodes.get(schema_id)
            if child is None or not is_a(child.cls, "ComplexSchema"):
                continue
            below = self._height(child, visiting)
            if below is None:
                return None
            height = max(height, below + 1)
            if height > SCHEMA_DEPTH + 1:
                break
        visiting.discard(node.id)
        self._heights[node.id] = height
        return height

    def schema_depth(self, node: Node) -> None:
        """Nesting depth of complex schemas below ``node``, and self-reference."""
        height = self._height(node, set())
        if height is not None:
            if height > SCHEMA_DEPTH:
                self.rep("excessiveDepthWide", node, primary=node.id, limit=str(SCHEMA_DEPTH))
            return
        stack: list[tuple[Node, int, frozenset[str]]] = [(node, 1, frozenset({node.id}))]
        while stack:
            current, depth, on_path = stack.pop()
            if depth > SCHEMA_DEPTH:
                self.rep("excessiveDepthWide", node, primary=node.id, limit=str(SCHEMA_DEPTH))
                return
            for schema_id in self._schema_children(current):
                if schema_id in on_path:
                    self.rep("recursiveStructureWide", node, primary=node.id)
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

    def cotype_schema(self, node: Node) -> None:
        """Co-types that constrain ``schema`` (semantic types need a numeric schema, ...)."""
        target = next(iter(node.objects.get("schema", ())), None)
        if target is None:
            return
        cls = self.class_of(target)
        term = target.rsplit(":", 1)[-1].partition(";")[0] if target in BUILTIN else None
        for cotype in node.cotypes:
            if not cotype.schema_types and not cotype.schema_values:
                continue
            if cls is not None and any(is_a(cls, t) for t in cotype.schema_types):
                continue
            if term is not None and term in cotype.schema_values:
                continue
            if cls is None:
                continue
            self.rep(
                "notRequiredValue" if cotype.schema_values else "notRequiredType",
                node,
                primary=node.id,
                prop="schema",
                secondary=target,
                expected=" or ".join(cotype.schema_types or cotype.schema_values),
                path=(*node.path, "schema"),
            )
            return

    def cotype_placement(self, node: Node) -> None:
        """Co-types that exclude others, need a co-typed parent, or must be alone."""
        names = node.cotype_names()
        parent = node.parent
        for cotype in node.cotypes:
            clash = [d for d in cotype.discotypes if d in names]
            if clash:
                self.rep(
                    "disallowedCocotype",
                    node,
                    primary=node.id,
                    value=cotype.name,
                    expected=clash[0],
                    path=(*node.path, "@type"),
                )
            if cotype.parent_cotypes and parent is not None and node.prop == "fields":
                if not any(c in parent.cotype_names() for c in cotype.parent_cotypes):
                    self.rep(
                        "parentMissingCotype",
                        node,
                        primary=node.id,
                        prop="fields",
                        value=cotype.name,
                        expected=" or ".join(cotype.parent_cotypes),
                        path=(*node.path, "@type"),
                    )
                elif cotype.sole_among_siblings:
                    for sibling in parent.children.get("fields", ()):
                        if sibling is not node and cotype.name in sibling.cotype_names():
                            self.rep(
                                "siblingDuplicatesCotype",
                                node,
                                primary=node.id,
                                prop="fields",
                                value=cotype.name,
                                secondary=sibling.id,
                                path=(*node.path, "@type"),
                            )
                            break
            if cotype.schema_cotypes:
                target = self.nodes.get(next(iter(node.objects.get("schema", ())), ""))
                if target is not None and not any(
                    c in target.cotype_names() for c in cotype.schema_cotypes
                ):
                    self.rep(
                        "notRequiredType",
                        node,
                        primary=node.id,
                        prop="schema",
                        secondary=target.id,
                        expected=" or ".join(cotype.schema_cotypes),
                        path=(*node.path, "schema"),
                    )

    def contents_totals(self) -> None:
        """DTDL v3: at most 100,000 elements under an Interface's contents, inherited ones too."""
        below: dict[str, int] = {}
        for node in reversed(self.order):  # children come after their parents
            below[node.id] = 1 + sum(
                below.get(child.id, 0) for kids in node.children.values() for child in kids
            )
        for node in self.order:
            if node.cls != "Interface" or node.version < 3:
                continue
            total = 0
            for iface_id in (node.id, *self.bases.get(node.id, ())):
                iface = self.nodes.get(iface_id)
                if iface is not None:
                    total += sum(below.get(c, 0) for c in iface.objects.get("contents", ()))
            if total > CONTENTS_TOTAL:
                self.rep(
                    "excessiveCount",
                    node,
                    primary=node.id,
                    prop="contents",
                    value=str(total),
                    limit=str(CONTENTS_TOTAL),
                )

    def no_array_under(self, node: Node) -> None:
        """DTDL v2: no Array anywhere in a Property's schema (geospatial schemas hold Arrays)."""
        seen: set[str] = set()
        stack = list(node.objects.get("schema", ()))
        while stack:
            ident = stack.pop()
            if ident in seen:
                continue
            seen.add(ident)
            if ident.startswith(("dtmi:standard:schema:geospatial:", "dtmi:iotcentral:schema:")):
                self.rep(
                    "excludedType",
                    node,
                    primary=node.id,
                    prop="schema",
                    secondary=ident,
                    expected="Array",
                    path=(*node.path, "schema"),
                )
                return
            child = self.nodes.get(ident)
            if child is None:
                continue
            if child.cls == "Array":
                self.rep(
                    "excludedType",
                    node,
                    primary=node.id,
                    prop="schema",
                    secondary=ident,
                    expected="Array",
                    path=(*node.path, "schema"),
                )
                return
            for prop in ("elementSchema", "mapValue", "fields", "schema"):
                stack.extend(child.objects.get(prop, ()))

    def annotations(self, node: Node) -> None:
        """ValueAnnotation/Override co-types: what they annotate and override must fit."""
        contents = self.flattened(node)
        by_name = {c.name: c for c in contents if c.name is not None}
        overridden: set[tuple[str, str]] = set()
        for item in contents:
            names = item.cotype_names()
            if "ValueAnnotation" not in names or item.cls not in ("Property", "Telemetry"):
                continue
            target = by_name.get(str(item.literals.get("annotates")))
            if target is None:
                continue
            if target.cls not in ("Property", "Telemetry"):
                self.rep(
                    "notSiblingRequiredType",
                    item,
                    primary=item.id,
                    prop="annotates",
                    value=target.name,
                    expected="Property or Telemetry",
                )
                continue
            if "ValueAnnotation" in target.cotype_names():
                self.rep(
                    "disallowedType",
                    item,
                    primary=item.id,
                    prop="annotates",
                    value=target.name,
                    expected="ValueAnnotation",
                )
                continue
            if "Override" not in names or item.cls != "Property":
                continue
            overrides = str(item.literals.get("overrides"))
            if overrides in CLASSES[target.version].get(target.cls, {}):
                self.rep(
                    "matchingPropertyNotSupplemental",
                    item,
                    primary=item.id,
                    prop="annotates",
                    value=target.name,
                    expected=overrides,
                )
                continue
            providers = [c for c in target.cotypes if overrides in c.props]
            if not providers:
                self.rep(
                    "noMatchingSupplementalProperty",
                    item,
                    primary=item.id,
                    prop="annotates",
                    value=target.name,
                    expected=overrides,
                )
                continue
            if (target.id, overrides) in overridden:
                self.rep(
                    "multipleReference", node, primary=node.id, prop="contents", value=target.name
                )
                continue
            overridden.add((target.id, overrides))
            unit_type = providers[0].unit_type
            if overrides == "unit" and unit_type is not None:
                schema = next(iter(item.objects.get("schema", ())), None)
                if schema != f"{QT_ENUM}{unit_type}":
                    self.rep(
                        "siblingPropertyMismatch",
                        item,
                        primary=item.id,
                        prop="schema",
                        value=schema,
                        expected=unit_type,
                    )

    # ------------------------------------------------------------------ units
    def semantic_units(self, node: Node) -> None:
        unit = node.literals.get("unit")
        if not isinstance(unit, str):
            return
        term = canonical_value(unit, node.version)
        if term != unit:
            self.rep(
                "preferTerm",
                node,
                severity="warning",
                primary=node.id,
                prop="unit",
                value=unit,
                expected=term,
                path=(*node.path, "unit"),
            )
        unit = term
        semantic = [c for c in node.cotypes if c.unit_type is not None]
        if len(semantic) != 1:
            return
        cotype = semantic[0]
        version = 2 if node.version == 2 else 3
        allowed = UNITS[version].get(cotype.unit_type or "", frozenset())
        if unit in allowed:
            return
        prop = cotype.prefix + "unit"
        upath = (*node.path, "unit")
        self.rep(
            "badType",
            node,
            primary=node.id,
            prop=prop,
            value=unit,
            expected=cotype.unit_type,
            path=upath,
        )
        if unit in ALL_UNITS[version]:
            self.rep(
                "wrongParent",
                node,
                primary=node.id,
                prop=prop,
                value=unit,
                expected=cotype.unit_type,
                path=upath,
            )
