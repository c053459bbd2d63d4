"""The Neo4j graph store's edges and hierarchy traversal."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

from ontology._errors import (
    CycleError,
    NotFoundError,
)
from ontology.graph._audit import ACTION_EDGE_ADD, ACTION_EDGE_REMOVE, ACTION_EDGE_UPDATE, edge_json
from ontology.graph._identifiers import KIND_EDGE, KIND_MODEL, KIND_TWIN, edge_key
from ontology.graph._limits import require_batch, require_depth, require_page, require_principal
from ontology.graph._values import (
    CONTAINS,
    BulkResult,
    Edge,
    Page,
    Rejection,
)
from ontology.graph.neo4j import _graph_tx as gtx
from ontology.graph.neo4j import _twin_tx as ttx
from ontology.graph.neo4j._codec import dumps
from ontology.graph.neo4j._cycles import ContainsOverlay
from ontology.graph.neo4j._hierarchy import Below

if TYPE_CHECKING:
    pass
from ontology.graph.neo4j._state import (
    PREFETCH_EDGES,
    PREFETCH_SHARE,
    AuditEntry,
    EdgeOp,
    Neo4jState,
    Plan,
    Tx,
    adjacency,
    edge_tuple,
    identity,
    page,
    walk,
    well_formed,
)


class Neo4jGraph(Neo4jState):
    # ----------------------------------------------------------------- edges
    def add_edges(self, edges: Sequence[Edge], *, principal: str) -> BulkResult:
        require_principal(principal)
        require_batch("edges", edges)
        now = self._clock()

        def write(tx: Tx, ops: Sequence[EdgeOp], known: Collection[str]) -> range:
            if not ops:
                return range(0)
            # An edge created and then updated in one call is created as it ends up.
            final = {edge_tuple(new): new for _, new in ops}
            if any(old is None and new.name == CONTAINS for old, new in ops):
                ttx.bump(tx, self._cy, "topology")  # before the audit counter: the lock order
            seqs = ttx.next_audit_seqs(tx, self._cy, len(ops))
            created: list[Edge] = []
            created_seqs: list[int] = []
            created_keys: list[str] = []
            afters: list[str] = []
            numbered: list[tuple[int, AuditEntry]] = []
            for seq, (old, new) in zip(seqs, ops, strict=True):
                key = edge_key(new)
                if old is None:
                    created.append(final[edge_tuple(new)])
                    created_seqs.append(seq)
                    created_keys.append(key)
                    afters.append(dumps(edge_json(new)))
                else:
                    entry = (
                        ACTION_EDGE_UPDATE,
                        key,
                        edge_json(old),
                        edge_json(new),
                    )
                    numbered.append((seq, entry))
            updated = [new for old, new in ops if old is not None and edge_key(old) in known]
            audit = ttx.CreateAudit(principal, now, ACTION_EDGE_ADD, created_seqs, afters)
            gtx.create_edges(tx, self._cy, created, self._batch, audit, created_keys)
            gtx.update_edges(tx, self._cy, updated, self._batch)
            self._append_audit(tx, principal, now, numbered)
            return seqs

        planned = self._bulk(
            len(edges), lambda tx: self._plan_edges(tx, edges), write, self._undo_edges
        )
        if len(edges) == 1 and planned.cycle is not None:
            raise CycleError(planned.cycle)
        return planned.result

    def _undo_edges(self, tx: Tx, ops: Sequence[EdgeOp]) -> None:
        """Undo committed edge writes: delete the edges created, restore the ones updated.

        Edges carry no etag, so a change another writer made to one of these
        edges between the batches is undone with them.
        """
        created = [new for old, new in ops if old is None]
        if any(edge.name == CONTAINS for edge in created):
            ttx.bump(tx, self._cy, "topology")
        gtx.update_edges(tx, self._cy, [old for old, _ in ops if old is not None], self._batch)
        gtx.delete_edges(tx, self._cy, created, self._batch)

    def _plan_edges(self, tx: Tx, edges: Sequence[Edge]) -> Plan[EdgeOp]:
        cy = self._cy
        rules = self._rules(tx)
        proper = [e for e in edges if well_formed(e)]
        ids = sorted({e.source for e in proper} | {e.target for e in proper})
        ends = gtx.endpoints(tx, cy, ids)
        models = {twin: model for twin, (model, _) in ends.items()}
        # Only sources that have edges already can hold one of these, or count towards a limit.
        wired = [e for e in proper if ends.get(e.source, ("", 0))[1] > 0]
        stored = gtx.existing_edges(tx, cy, wired)
        limited = {
            (e.source, e.name)
            for e in wired
            if rules.max_multiplicity(models.get(e.source), e.name) is not None
        }
        counts = gtx.edge_counts(tx, cy, sorted(limited))
        new_contains = sum(1 for e in proper if e.name == CONTAINS)
        # Many new contains edges: fetch the hierarchy once, unless it dwarfs the call.
        prefetch = new_contains > PREFETCH_EDGES and (
            new_contains * PREFETCH_SHARE >= gtx.contains_count(tx, cy)
        )
        overlay = ContainsOverlay(
            lambda nodes: gtx.child_map(tx, cy, nodes),
            adjacency(*gtx.all_contains(tx, cy)) if prefetch else None,
        )
        check_cycles = True
        if prefetch:
            candidates = [
                (e.source, e.target)
                for e in proper
                if e.name == CONTAINS and (e.source, e.name, e.target) not in stored
            ]
            check_cycles = not overlay.acyclic_with(candidates)
        batch_edges: dict[tuple[str, str, str], Edge] = {}
        ops: list[EdgeOp] = []
        unchanged = 0
        rejected: list[Rejection] = []
        cycle: tuple[str, ...] | None = None
        items: Sequence[object] = edges
        for item in items:
            if not isinstance(item, Edge):
                rejected.append(Rejection(repr(item)[:80], "not an Edge"))
                continue
            if not well_formed(item):
                reasons = rules.edge(item, None, None, 0)
                rejected.append(Rejection(repr(item)[:80], "; ".join(reasons)))
                continue
            assert isinstance(item, Edge)
            edge = item
            key = (edge.source, edge.name, edge.target)
            before = batch_edges.get(key, stored.get(key))
            others = counts.get((edge.source, edge.name), 0) - (1 if before is not None else 0)
            reasons = rules.edge(edge, models.get(edge.source), models.get(edge.target), others)
            if not reasons and before is None and edge.name == CONTAINS and check_cycles:
                found = overlay.cycle(edge.source, edge.target)
                if found is not None:
                    cycle = found
                    reasons = [str(CycleError(found))]
            if reasons:
                rejected.append(Rejection(edge_key(edge), "; ".join(reasons)))
                continue
            if before is None:
                ops.append((None, edge))
                counts[(edge.source, edge.name)] = counts.get((edge.source, edge.name), 0) + 1
                if edge.name == CONTAINS:
                    overlay.add(edge.source, edge.target)
            elif dict(before.properties) == dict(edge.properties):
                unchanged += 1
                continue
            else:
                ops.append((before, edge))
            batch_edges[key] = edge
        created = sum(1 for old, _ in ops if old is None)
        result = BulkResult(
            created=created,
            updated=len(ops) - created,
            unchanged=unchanged,
            rejected=tuple(rejected),
        )
        return Plan(result, ops, frozenset(edge_key(e) for e in stored.values()), cycle)

    def remove_edge(self, source: str, name: str, target: str, *, principal: str) -> None:
        require_principal(principal)
        now = self._clock()
        edge = Edge(source, name, target)

        def work(tx: Tx) -> None:
            stored = gtx.existing_edges(tx, self._cy, [edge]).get((source, name, target))
            if stored is None:
                raise NotFoundError(KIND_EDGE, edge_key(edge))
            gtx.delete_edge(tx, self._cy, source, name, target)
            if name == CONTAINS:
                ttx.bump(tx, self._cy, "topology")
            self._audit(
                tx,
                principal,
                now,
                [
                    (
                        ACTION_EDGE_REMOVE,
                        edge_key(edge),
                        edge_json(stored),
                        None,
                    )
                ],
            )

        self._db.write(work)

    def edges_from(self, source: str, name: str | None = None) -> tuple[Edge, ...]:
        def work(tx: Tx) -> list[Edge]:
            self._require_exists(tx, source)
            return gtx.edges_from(tx, self._cy, source, name)

        return tuple(self._db.read(work))

    def edges_to(self, target: str, name: str | None = None) -> tuple[Edge, ...]:
        def work(tx: Tx) -> list[Edge]:
            self._require_exists(tx, target)
            return gtx.edges_to(tx, self._cy, target, name)

        return tuple(self._db.read(work))

    # ------------------------------------------------------------- hierarchy
    def children(self, twin_id: str, *, first: int = 100, after: str | None = None) -> Page[str]:
        limit = require_page(first)

        def work(tx: Tx) -> list[str]:
            self._require_exists(tx, twin_id)
            return gtx.children_page(tx, self._cy, twin_id, after, limit + 1)

        return page(self._db.read(work), limit, identity)

    def parents(self, twin_id: str) -> tuple[str, ...]:
        def work(tx: Tx) -> list[str]:
            self._require_exists(tx, twin_id)
            return gtx.parents(tx, self._cy, twin_id)

        return tuple(self._db.read(work))

    def ancestors(self, twin_id: str, *, max_depth: int | None = None) -> tuple[str, ...]:
        depth = require_depth(max_depth)

        def work(tx: Tx) -> list[str]:
            self._require_exists(tx, twin_id)
            return walk(tx, self._cy, twin_id, depth, down=False)

        return tuple(self._db.read(work))

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
        limit = require_page(first)
        depth = require_depth(max_depth)
        if model is None and semantic_type is None and self._hierarchy.enabled:
            below = self._kept_below(twin_id, depth, count=False)
            if isinstance(below, Below):
                return page(below.page(after, limit + 1), limit, identity)
        if max_depth is None and model is None and semantic_type is None:  # one statement
            found = self._db.read_one(
                lambda tx: gtx.descendants(tx, self._cy, twin_id, None, after, limit + 1)
            )
            if found is None:
                raise NotFoundError(KIND_TWIN, twin_id)
            return page(found, limit, identity)

        def work(tx: Tx) -> list[str]:
            wanted = self._wanted_models(tx, twin_id, model, semantic_type)
            if max_depth is None:
                ids = gtx.descendants(tx, self._cy, twin_id, wanted, after, limit + 1)
                if ids is None:
                    raise NotFoundError(KIND_TWIN, twin_id)
                return ids
            found = self._walk_down(tx, twin_id, depth, wanted)
            ordered = sorted(i for i in found if after is None or i > after)
            return ordered[: limit + 1]

        return page(self._db.read(work), limit, identity)

    def count_descendants(
        self,
        twin_id: str,
        *,
        max_depth: int | None = None,
        model: str | None = None,
        semantic_type: str | None = None,
    ) -> int:
        depth = require_depth(max_depth)
        if model is None and semantic_type is None and self._hierarchy.enabled:
            below = self._kept_below(twin_id, depth, count=max_depth is None)
            if isinstance(below, int):
                return below
            if below is not None:
                return len(below)
        elif max_depth is None and model is None and semantic_type is None:  # one statement
            found = self._db.read_one(lambda tx: gtx.count_descendants(tx, self._cy, twin_id, None))
            if found is None:
                raise NotFoundError(KIND_TWIN, twin_id)
            return found

        def work(tx: Tx) -> int:
            wanted = self._wanted_models(tx, twin_id, model, semantic_type)
            if max_depth is None:
                count = gtx.count_descendants(tx, self._cy, twin_id, wanted)
                if count is None:
                    raise NotFoundError(KIND_TWIN, twin_id)
                return count
            return len(self._walk_down(tx, twin_id, depth, wanted))

        return self._db.read(work)

    def _kept_below(self, twin_id: str, depth: int, *, count: bool) -> Below | int | None:
        """The descendants from the kept hierarchy when it is current (``Hierarchy``),
        else, with ``count``, Neo4j's count of them (any depth), from the same statement
        that read the counter; ``None``: neither (ask Neo4j). ``NotFoundError`` for an
        unknown twin."""
        hierarchy = self._hierarchy
        hierarchy.first()  # the first read of a process is waited for (see _hierarchy)
        recent = self._kept_existence.counter()  # a recent reading: no statement
        if recent is not None and recent == hierarchy.version:
            below = hierarchy.below(twin_id, depth, recent)
            if below is not None:
                return below
            if hierarchy.version == recent:  # it holds every twin of its counter: not one
                raise NotFoundError(KIND_TWIN, twin_id)
        found = self._hierarchy_checks([(twin_id, count)]).get((twin_id, count))
        if found is None:
            raise NotFoundError(KIND_TWIN, twin_id)
        version, counted = found
        below = hierarchy.below(twin_id, depth, version)
        if below is None and counted is not None:
            return counted
        return below

    def _wanted_models(
        self, tx: Tx, twin_id: str, model: str | None, semantic_type: str | None
    ) -> list[str] | None:
        """The models a ``model``/``semantic_type`` filter keeps, sorted; ``None``: any."""
        if model is None and semantic_type is None:
            return None
        models: set[str] | None = None
        rules = self._rules(tx)
        if model is not None:
            if not rules.has_model(model):
                self._require_exists(tx, twin_id)  # the twin is reported first
                raise NotFoundError(KIND_MODEL, model)
            models = set(rules.models_matching(model))
        if semantic_type is not None:
            typed = rules.models_with_semantic_type(semantic_type)
            models = set(typed) if models is None else models & typed
        return sorted(models) if models is not None else None

    def _walk_down(self, tx: Tx, twin_id: str, depth: int, wanted: list[str] | None) -> list[str]:
        """Distinct descendants within ``depth`` levels, of ``wanted`` models when given."""
        self._require_exists(tx, twin_id)
        found = walk(tx, self._cy, twin_id, depth, down=True)
        if wanted is not None:
            of_model = gtx.models_of(tx, self._cy, found)
            keep = set(wanted)
            found = [i for i in found if of_model.get(i) in keep]
        return found
