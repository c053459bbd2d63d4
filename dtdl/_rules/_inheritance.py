"""Interfaces: extends chains and cycles, inherited names, nested Components, totals."""

from __future__ import annotations

from dtdl._node import Node
from dtdl._rules._base import (
    CONTENTS_TOTAL,
    EXTENDS_COUNT,
    EXTENDS_DEPTH,
    RuleBase,
)


class InheritanceRules(RuleBase):
    """Interfaces: extends chains and cycles, inherited names, nested Components, totals."""

    def extends_cycles(self) -> None:
        """Each cycle of ``extends`` once, at the ``extends`` of its first Interface.

        An Interface that only derives from a cycle gets no error of its own (the cycle is
        the one mistake), but its contents cannot be flattened, so it is set aside too.
        """
        on_path: dict[str, int] = {}  # Interface id -> its index in ``path``
        done: set[str] = set()
        reaching: set[str] = set()  # Interfaces whose hierarchy holds a cycle
        reported: set[frozenset[str]] = set()
        rank = {n.id: i for i, n in enumerate(self.order) if n.cls == "Interface"}
        for root in self.order:
            if root.cls != "Interface" or root.id in done:
                continue
            path = [root.id]
            on_path[root.id] = 0
            pending = [iter(root.objects.get("extends", ()))]
            while pending:
                target = next(pending[-1], None)
                if target is None:
                    finished = path.pop()
                    pending.pop()
                    del on_path[finished]
                    done.add(finished)
                    if path and finished in reaching:
                        reaching.add(path[-1])
                    continue
                if target in on_path:
                    cycle = path[on_path[target] :]
                    reaching.update(cycle)
                    if frozenset(cycle) not in reported:
                        reported.add(frozenset(cycle))
                        self._report_cycle(cycle, rank)
                elif target in done:
                    if target in reaching:
                        reaching.add(path[-1])
                else:
                    base = self.nodes.get(target)
                    if base is not None and base.cls == "Interface":
                        on_path[target] = len(path)
                        path.append(target)
                        pending.append(iter(base.objects.get("extends", ())))
        self.bad_extends.update(reaching)

    def _report_cycle(self, cycle: list[str], rank: dict[str, int]) -> None:
        start = min(range(len(cycle)), key=lambda i: rank.get(cycle[i], 0))
        chain = [*cycle[start:], *cycle[:start], cycle[start]]
        first = self.nodes[chain[0]]
        self.rep(
            "recursiveStructureNarrow",
            first,
            primary=first.id,
            prop="extends",
            value=" -> ".join(chain),
            path=(*first.path, "extends"),
        )

    def inheritance(self, node: Node) -> frozenset[str]:
        if node.id in self.bases:
            return self.bases[node.id]
        if node.id in self.bad_extends:  # its hierarchy holds a cycle (reported once)
            self.bases[node.id] = frozenset()
            return self.bases[node.id]
        # iterative DFS with depth (no cycle is reachable from here)
        result: set[str] = set()
        depth_exceeded = False
        stack: list[tuple[str, int]] = [(t, 1) for t in node.objects.get("extends", ())]
        visited: dict[str, int] = {}
        while stack:
            ident, depth = stack.pop()
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
        if depth_exceeded:
            self.rep(
                "excessiveDepthNarrow",
                node,
                primary=node.id,
                prop="extends",
                limit=str(EXTENDS_DEPTH),
                path=(*node.path, "extends"),
            )
            self.bad_extends.add(node.id)
        elif node.version >= 3 and self._extends_count(node.id, set()) > EXTENDS_COUNT:
            self.rep(
                "excessiveCount", node, primary=node.id, prop="extends", limit=str(EXTENDS_COUNT)
            )
        frozen = frozenset(result)
        self.bases[node.id] = frozen
        return frozen

    def _extends_count(self, iface_id: str, visiting: set[str]) -> int:
        """Every ``extends`` value in the hierarchy, counted along each path (memoised)."""
        known = self._extends_counts.get(iface_id)
        if known is not None:
            return known
        iface = self.nodes.get(iface_id)
        if iface is None or iface_id in visiting:
            return 0
        visiting.add(iface_id)
        total = 0
        for base in iface.objects.get("extends", ()):
            total += 1 + self._extends_count(base, visiting)
            if total > EXTENDS_COUNT:
                break
        visiting.discard(iface_id)
        self._extends_counts[iface_id] = total
        return total

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
                if nested == child.id:
                    # its schema is the Interface that holds it (or one it extends)
                    self.rep(
                        "recursiveStructureNarrow",
                        child,
                        primary=child.id,
                        prop="schema",
                        value=f"{child.id} -> {target} -> {child.id}",
                        path=(*child.path, "schema") if child.doc == node.doc else node.path,
                        doc=child.doc,
                    )
                    return
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
