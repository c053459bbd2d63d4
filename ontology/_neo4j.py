"""``Neo4jStore``: the ``GraphStore`` contract on Neo4j 5 (the production graph store).

The rules are the shared pure ones (``_checks``, ``_registry``, ``_rollup``);
this module only reads what they need from Neo4j and writes what they decide,
in managed transactions (see ``_neo4j_db``). The node and relationship layout
is described in ``_neo4j_cypher``.

Atomicity: every public write is one transaction. A bulk call validates every
item first (reading what it needs inside that transaction), then writes the
accepted ones with ``UNWIND $rows`` statements of ``batch_size`` rows, all in
the same transaction, so a failure leaves nothing half-written.

Caches: the parsed ``dtdl.ModelSet`` and the ancestor index of the hierarchy
are kept between calls and rebuilt when the ``models`` / ``topology`` change
counters in Neo4j moved, so a store also notices writes of other processes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Generic, TypeVar

from ontology import _checks as checks
from ontology import _neo4j_graph_tx as gtx
from ontology import _neo4j_tx as ttx
from ontology._errors import (
    AlreadyExistsError,
    CycleError,
    EtagMismatchError,
    InvalidError,
    NotFoundError,
)
from ontology._neo4j_codec import alias_key, audit_from_node, dumps, micros, signal_key
from ontology._neo4j_cycles import ContainsOverlay
from ontology._neo4j_cypher import Cypher
from ontology._neo4j_db import Neo4jDatabase
from ontology._neo4j_rollups import RollupRunner, spec_json
from ontology._neo4j_settings import Neo4jStoreSettings
from ontology._registry import parse_held, plan_delete, plan_upload
from ontology._values import (
    CONTAINS,
    Alias,
    AuditRecord,
    BulkResult,
    Edge,
    JsonValue,
    Lifecycle,
    Model,
    Page,
    Rejection,
    RollupSpec,
    SignalUpdate,
    SignalValue,
    Twin,
    TwinSpec,
)

if TYPE_CHECKING:
    import dtdl

Tx = ttx.Tx
AuditEntry = tuple[str, str, JsonValue, JsonValue]
"""``(action, key, before, after)`` of one audit record to write."""
T = TypeVar("T")
"""The item type of a page."""

TwinOp = tuple[Twin | None, Twin]
"""``(stored twin or None, twin to write)`` of an upsert."""
EdgeOp = tuple[Edge | None, Edge]
"""``(stored edge or None, edge to write)`` of an ``add_edges``."""
Op = TypeVar("Op", TwinOp, EdgeOp)


@dataclass(frozen=True, slots=True)
class _Plan(Generic[Op]):
    """What a bulk call decided: its result and the writes, in input order."""

    result: BulkResult
    ops: list[Op]
    known: Collection[str] = ()
    """Twins: the alias keys that existed. Edges: the ``edge_key`` of edges that existed."""
    cycle: tuple[str, ...] | None = None
    """Edges: the last cycle an edge was refused for (raised when adding one edge)."""


PREFETCH_EDGES = 64
"""Bulk calls with more new ``contains`` edges than this fetch the whole hierarchy once."""


class Neo4jStore:
    """The graph store on Neo4j; see the module docstring."""

    def __init__(
        self, settings: Neo4jStoreSettings, *, clock: Callable[[], datetime] | None = None
    ) -> None:
        self.settings = settings
        self._clock = clock if clock is not None else _utc_now
        self._db = Neo4jDatabase(settings)
        self._cy = self._db.cypher
        self._batch = settings.batch_size
        self._models: tuple[int, dict[str, Model], dtdl.ModelSet] | None = None
        try:
            self._db.ensure_schema()
        except BaseException:
            self._db.close()
            raise
        self._rollups = RollupRunner(self._db)

    # ---------------------------------------------------------------- models
    def add_models(self, texts: Sequence[str], *, principal: str) -> tuple[Model, ...]:
        checks.require_principal(principal)
        now = self._clock()

        def work(tx: Tx) -> tuple[int, dict[str, Model], dtdl.ModelSet, tuple[Model, ...]]:
            held = {m.dtmi: m for m in ttx.fetch_models(tx, self._cy)}
            upload = plan_upload(held, texts, principal=principal, now=now)
            if upload.added:
                ttx.insert_models(tx, self._cy, upload.added)
                entries = [(checks.ACTION_MODEL_ADD, m.dtmi, None, m.dtmi) for m in upload.added]
                self._audit(tx, principal, now, entries)
            held.update((m.dtmi, m) for m in upload.added)
            version = ttx.version(tx, self._cy, "models")
            return version, held, upload.model_set, tuple(held[d] for d in upload.dtmis)

        version, held, model_set, models = self._db.write(work)
        self._models = (version, held, model_set)
        return models

    def get_model(self, dtmi: str) -> Model:
        model = self._held().get(dtmi)
        if model is None:
            raise NotFoundError(checks.KIND_MODEL, dtmi)
        return model

    def list_models(self) -> tuple[Model, ...]:
        held = self._held()
        return tuple(held[d] for d in sorted(held))

    def delete_model(self, dtmi: str, *, principal: str) -> None:
        checks.require_principal(principal)
        now = self._clock()

        def work(tx: Tx) -> None:
            held = {m.dtmi: m for m in ttx.fetch_models(tx, self._cy)}
            model_set = self._model_set_in(tx)
            using = ttx.twins_of_models(tx, self._cy, [dtmi], 100)
            plan_delete(held, model_set, dtmi, using)
            ttx.delete_model(tx, self._cy, dtmi)
            self._audit(tx, principal, now, [(checks.ACTION_MODEL_DELETE, dtmi, dtmi, None)])

        self._db.write(work)
        self._models = None

    def model_set(self) -> dtdl.ModelSet:
        return self._db.read(self._model_set_in)

    def _held(self) -> dict[str, Model]:
        return self._db.read(self._models_in)[1]

    def _model_set_in(self, tx: Tx) -> dtdl.ModelSet:
        return self._models_in(tx)[2]

    def _models_in(self, tx: Tx) -> tuple[int, dict[str, Model], dtdl.ModelSet]:
        """``(version, models by DTMI, parsed set)``, cached until the ``models`` counter moves."""
        version = ttx.version(tx, self._cy, "models")
        cached = self._models
        if cached is not None and cached[0] == version:
            return cached
        held = {m.dtmi: m for m in ttx.fetch_models(tx, self._cy)}
        fresh = (version, held, parse_held(held))
        self._models = fresh
        return fresh

    def _rules(self, tx: Tx) -> checks.TwinRules:
        return checks.rules_for(self._model_set_in(tx))

    # ----------------------------------------------------------------- twins
    def create_twin(self, spec: TwinSpec, *, principal: str) -> Twin:
        checks.require_principal(principal)
        now = self._clock()

        def work(tx: Tx) -> Twin:
            _raise_reasons(f"twin {_spec_key(spec)!r}", self._rules(tx).twin(spec))
            if ttx.fetch_twin(tx, self._cy, spec.id) is not None:
                raise AlreadyExistsError(checks.KIND_TWIN, spec.id)
            self._require_aliases_free(tx, spec.id, spec.aliases)
            twin = _new_twin(spec, now)
            self._write_twins(tx, [twin], [])
            entry = (checks.ACTION_TWIN_CREATE, twin.id, None, checks.twin_json(twin))
            self._audit(tx, principal, now, [entry])
            return twin

        return self._db.write(work)

    def get_twin(self, twin_id: str) -> Twin:
        twin = self._db.read(lambda tx: ttx.fetch_twin(tx, self._cy, twin_id))
        if twin is None:
            raise NotFoundError(checks.KIND_TWIN, twin_id)
        return twin

    def get_twins(self, twin_ids: Sequence[str]) -> tuple[Twin | None, ...]:
        checks.require_batch("twin ids", twin_ids)
        ids = list(twin_ids)
        found = self._db.read(lambda tx: ttx.fetch_twins(tx, self._cy, ids))
        return tuple(found.get(i) for i in ids)

    def update_twin(
        self,
        twin_id: str,
        properties: Mapping[str, JsonValue],
        *,
        etag: str | None,
        principal: str,
    ) -> Twin:
        checks.require_principal(principal)
        given: object = properties
        if not isinstance(given, Mapping):
            message = (
                f"properties for twin {twin_id!r} are a {type(properties).__name__}; "
                "expected a mapping"
            )
            raise InvalidError(message)
        now = self._clock()

        def work(tx: Tx) -> Twin:
            current = self._require_twin(tx, twin_id, etag)
            merged = checks.merge_properties(current.properties, properties)
            reasons = self._rules(tx).properties(twin_id, current.model, merged)
            _raise_reasons(f"update of twin {twin_id!r}", reasons)
            if merged == current.properties:
                return current
            twin = _replace(current, now, properties=merged)
            self._write_twins(tx, [], [(current, twin)])
            before, after = checks.twin_json(current), checks.twin_json(twin)
            self._audit(tx, principal, now, [(checks.ACTION_TWIN_UPDATE, twin_id, before, after)])
            return twin

        return self._db.write(work)

    def delete_twin(self, twin_id: str, *, etag: str | None, principal: str) -> None:
        checks.require_principal(principal)
        now = self._clock()

        def work(tx: Tx) -> None:
            current = self._require_twin(tx, twin_id, etag)
            ttx.delete_twin(tx, self._cy, twin_id)
            ttx.bump(tx, self._cy, "topology")
            self._audit(
                tx,
                principal,
                now,
                [(checks.ACTION_TWIN_DELETE, twin_id, checks.twin_json(current), None)],
            )

        self._db.write(work)

    def upsert_twins(self, specs: Sequence[TwinSpec], *, principal: str) -> BulkResult:
        checks.require_principal(principal)
        checks.require_batch("twin specs", specs)
        now = self._clock()

        def plan(tx: Tx) -> _Plan[TwinOp]:
            rules = self._rules(tx)
            rejected: list[tuple[int, Rejection]] = []
            valid: list[tuple[int, TwinSpec]] = []
            seen: set[str] = set()
            for index, spec in enumerate(specs):
                reasons = rules.twin(spec)
                if reasons:
                    rejected.append((index, Rejection(_spec_key(spec), "; ".join(reasons))))
                elif spec.id in seen:
                    reason = "the batch lists this twin id twice"
                    rejected.append((index, Rejection(spec.id, reason)))
                else:
                    seen.add(spec.id)
                    valid.append((index, spec))
            stored = ttx.fetch_twins(tx, self._cy, [spec.id for _, spec in valid])
            keys = sorted({alias_key(a) for _, spec in valid for a in spec.aliases})
            owner_of = ttx.alias_owners(tx, self._cy, keys)
            known = set(owner_of)
            models_now: dict[str, str] = {}
            ops: list[TwinOp] = []
            unchanged = 0
            for index, spec in valid:
                current = stored.get(spec.id)
                if current is not None and checks.upsert_unchanged(current, spec):
                    unchanged += 1
                    continue
                clash = _alias_clash(spec, owner_of)
                if clash is not None:
                    rejected.append((index, Rejection(spec.id, clash)))
                    continue
                if current is not None and current.model != spec.model:
                    reasons = self._edges_fit(tx, rules, spec.id, spec.model, models_now)
                    if reasons:
                        rejected.append((index, Rejection(spec.id, "; ".join(reasons))))
                        continue
                    models_now[spec.id] = spec.model
                if current is None:
                    ops.append((None, _new_twin(spec, now)))
                else:
                    for alias in current.aliases:
                        if owner_of.get(alias_key(alias)) == current.id:
                            del owner_of[alias_key(alias)]
                    twin = _replace(
                        current,
                        now,
                        model=spec.model,
                        properties=dict(spec.properties),
                        aliases=tuple(spec.aliases),
                    )
                    ops.append((current, twin))
                for alias in spec.aliases:
                    owner_of[alias_key(alias)] = spec.id
            created = sum(1 for old, _ in ops if old is None)
            result = BulkResult(
                created=created,
                updated=len(ops) - created,
                unchanged=unchanged,
                rejected=tuple(r for _, r in sorted(rejected, key=lambda item: item[0])),
            )
            return _Plan(result, ops, known)

        def write(tx: Tx, ops: Sequence[TwinOp], known: Collection[str]) -> None:
            created = [new for old, new in ops if old is None]
            updated = [(old, new) for old, new in ops if old is not None]
            self._write_twins(tx, created, updated, known)
            entries: list[AuditEntry] = [
                (checks.ACTION_TWIN_CREATE, new.id, None, checks.twin_json(new))
                if old is None
                else (
                    checks.ACTION_TWIN_UPDATE,
                    new.id,
                    checks.twin_json(old),
                    checks.twin_json(new),
                )
                for old, new in ops
            ]
            self._audit(tx, principal, now, entries)

        return self._bulk(len(specs), plan, write).result

    def _bulk(
        self,
        size: int,
        plan: Callable[[Tx], _Plan[Op]],
        write: Callable[[Tx, Sequence[Op], Collection[str]], None],
    ) -> _Plan[Op]:
        """Plan a bulk call, then write its operations.

        A call of at most ``batch_size`` items plans and writes in one write
        transaction: all or nothing. A larger one plans in one read
        transaction (every item validated before anything is written), then
        writes ``batch_size`` operations per transaction, so Neo4j's
        per-transaction memory stays bounded. Should the server fail between
        two of those, the earlier ones stay written; the call is idempotent,
        so running it again completes it.
        """
        batch = self._batch
        if size <= batch:

            def work(tx: Tx) -> _Plan[Op]:
                planned = plan(tx)
                write(tx, planned.ops, planned.known)
                return planned

            return self._db.write(work)
        planned = self._db.read(plan)

        def write_chunk(ops: Sequence[Op]) -> None:
            def work(tx: Tx) -> None:
                write(tx, ops, planned.known)

            self._db.write(work)

        for chunk in ttx.chunks(planned.ops, batch):
            write_chunk(chunk)
        return planned

    def set_lifecycle(self, twin_id: str, to: Lifecycle, *, principal: str) -> Twin:
        checks.require_principal(principal)
        now = self._clock()

        def work(tx: Tx) -> Twin:
            current = self._require_twin(tx, twin_id, None)
            target = checks.require_transition(twin_id, current.lifecycle, to)
            twin = _replace(current, now, lifecycle=target)
            ttx.replace_twins(tx, self._cy, [twin], self._batch)
            self._audit(
                tx,
                principal,
                now,
                [
                    (
                        checks.ACTION_TWIN_LIFECYCLE,
                        twin_id,
                        current.lifecycle.value,
                        target.value,
                    )
                ],
            )
            return twin

        return self._db.write(work)

    def list_twins(
        self, *, model: str | None = None, first: int = 100, after: str | None = None
    ) -> Page[Twin]:
        limit = checks.require_page(first)

        def work(tx: Tx) -> list[Twin]:
            models = None
            if model is not None:
                rules = self._rules(tx)
                if not rules.has_model(model):
                    raise NotFoundError(checks.KIND_MODEL, model)
                models = sorted(rules.models_matching(model))
            return ttx.list_twins(tx, self._cy, models, after, limit + 1)

        twins = self._db.read(work)
        return _page(twins, limit, lambda t: t.id)

    def _require_twin(self, tx: Tx, twin_id: str, etag: str | None) -> Twin:
        current = ttx.fetch_twin(tx, self._cy, twin_id)
        if current is None:
            raise NotFoundError(checks.KIND_TWIN, twin_id)
        if etag is not None and etag != current.etag:
            raise EtagMismatchError(twin_id, etag, current.etag)
        return current

    def _require_aliases_free(self, tx: Tx, twin_id: str, aliases: Sequence[Alias]) -> None:
        owners = ttx.alias_owners(tx, self._cy, [alias_key(a) for a in aliases])
        for alias in aliases:
            owner = owners.get(alias_key(alias))
            if owner is not None and owner != twin_id:
                raise AlreadyExistsError(checks.KIND_ALIAS, _alias_text(alias))

    def _write_twins(
        self,
        tx: Tx,
        created: Sequence[Twin],
        updated: Sequence[tuple[Twin, Twin]],
        known: Collection[str] = (),
    ) -> None:
        """Write new and replaced twins and their alias nodes (audit is the caller's).

        ``known``: alias keys that may exist already besides the replaced twins' own.
        """
        cy, batch = self._cy, self._batch
        ttx.create_twins(tx, cy, created, batch)
        ttx.replace_twins(tx, cy, [new for _, new in updated], batch)
        dropped = [
            alias_key(a) for old, new in updated for a in old.aliases if a not in new.aliases
        ]
        ttx.remove_alias_keys(tx, cy, dropped, batch)  # before adding: another may claim them
        rows = [
            {"key": alias_key(a), "namespace": a.namespace, "value": a.value, "twin": t.id}
            for t in [*created, *(new for _, new in updated)]
            for a in t.aliases
        ]
        existing = {alias_key(a) for old, _ in updated for a in old.aliases} | set(known)
        ttx.add_alias_rows(tx, cy, rows, batch, existing)
        if created or any(old.model != new.model for old, new in updated):
            ttx.bump(tx, cy, "topology")

    def _edges_fit(
        self,
        tx: Tx,
        rules: checks.TwinRules,
        twin_id: str,
        model: str,
        models_now: Mapping[str, str],
    ) -> list[str]:
        """Reasons the twin's edges would not fit were it re-modelled as ``model``."""
        cy = self._cy
        out = gtx.edges_from(tx, cy, twin_id, None)
        inc = [e for e in gtx.edges_to(tx, cy, twin_id, None) if e.source != twin_id]
        ends = sorted({e.target for e in out} | {e.source for e in inc})
        models = {**gtx.models_of(tx, cy, ends), **models_now}
        pairs = sorted({(twin_id, e.name) for e in out} | {(e.source, e.name) for e in inc})
        counts = gtx.edge_counts(tx, cy, pairs)
        reasons: list[str] = []
        for edge in out:
            target = model if edge.target == twin_id else models.get(edge.target)
            count = counts.get((twin_id, edge.name), 0) - 1
            reasons.extend(rules.edge(edge, model, target, count))
        for edge in inc:
            count = counts.get((edge.source, edge.name), 0) - 1
            reasons.extend(rules.edge(edge, models.get(edge.source), model, count))
        return reasons

    # ----------------------------------------------------------------- edges
    def add_edges(self, edges: Sequence[Edge], *, principal: str) -> BulkResult:
        checks.require_principal(principal)
        checks.require_batch("edges", edges)
        now = self._clock()

        def write(tx: Tx, ops: Sequence[EdgeOp], known: Collection[str]) -> None:
            # An edge created and then updated in one call is created as it ends up.
            final = {_key(new): new for _, new in ops}
            created = [final[_key(new)] for old, new in ops if old is None]
            updated = [new for old, new in ops if old is not None and checks.edge_key(old) in known]
            gtx.create_edges(tx, self._cy, created, self._batch)
            gtx.update_edges(tx, self._cy, updated, self._batch)
            if any(e.name == CONTAINS for e in created):
                ttx.bump(tx, self._cy, "topology")
            entries: list[AuditEntry] = [
                (checks.ACTION_EDGE_ADD, checks.edge_key(new), None, checks.edge_json(new))
                if old is None
                else (
                    checks.ACTION_EDGE_UPDATE,
                    checks.edge_key(new),
                    checks.edge_json(old),
                    checks.edge_json(new),
                )
                for old, new in ops
            ]
            self._audit(tx, principal, now, entries)

        planned = self._bulk(len(edges), lambda tx: self._plan_edges(tx, edges), write)
        if len(edges) == 1 and planned.cycle is not None:
            raise CycleError(planned.cycle)
        return planned.result

    def _plan_edges(self, tx: Tx, edges: Sequence[Edge]) -> _Plan[EdgeOp]:
        cy = self._cy
        rules = self._rules(tx)
        well_formed = [e for e in edges if _well_formed(e)]
        ids = sorted({e.source for e in well_formed} | {e.target for e in well_formed})
        ends = gtx.endpoints(tx, cy, ids)
        models = {twin: model for twin, (model, _) in ends.items()}
        # Only sources that have edges already can hold one of these, or count towards a limit.
        wired = [e for e in well_formed if ends.get(e.source, ("", 0))[1] > 0]
        stored = gtx.existing_edges(tx, cy, wired)
        limited = {
            (e.source, e.name)
            for e in wired
            if rules.max_multiplicity(models.get(e.source), e.name) is not None
        }
        counts = gtx.edge_counts(tx, cy, sorted(limited))
        new_contains = sum(1 for e in well_formed if e.name == CONTAINS)
        overlay = ContainsOverlay(
            lambda nodes: gtx.child_map(tx, cy, nodes),
            _adjacency(*gtx.all_contains(tx, cy)) if new_contains > PREFETCH_EDGES else None,
        )
        check_cycles = True
        if new_contains > PREFETCH_EDGES:
            candidates = [
                (e.source, e.target)
                for e in well_formed
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
            if not _well_formed(item):
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
                rejected.append(Rejection(checks.edge_key(edge), "; ".join(reasons)))
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
        return _Plan(result, ops, frozenset(checks.edge_key(e) for e in stored.values()), cycle)

    def remove_edge(self, source: str, name: str, target: str, *, principal: str) -> None:
        checks.require_principal(principal)
        now = self._clock()
        edge = Edge(source, name, target)

        def work(tx: Tx) -> None:
            stored = gtx.existing_edges(tx, self._cy, [edge]).get((source, name, target))
            if stored is None:
                raise NotFoundError(checks.KIND_EDGE, checks.edge_key(edge))
            gtx.delete_edge(tx, self._cy, source, name, target)
            if name == CONTAINS:
                ttx.bump(tx, self._cy, "topology")
            self._audit(
                tx,
                principal,
                now,
                [
                    (
                        checks.ACTION_EDGE_REMOVE,
                        checks.edge_key(edge),
                        checks.edge_json(stored),
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
        limit = checks.require_page(first)

        def work(tx: Tx) -> list[str]:
            self._require_exists(tx, twin_id)
            return gtx.children_page(tx, self._cy, twin_id, after, limit + 1)

        return _page(self._db.read(work), limit, _identity)

    def parents(self, twin_id: str) -> tuple[str, ...]:
        def work(tx: Tx) -> list[str]:
            self._require_exists(tx, twin_id)
            return gtx.parents(tx, self._cy, twin_id)

        return tuple(self._db.read(work))

    def ancestors(self, twin_id: str, *, max_depth: int | None = None) -> tuple[str, ...]:
        depth = checks.require_depth(max_depth)

        def work(tx: Tx) -> list[str]:
            self._require_exists(tx, twin_id)
            return _walk(tx, self._cy, twin_id, depth, down=False)

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
        limit = checks.require_page(first)
        depth = checks.require_depth(max_depth)

        def work(tx: Tx) -> list[str]:
            models: set[str] | None = None
            if model is not None or semantic_type is not None:
                rules = self._rules(tx)
                if model is not None:
                    if not rules.has_model(model):
                        self._require_exists(tx, twin_id)  # the twin is reported first
                        raise NotFoundError(checks.KIND_MODEL, model)
                    models = set(rules.models_matching(model))
                if semantic_type is not None:
                    typed = rules.models_with_semantic_type(semantic_type)
                    models = set(typed) if models is None else models & typed
            wanted = sorted(models) if models is not None else None
            if max_depth is None:
                ids = gtx.descendants(tx, self._cy, twin_id, wanted, after, limit + 1)
                if ids is None:
                    raise NotFoundError(checks.KIND_TWIN, twin_id)
                return ids
            self._require_exists(tx, twin_id)
            found = _walk(tx, self._cy, twin_id, depth, down=True)
            if wanted is not None:
                of_model = gtx.models_of(tx, self._cy, found)
                keep = set(wanted)
                found = [i for i in found if of_model.get(i) in keep]
            ordered = sorted(i for i in found if after is None or i > after)
            return ordered[: limit + 1]

        return _page(self._db.read(work), limit, _identity)

    def _require_exists(self, tx: Tx, twin_id: str) -> None:
        if not gtx.models_of(tx, self._cy, [twin_id]):
            raise NotFoundError(checks.KIND_TWIN, twin_id)

    # --------------------------------------------------------------- aliases
    def add_aliases(self, twin_id: str, aliases: Sequence[Alias], *, principal: str) -> Twin:
        checks.require_principal(principal)
        _raise_reasons(f"aliases for twin {twin_id!r}", checks.check_aliases(twin_id, aliases))
        now = self._clock()

        def work(tx: Tx) -> Twin:
            current = self._require_twin(tx, twin_id, None)
            self._require_aliases_free(tx, twin_id, aliases)
            fresh = tuple(a for a in aliases if a not in current.aliases)
            if not fresh:
                return current
            combined = (*current.aliases, *fresh)
            reasons = checks.check_aliases(twin_id, combined)
            _raise_reasons(f"aliases for twin {twin_id!r}", reasons)
            return self._set_aliases(tx, current, combined, principal, now, checks.ACTION_ALIAS_ADD)

        return self._db.write(work)

    def remove_alias(self, alias: Alias, *, principal: str) -> None:
        checks.require_principal(principal)
        now = self._clock()

        def work(tx: Tx) -> None:
            key = alias_key(alias)
            owner = ttx.alias_owners(tx, self._cy, [key]).get(key)
            if owner is None:
                raise NotFoundError(checks.KIND_ALIAS, _alias_text(alias))
            current = self._require_twin(tx, owner, None)
            kept = tuple(a for a in current.aliases if a != alias)
            self._set_aliases(tx, current, kept, principal, now, checks.ACTION_ALIAS_REMOVE)

        self._db.write(work)

    def _set_aliases(
        self,
        tx: Tx,
        current: Twin,
        aliases: tuple[Alias, ...],
        principal: str,
        now: datetime,
        action: str,
    ) -> Twin:
        twin = _replace(current, now, aliases=aliases)
        self._write_twins(tx, [], [(current, twin)])
        before, after = _aliases_json(current.aliases), _aliases_json(aliases)
        self._audit(tx, principal, now, [(action, twin.id, before, after)])
        return twin

    def resolve_aliases(self, namespace: str, values: Sequence[str]) -> tuple[str | None, ...]:
        checks.require_batch("alias values", values)
        if not values:
            return ()
        keys = [alias_key(Alias(namespace, v)) for v in values]
        return tuple(self._db.read(lambda tx: ttx.resolve_alias_keys(tx, self._cy, keys)))

    # --------------------------------------------------------------- signals
    def set_signals(self, updates: Sequence[SignalUpdate]) -> None:
        checks.require_batch("signal updates", updates)
        for update in updates:
            reason = checks.check_signal_update(update)
            if reason is not None:
                raise InvalidError(reason)
        rows = [
            {
                "key": signal_key(u.twin, u.signal),
                "twin": u.twin,
                "signal": u.signal,
                "value": dumps(u.value),
                "t": micros(u.time),
                "time": u.time.isoformat(),
                "batch": u.batch,
            }
            for u in updates
        ]
        if not rows:
            return
        twins = sorted({u.twin for u in updates})

        def work(tx: Tx) -> None:
            known = gtx.models_of(tx, self._cy, twins)
            missing = [t for t in twins if t not in known]
            if missing:
                first = next(u.twin for u in updates if u.twin not in known)
                raise NotFoundError(checks.KIND_TWIN, first)
            gtx.set_signals(tx, self._cy, rows, self._batch)

        self._db.write(work)

    def get_signals(self, twin_id: str) -> Mapping[str, SignalValue]:
        def work(tx: Tx) -> dict[str, SignalValue]:
            self._require_exists(tx, twin_id)
            return gtx.get_signals(tx, self._cy, twin_id)

        return self._db.read(work)

    # --------------------------------------------------------------- rollups
    def define_rollup(self, spec: RollupSpec, *, principal: str) -> None:
        checks.require_principal(principal)
        now = self._clock()

        def work(tx: Tx) -> None:
            changed, before = self._rollups.define_in(tx, spec, self._rules(tx))
            if changed:
                entry = (checks.ACTION_ROLLUP_DEFINE, spec.name, before, spec_json(spec))
                self._audit(tx, principal, now, [entry])

        self._db.write(work)

    def rollups(self) -> tuple[RollupSpec, ...]:
        return self._rollups.specs()

    def recompute_rollups(self, changed: Sequence[str] | None = None) -> int:
        if changed is not None:
            checks.require_batch("changed twins", changed)
        return self._rollups.recompute(changed, self._clock(), self._rules_now())

    def _rules_now(self) -> checks.TwinRules:
        return self._db.read(self._rules)

    # ----------------------------------------------------------------- audit
    def audit(
        self, *, key: str | None = None, first: int = 100, after: int | None = None
    ) -> Page[AuditRecord]:
        limit = checks.require_page(first)
        if after is not None and (type(after) is not int or after < 0):
            message = (
                f"audit cursor after={after!r} is not valid; expected the last seq seen (>= 0)"
            )
            raise InvalidError(message)
        rows = self._db.read(lambda tx: ttx.audit_page(tx, self._cy, key, after, limit + 1))
        records = [audit_from_node(r) for r in rows]
        return _page(records, limit, lambda r: str(r.seq))

    def _audit(
        self,
        tx: Tx,
        principal: str,
        now: datetime,
        entries: Sequence[AuditEntry],
    ) -> None:
        if not entries:
            return
        seqs = ttx.next_audit_seqs(tx, self._cy, len(entries))
        records = [
            AuditRecord(
                seq=seq, at=now, principal=principal, action=action, key=key, before=b, after=a
            )
            for seq, (action, key, b, a) in zip(seqs, entries, strict=True)
        ]
        ttx.append_audit(tx, self._cy, records, self._batch)

    def close(self) -> None:
        self._db.close()


# --------------------------------------------------------------------- helpers
def _utc_now() -> datetime:
    return datetime.now(UTC)


def _etag() -> str:
    return uuid.uuid4().hex


def _identity(value: str) -> str:
    return value


def _raise_reasons(what: str, reasons: Sequence[str]) -> None:
    if reasons:
        message = f"{what} is invalid: " + "; ".join(reasons)
        raise InvalidError(message)


def _new_twin(spec: TwinSpec, now: datetime) -> Twin:
    return Twin(
        id=spec.id,
        model=spec.model,
        properties=dict(spec.properties),
        lifecycle=spec.lifecycle,
        etag=_etag(),
        aliases=tuple(spec.aliases),
        created_at=now,
        updated_at=now,
    )


def _replace(
    twin: Twin,
    now: datetime,
    *,
    model: str | None = None,
    properties: Mapping[str, JsonValue] | None = None,
    lifecycle: Lifecycle | None = None,
    aliases: tuple[Alias, ...] | None = None,
) -> Twin:
    return Twin(
        id=twin.id,
        model=model if model is not None else twin.model,
        properties=properties if properties is not None else twin.properties,
        lifecycle=lifecycle if lifecycle is not None else twin.lifecycle,
        etag=_etag(),
        aliases=aliases if aliases is not None else twin.aliases,
        created_at=twin.created_at,
        updated_at=now,
    )


def _spec_key(spec: object) -> str:
    twin_id = getattr(spec, "id", None)
    return twin_id if isinstance(twin_id, str) else repr(spec)[:200]


def _alias_clash(spec: TwinSpec, owner_of: Mapping[str, str]) -> str | None:
    for alias in spec.aliases:
        owner = owner_of.get(alias_key(alias))
        if owner is not None and owner != spec.id:
            return (
                f"alias {_alias_text(alias)!r} names twin {owner!r} already; an alias is "
                "unique per namespace"
            )
    return None


def _aliases_json(aliases: Sequence[Alias]) -> JsonValue:
    return [[a.namespace, a.value] for a in aliases]


def _alias_text(alias: Alias) -> str:
    return f"{alias.namespace}:{alias.value}"


def _well_formed(edge: object) -> bool:
    return isinstance(edge, Edge) and all(
        isinstance(part, str) for part in (edge.source, edge.name, edge.target)
    )


def _key(edge: Edge) -> tuple[str, str, str]:
    return (edge.source, edge.name, edge.target)


def _adjacency(parents: Sequence[str], children: Sequence[str]) -> dict[str, list[str]]:
    kids: dict[str, list[str]] = {}
    for parent, child in zip(parents, children, strict=True):
        kids.setdefault(parent, []).append(child)
    return kids


def _walk(tx: Tx, cy: Cypher, twin_id: str, depth: int, *, down: bool) -> list[str]:
    """Distinct twins within ``depth`` levels, nearest level first, each level by id."""
    seen = {twin_id}
    order: list[str] = []
    level = [twin_id]
    for _ in range(depth):
        if not level:
            break
        found = sorted(set(gtx.next_level(tx, cy, level, down)) - seen)
        seen.update(found)
        order.extend(found)
        level = found
    return order


def _page(items: Sequence[T], limit: int, cursor: Callable[[T], str]) -> Page[T]:
    if len(items) > limit:
        kept = tuple(items[:limit])
        return Page(items=kept, next_cursor=cursor(kept[-1]))
    return Page(items=tuple(items), next_cursor=None)
