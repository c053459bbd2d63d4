"""Co-types: semantic units, schema constraints, placement, annotation and overriding."""

from __future__ import annotations

from dtdl import _dtmi
from dtdl._extensions import QT_ENUM
from dtdl._iri import canonical_value
from dtdl._messages import with_article
from dtdl._node import Node
from dtdl._rules._base import (
    BUILTIN,
    RuleBase,
)
from dtdl._units import ALL_UNITS, SEMANTIC_TYPES, UNIT_TYPES, UNITS
from dtdl._vocab import CLASS_TERMS, CLASSES, VALUE_TERMS, is_a


class CotypeRules(RuleBase):
    """Co-types: semantic units, schema constraints, placement, annotation and overriding."""

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
        listed = ", ".join(sorted(allowed))
        is_term = unit in ALL_UNITS[version] or unit in VALUE_TERMS[version]
        other_term = (
            unit in CLASS_TERMS[version]
            or unit in SEMANTIC_TYPES[version]
            or unit in UNIT_TYPES[version]
        )
        if not is_term and not other_term and not _dtmi.ANY.match(unit):
            # neither a term nor a DTMI: not a unit of any kind
            self.rep(
                "badDtmiOrTerm",
                node,
                primary=node.id,
                prop=prop,
                value=unit,
                version=str(node.version),
                allowed=f"{with_article(cotype.unit_type or 'unit')}: {listed}",
                path=upath,
            )
            return
        self.rep(
            "badType",
            node,
            primary=node.id,
            prop=prop,
            value=unit,
            expected=cotype.unit_type,
            allowed=listed,
            path=upath,
        )
        if is_term:
            # a unit of another kind, or another element (a schema such as 'double')
            self.rep(
                "wrongParent",
                node,
                primary=node.id,
                prop=prop,
                value=unit,
                expected=cotype.unit_type,
                allowed=listed,
                path=upath,
            )
