"""Rules across elements: references, inheritance, uniqueness, nesting and cycles.

Each family of rules is a mixin over :class:`RuleBase`; :class:`Rules` runs them all.
"""

from __future__ import annotations

from dtdl._rules._base import BUILTIN, CONTENTS_TOTAL, RuleBase
from dtdl._rules._cotypes import CotypeRules
from dtdl._rules._inheritance import InheritanceRules
from dtdl._rules._references import ReferenceRules
from dtdl._rules._schemas import SchemaRules
from dtdl._rules._uniqueness import UniquenessRules

__all__ = ["BUILTIN", "RuleBase", "Rules"]

_PLURAL_OWNERS = frozenset({"Interface", "Relationship", "Object", "Enum"})
_COMPLEX = frozenset({"Array", "Enum", "Map", "Object"})


class Rules(ReferenceRules, InheritanceRules, UniquenessRules, SchemaRules, CotypeRules):
    """Checks that need the whole set of Nodes, run in dependency order."""

    def run(self) -> None:
        for node in {id(n): n for n, *_ in self.refs}.values():
            self.references(node)
        self.extends_cycles()
        for node in self.order:
            if node.cls == "Interface":
                self.inheritance(node)
        for node in self.order:
            cls = node.cls
            if cls in _PLURAL_OWNERS:
                self.uniqueness(node)
                if cls == "Interface":
                    self.interface_contents(node)
                    self.annotations(node)
                elif cls == "Enum":
                    self.enum_datatype(node)
            if cls in _COMPLEX:
                self.schema_depth(node)
            if node.cotypes:
                self.semantic_units(node)
                self.cotype_schema(node)
                self.cotype_placement(node)
            if node.version == 2 and cls == "Property":
                self.no_array_under(node)
        if len(self.order) > CONTENTS_TOTAL:
            self.contents_totals()
