"""Shared state of the cross-element rules: the Nodes, reporting, class lookups."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dtdl._builtin_schemas import IOTCENTRAL_OBJECTS
from dtdl._extensions import QT_ENUM
from dtdl._node import Node
from dtdl._units import UNIT_TYPES
from dtdl._vocab import GEOSPATIAL, PRIMITIVES, term_id

Report = Callable[..., None]
EXTENDS_DEPTH = 10
EXTENDS_COUNT = 1024
SCHEMA_DEPTH = 5
CONTENTS_TOTAL = 100_000


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
    for ident in IOTCENTRAL_OBJECTS:
        result[ident] = "Object"
    return result


BUILTIN = builtin_ids()


class RuleBase:
    """The Nodes of a run and what every rule family needs."""

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
        self._extends_counts: dict[str, int] = {}

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
