"""The in-process store's edges and hierarchy traversal."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from ontology._errors import CycleError, NotFoundError
from ontology.graph._audit import ACTION_EDGE_ADD, ACTION_EDGE_REMOVE, ACTION_EDGE_UPDATE
from ontology.graph._identifiers import KIND_EDGE, KIND_MODEL, edge_key
from ontology.graph._limits import require_batch, require_depth, require_page, require_principal
from ontology.graph._values import CONTAINS, BulkResult, Edge, Page, Rejection
from ontology.graph.memory._rows import TwinRow
from ontology.graph.memory._state import MemoryState, bulk, frozen, page_of
from ontology.rollup._topology import Nodes

WALK_LIMIT = 2_000
"""While the hierarchy index is out of date, subtrees up to this size are walked directly
(rebuilding the index costs O(twins), a walk O(subtree))."""


def _key(edge: object) -> str:
    return edge_key(edge) if isinstance(edge, Edge) else repr(edge)[:80]


class MemoryGraph(MemoryState):
    # ------------------------------------------------------------------ edges
    def add_edges(self, edges: Sequence[Edge], *, principal: str) -> BulkResult:
        require_principal(principal)
        require_batch("edges", edges)
        with self._lock, bulk(len(edges)):
            rules = self._rules()
            now = self._clock()
            twins, table = self._twins, self._edges
            children, parents, values = table.children, table.parents, table.out
            log = self._audit.append
            # source model -> target model -> whether a plain contains edge has no checks due
            plain: dict[str, dict[str, bool]] = {}
            free_to: dict[str, bool] = {}  # plain[src.model] while edges come from one parent
            created = updated = unchanged = 0
            rejected: list[Rejection] = []
            audit_mark = len(self._audit)
            structural = False
            single = len(edges) == 1
            # the source's row and children, kept while edges come from the same parent
            last: str | None = None
            src: TwinRow | None = None
            kids: dict[str, None] | None = None
            try:
                for item in edges:
                    edge: object = item
                    # the fast path: a plain hierarchy edge between twins held
                    if type(edge) is Edge and edge.name == CONTAINS and not edge.properties:
                        source, target = edge.source, edge.target
                        if source != last:
                            last, src, kids = source, twins.get(source), children.get(source)
                            if src is not None:
                                free_to = plain.setdefault(src.model, {})
                        tgt = twins.get(target)
                        if src is not None and tgt is not None and source != target:
                            free = free_to.get(tgt.model)
                            if free is None:
                                free = free_to[tgt.model] = rules.max_multiplicity(
                                    src.model, CONTAINS
                                ) is None and not rules.edge(edge, src.model, tgt.model, 0)
                            if kids is not None and target in kids:
                                if free and (CONTAINS, target) not in values.get(source, ()):
                                    unchanged += 1
                                    continue
                            elif free:
                                if target in children:  # it has children: a cycle is possible
                                    path = table.cycle_path(source, target)
                                    if path is not None:
                                        rejected.append(self._cycle(edge, path, single))
                                        continue
                                # the key is left to be derived when read (see _memory.audit)
                                log((now, principal, ACTION_EDGE_ADD, None, None, (source, target)))
                                if kids is None:
                                    kids = children[source] = {target: None}
                                else:
                                    kids[target] = None
                                ups = parents.get(target)
                                if ups is None:
                                    parents[target] = {source: None}
                                else:
                                    ups[source] = None
                                created += 1
                                structural = True
                                continue
                    last = None  # the other paths may add a source's first child
                    if not isinstance(edge, Edge):
                        rejected.append(Rejection(_key(edge), "not an Edge"))
                        continue
                    source, name, target = edge.source, edge.name, edge.target
                    src, tgt = twins.get(source), twins.get(target)
                    held = table.get(source, name, target) if src and tgt else None
                    count = 0
                    if src is not None and rules.max_multiplicity(src.model, name) is not None:
                        count = table.count(source, name) - (held is not None)
                    reasons = rules.edge(
                        edge, src.model if src else None, tgt.model if tgt else None, count
                    )
                    if reasons:
                        rejected.append(Rejection(edge_key(edge), "; ".join(reasons)))
                        continue
                    if held is not None:
                        if held.properties == edge.properties:
                            unchanged += 1
                            continue
                        new = Edge(source, name, target, frozen(edge.properties))
                        self._log(now, principal, ACTION_EDGE_UPDATE, edge_key(new), held, new)
                        table.put(new)
                        updated += 1
                        continue
                    if name == CONTAINS:
                        path = table.cycle_path(source, target)
                        if path is not None:
                            rejected.append(self._cycle(edge, path, single))
                            continue
                        structural = True
                    new = Edge(source, name, target, frozen(edge.properties))
                    self._log(now, principal, ACTION_EDGE_ADD, edge_key(new), None, new)
                    table.put(new)
                    created += 1
            except BaseException:
                self._undo_edges(audit_mark)
                raise
            if structural:
                self._invalidate()
            return BulkResult(
                created=created, updated=updated, unchanged=unchanged, rejected=tuple(rejected)
            )

    def _undo_edges(self, audit_mark: int) -> None:
        """Undo what a failed batch wrote, from its audit entries (each logged before its write)."""
        table = self._edges
        for _, _, action, _, before, after in reversed(self._audit[audit_mark:]):
            if action == ACTION_EDGE_UPDATE and isinstance(before, Edge):
                table.put(before)
                continue
            if type(after) is tuple:
                source, name, target = after[0], CONTAINS, after[1]
            elif isinstance(after, Edge):
                source, name, target = after.source, after.name, after.target
            else:
                continue
            if table.get(source, name, target) is not None:
                table.remove(source, name, target)
        del self._audit[audit_mark:]

    @staticmethod
    def _cycle(edge: Edge, path: list[str], single: bool) -> Rejection:
        """A contains edge closing a cycle: ``CycleError`` alone, a rejection in bulk."""
        if single:
            raise CycleError(path)
        return Rejection(edge_key(edge), str(CycleError(path)))

    def remove_edge(self, source: str, name: str, target: str, *, principal: str) -> None:
        require_principal(principal)
        with self._lock:
            try:
                edge = self._edges.remove(source, name, target)
            except KeyError:
                raise NotFoundError(KIND_EDGE, f"{source} -[{name}]-> {target}") from None
            if name == CONTAINS:
                self._invalidate()
            self._log(self._clock(), principal, ACTION_EDGE_REMOVE, edge_key(edge), edge, None)

    def edges_from(self, source: str, name: str | None = None) -> tuple[Edge, ...]:
        with self._lock:
            self._twin(source)
            held = self._edges.from_source(source)
        found = [e for e in held if name is None or e.name == name]
        return tuple(sorted(found, key=lambda e: (e.name, e.target)))

    def edges_to(self, target: str, name: str | None = None) -> tuple[Edge, ...]:
        with self._lock:
            self._twin(target)
            held = self._edges.to_target(target)
        found = [e for e in held if name is None or e.name == name]
        return tuple(sorted(found, key=lambda e: (e.name, e.source)))

    # -------------------------------------------------------------- hierarchy
    def children(self, twin_id: str, *, first: int = 100, after: str | None = None) -> Page[str]:
        require_page(first)
        with self._lock:
            self._twin(twin_id)
            kids = sorted(self._edges.children.get(twin_id, ()))
        start = bisect_right(kids, after) if after is not None else 0
        chunk = kids[start : start + first]
        more = start + first < len(kids)
        return Page(items=tuple(chunk), next_cursor=chunk[-1] if more else None)

    def parents(self, twin_id: str) -> tuple[str, ...]:
        with self._lock:
            self._twin(twin_id)
            return tuple(sorted(self._edges.parents.get(twin_id, ())))

    def ancestors(self, twin_id: str, *, max_depth: int | None = None) -> tuple[str, ...]:
        depth_cap = require_depth(max_depth)
        with self._lock:
            self._twin(twin_id)
            parents = self._edges.parents
            seen = {twin_id}
            found: list[str] = []
            level = [twin_id]
            depth = 0
            while level and depth < depth_cap:
                above = sorted(
                    {p for node in level for p in parents.get(node, ()) if p not in seen}
                )
                seen.update(above)
                found.extend(above)
                level = above
                depth += 1
            return tuple(found)

    def descendants(
        self,
        twin_id: str,
        *,
        max_depth: int | None = None,
        model: str | None = None,
        semantic_type: str | None = None,
        first: int = 1000,
        after: str | None = None,
    ) -> Page[str]:
        depth_cap = require_depth(max_depth)
        require_page(first)
        with self._lock:
            found = self._descendants(twin_id, depth_cap, model, semantic_type)
            if isinstance(found, list):
                found.sort()
                start = bisect_right(found, after) if after is not None else 0
                chunk = found[start : start + first]
                more = start + first < len(found)
                return Page(items=tuple(chunk), next_cursor=chunk[-1] if more else None)
            return page_of(self._hierarchy(), found, first, after)

    def count_descendants(
        self,
        twin_id: str,
        *,
        max_depth: int | None = None,
        model: str | None = None,
        semantic_type: str | None = None,
    ) -> int:
        depth_cap = require_depth(max_depth)
        with self._lock:
            return len(self._descendants(twin_id, depth_cap, model, semantic_type))

    def _descendants(
        self, twin_id: str, depth_cap: int, model: str | None, semantic_type: str | None
    ) -> list[str] | Nodes:
        """The filtered descendants: ids in no order by a walk of a small subtree after a
        change, else nodes of the hierarchy index in id order (under the lock)."""
        self._twin(twin_id)
        rules = self._rules()
        if model is not None and not rules.has_model(model):
            raise NotFoundError(KIND_MODEL, model)
        if self._index_if_worth() is None:  # after a change: walk a small subtree
            found = self._walk(twin_id, depth_cap)
            if found is not None:
                twins = self._twins
                for allowed in (
                    rules.models_matching(model) if model is not None else None,
                    rules.models_with_semantic_type(semantic_type)
                    if semantic_type is not None
                    else None,
                ):
                    if allowed is not None:
                        found = [t for t in found if twins[t].model in allowed]
                return found
        index = self._hierarchy()
        nodes = index.descendants(index.pos[twin_id], depth_cap)
        if model is not None:
            nodes = index.with_models(nodes, rules.models_matching(model))
        if semantic_type is not None:
            nodes = index.with_models(nodes, rules.models_with_semantic_type(semantic_type))
        return nodes

    def _walk(self, twin_id: str, depth_cap: int) -> list[str] | None:
        """The distinct descendants by a plain walk, or None once more than WALK_LIMIT."""
        children = self._edges.children
        seen: set[str] = {twin_id}
        level = [twin_id]
        depth = 0
        while level and depth < depth_cap:
            level = [k for node in level for k in children.get(node, ()) if k not in seen]
            seen.update(level)
            if len(seen) > WALK_LIMIT:
                return None
            depth += 1
        seen.discard(twin_id)
        return list(seen)
