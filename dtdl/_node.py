"""The parser's internal record of one element, before typed objects are built."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dtdl._extensions import Cotype
from dtdl._json import Path


@dataclass(eq=False, slots=True)
class Node:
    """One DTDL element as read from a document: class, co-types, literal and object values."""

    id: str
    cls: str
    version: int
    doc: int
    path: Path
    parent: Node | None
    prop: str | None
    explicit_id: bool
    inferred: bool = False
    has_unknown_type: bool = False
    cotypes: list[Cotype] = field(default_factory=list)
    extra_types: list[str] = field(default_factory=list)
    literals: dict[str, Any] = field(default_factory=dict)
    lang: dict[str, dict[str, str]] = field(default_factory=dict)
    objects: dict[str, list[str]] = field(default_factory=dict)
    children: dict[str, list[Node]] = field(default_factory=dict)
    obj: dict[str, Any] = field(default_factory=dict)
    name: str | None = None

    @property
    def partition(self) -> Node:
        """The outermost... nearest enclosing Interface (itself when an Interface)."""
        node: Node | None = self
        while node is not None:
            if node.cls == "Interface":
                return node
            node = node.parent
        return self

    def cotype_names(self) -> list[str]:
        return [c.name for c in self.cotypes]
