"""References: the referenced element must have the right class, partition and version."""

from __future__ import annotations

from dtdl._node import Node
from dtdl._rules._base import (
    RuleBase,
)
from dtdl._vocab import CLASSES, is_a


class ReferenceRules(RuleBase):
    """References: the referenced element must have the right class, partition and version."""

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
