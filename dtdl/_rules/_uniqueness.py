"""Names, enum values and MQTT indexes unique among siblings."""

from __future__ import annotations

from typing import Any

from dtdl._node import Node
from dtdl._rules._base import RuleBase


class UniquenessRules(RuleBase):
    """Names, enum values and MQTT indexes unique among siblings."""

    def _members(self, node: Node, prop: str) -> list[Node]:
        """Inline and referenced children of ``prop``; one per explicit ``@id``."""
        inline = node.children.get(prop, [])
        targets = node.objects.get(prop, ())
        if len(inline) == len(targets) and len({c.id for c in inline}) == len(inline):
            return inline  # the usual case: all inline, no duplicate definitions
        inline_ids = {c.id for c in inline}
        referenced = [self.nodes.get(i) for i in dict.fromkeys(targets) if i not in inline_ids]
        members: list[Node] = []
        explicit_seen: set[str] = set()
        for child in [*inline, *(r for r in referenced if r is not None)]:
            if child.explicit_id:
                if child.id in explicit_seen:
                    continue
                explicit_seen.add(child.id)
            members.append(child)
        return members

    def uniqueness(self, node: Node) -> None:
        for prop in ("contents", "properties", "fields", "enumValues"):
            if prop not in node.objects:
                continue
            inline = node.children.get(prop, [])
            members = self._members(node, prop)
            names = [m.name for m in members if m.name is not None]
            if (
                len(set(names)) == len(names)
                and prop != "enumValues"
                and not any(m.cotypes for m in members)
            ):
                continue
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
