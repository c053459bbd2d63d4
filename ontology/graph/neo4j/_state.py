"""What every part of the Neo4j graph store shares: connection, caches, plans, helpers.

``Neo4jState`` holds the connection and the caches; ``_twins``, ``_graph``
and ``_signals`` add the operations (``Neo4jTwins``, ``Neo4jGraph``,
``Neo4jSignals``), ``_store`` composes them into
``Neo4jStore`` (see its docstring for atomicity and caching).
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Generic, TypeVar

from ontology._errors import (
    AlreadyExistsError,
    EtagMismatchError,
    InvalidError,
    NotFoundError,
    StoreUnavailableError,
)
from ontology.graph._identifiers import KIND_ALIAS, KIND_TWIN, alias_text
from ontology.graph._limits import MAX_READ_IDS
from ontology.graph._registry import parse_held
from ontology.graph._rules import TwinRules, rules_for
from ontology.graph._values import (
    Alias,
    AuditRecord,
    BulkResult,
    Edge,
    JsonValue,
    Lifecycle,
    Model,
    Page,
    Twin,
    TwinSpec,
)
from ontology.graph.neo4j import _graph_tx as gtx
from ontology.graph.neo4j import _many_tx as mtx
from ontology.graph.neo4j import _twin_tx as ttx
from ontology.graph.neo4j._codec import alias_node_key
from ontology.graph.neo4j._cypher import Cypher
from ontology.graph.neo4j._db import Neo4jDatabase
from ontology.graph.neo4j._hierarchy import Hierarchy
from ontology.graph.neo4j._kept_existence import KeptExistence
from ontology.graph.neo4j._rollup_runner import RollupRunner
from ontology.graph.neo4j._settings import Neo4jStoreSettings
from ontology.graph.neo4j._shared import SharedRead

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
class Plan(Generic[Op]):
    """What a bulk call decided: its result and the writes, in input order."""

    result: BulkResult
    ops: list[Op]
    known: Collection[str] = ()
    """Twins: the alias keys that existed. Edges: the ``edge_key`` of edges that existed."""
    cycle: tuple[str, ...] | None = None
    """Edges: the last cycle an edge was refused for (raised when adding one edge)."""


PREFETCH_EDGES = 64
"""A call adding more new ``contains`` edges than this may fetch the whole hierarchy once."""
PREFETCH_SHARE = 20
"""... when the hierarchy has at most this many times as many edges as the call adds;
otherwise cycle checks walk down from each new edge's target, fetching level by level."""


class Neo4jState:
    """The connection, the settings and the caches of one ``Neo4jStore``."""

    def __init__(
        self, settings: Neo4jStoreSettings, *, clock: Callable[[], datetime] | None = None
    ) -> None:
        self.settings = settings
        self._clock = clock if clock is not None else utc_now
        self._db = Neo4jDatabase(settings)
        self._cy = self._db.cypher
        self._batch = settings.batch_size
        self._models: tuple[int, dict[str, Model], dtdl.ModelSet] | None = None
        self._models_checked = -math.inf
        """``time.monotonic()`` when the ``models`` counter was last read (``model_recheck_ms``)."""
        self._models_rechecking = threading.Lock()
        """Held by the one thread rechecking the counter for ``model_set`` (the others answer
        from the cache meanwhile, instead of each reading the counter too)."""
        try:
            self._db.ensure_schema()
        except BaseException:
            self._db.close()
            raise
        self._rollups = RollupRunner(self._db)
        self._hierarchy = Hierarchy(self._db, enabled=settings.hierarchy_cache)
        self._twins_with_signals: Callable[[list[str]], Mapping[str, mtx.TwinWithSignals]] = (
            SharedRead(self._read_twins_with_signals, most=MAX_READ_IDS)
            if settings.share_reads
            else self._read_twins_with_signals
        )
        """``twins_with_signals`` of distinct ids, shared by concurrent calls (``share_reads``)."""
        self._existing: Callable[[list[str]], Mapping[str, bool]] = (
            SharedRead(self._read_existing, most=MAX_READ_IDS)
            if settings.share_reads
            else self._read_existing
        )
        """``twins_exist`` of distinct ids (every id asked, True where found), shared likewise."""
        self._kept_existence = KeptExistence(self._read_topology, stale_ms=settings.exists_stale_ms)
        """What ``twins_exist`` found, kept while the ``topology`` counter holds."""
        self._db.twins_written = self._kept_existence.wrote
        self._hierarchy_checks: Callable[
            [list[gtx.HierarchyKey]], Mapping[gtx.HierarchyKey, gtx.HierarchyFound]
        ] = (
            SharedRead(self._read_hierarchy_checks, most=MAX_READ_IDS)
            if settings.share_reads
            else self._read_hierarchy_checks
        )
        """The ``topology`` counter with twins' existence (and counts when it moved), shared
        by concurrent ``descendants`` and ``count_descendants`` calls (``_hierarchy``)."""

    def _read_twins_with_signals(self, ids: list[str]) -> Mapping[str, mtx.TwinWithSignals]:
        return self._db.read_one(lambda tx: mtx.twins_with_signals(tx, self._cy, ids))

    def _read_existing(self, ids: list[str]) -> Mapping[str, bool]:
        kept = self._kept_existence
        if not kept.enabled:
            found = self._db.read_one(lambda tx: mtx.existing(tx, self._cy, ids))
            return dict.fromkeys(found, True)
        writes, started = kept.writes, time.monotonic()
        counter, there = self._db.read_one(lambda tx: mtx.existing_at(tx, self._cy, ids))
        answers = dict.fromkeys(ids, False)
        answers.update(dict.fromkeys(there, True))
        kept.keep(counter, started, writes, answers)
        return answers

    def _read_topology(self) -> int:
        return self._db.read_one(lambda tx: ttx.version(tx, self._cy, "topology"))

    def _read_hierarchy_checks(
        self, keys: list[gtx.HierarchyKey]
    ) -> Mapping[gtx.HierarchyKey, gtx.HierarchyFound]:
        known = self._hierarchy.version  # read now: a count is made only if it is not current
        kept = self._kept_existence
        writes, started = kept.writes, time.monotonic()
        found = self._db.read_one(lambda tx: gtx.hierarchy_checks(tx, self._cy, keys, known))
        if found:  # the counter, read first in the statement: a reading for the kept answers
            kept.noted(next(iter(found.values()))[0], started, writes)
        return found

    def _held(self) -> dict[str, Model]:
        return self._current_models()[1]

    def _current_models(self) -> tuple[int, dict[str, Model], dtdl.ModelSet]:
        """The models as of now: one round trip when the cache holds them (the counter's read)."""
        cached = self._models
        if cached is not None:
            version = self._db.read_one(lambda tx: ttx.version(tx, self._cy, "models"))
            self._models_checked = time.monotonic()
            if version == cached[0]:
                return cached
        return self._db.read(self._models_in)

    def _model_set_in(self, tx: Tx) -> dtdl.ModelSet:
        return self._models_in(tx)[2]

    def _models_in(self, tx: Tx) -> tuple[int, dict[str, Model], dtdl.ModelSet]:
        """``(version, models by DTMI, parsed set)``, cached until the ``models`` counter moves."""
        version = ttx.version(tx, self._cy, "models")
        self._models_checked = time.monotonic()
        cached = self._models
        if cached is not None and cached[0] == version:
            return cached
        held = {m.dtmi: m for m in ttx.fetch_models(tx, self._cy)}
        fresh = (version, held, parse_held(held))
        self._models = fresh
        return fresh

    def _rules(self, tx: Tx) -> TwinRules:
        return rules_for(self._model_set_in(tx))

    def _bulk(
        self,
        size: int,
        plan: Callable[[Tx], Plan[Op]],
        write: Callable[[Tx, Sequence[Op], Collection[str]], range],
        undo: Callable[[Tx, Sequence[Op]], None],
    ) -> Plan[Op]:
        """Plan a bulk call, then write its operations: all of them or none.

        A call of at most ``batch_size`` items plans and writes in one write
        transaction. A larger one would not fit Neo4j's transaction memory in
        one (100,000 twins with aliases and audit records exceed the 520 MiB
        ``dbms.memory.transaction.total.max`` of a 768 MiB heap): it plans in
        one read transaction (every item validated before anything is
        written), then writes ``batch_size`` operations per transaction
        (``write`` returns the audit numbers it used). Should one of those
        fail, the ones committed before are undone, newest first (``undo``,
        and their audit records deleted), and the error is raised: nothing of
        the call is left. Only if the undo fails too (Neo4j unreachable) does
        part of the call stay written; the ``StoreUnavailableError`` says so,
        and running the (idempotent) call again completes it.
        """
        batch = self._batch
        if size <= batch:

            def work(tx: Tx) -> Plan[Op]:
                planned = plan(tx)
                write(tx, planned.ops, planned.known)
                return planned

            return self._db.write(work)
        planned = self._db.read(plan)
        written: list[tuple[Sequence[Op], range]] = []
        try:
            for chunk in ttx.chunks(planned.ops, batch):
                written.append((chunk, self._write_chunk(write, chunk, planned.known)))
        except BaseException as error:
            self._undo_chunks(written, undo, error)
            raise
        return planned

    def _write_chunk(
        self,
        write: Callable[[Tx, Sequence[Op], Collection[str]], range],
        ops: Sequence[Op],
        known: Collection[str],
    ) -> range:
        return self._db.write(lambda tx: write(tx, ops, known))

    def _undo_chunks(
        self,
        written: Sequence[tuple[Sequence[Op], range]],
        undo: Callable[[Tx, Sequence[Op]], None],
        error: BaseException,
    ) -> None:
        """Undo committed chunks of a failed bulk call, newest first, each in one transaction."""
        for done in range(len(written), 0, -1):
            try:
                self._db.write(partial(self._undo_chunk, undo=undo, done=written[done - 1]))
            except Exception as undo_error:
                kept = sum(len(chunk) for chunk, _ in written[:done])
                message = (
                    f"a bulk write failed ({error}) after {kept} of its operations were "
                    f"committed in earlier transactions, and undoing them failed too "
                    f"({undo_error}); those stay written: run the (idempotent) call again "
                    "to complete it"
                )
                raise StoreUnavailableError(message) from error

    def _undo_chunk(
        self,
        tx: Tx,
        *,
        undo: Callable[[Tx, Sequence[Op]], None],
        done: tuple[Sequence[Op], range],
    ) -> None:
        undo(tx, done[0])
        ttx.delete_audit(tx, self._cy, done[1], self._batch)

    def _require_twin(self, tx: Tx, twin_id: str, etag: str | None) -> Twin:
        """The twin, write-locked for this (write) transaction; checks ``etag`` when given."""
        current = ttx.lock_twin(tx, self._cy, twin_id)
        if current is None:
            raise NotFoundError(KIND_TWIN, twin_id)
        if etag is not None and etag != current.etag:
            raise EtagMismatchError(twin_id, etag, current.etag)
        return current

    def _require_aliases_free(self, tx: Tx, twin_id: str, aliases: Sequence[Alias]) -> None:
        owners = ttx.alias_owners(tx, self._cy, [alias_node_key(a) for a in aliases])
        for alias in aliases:
            owner = owners.get(alias_node_key(alias))
            if owner is not None and owner != twin_id:
                raise AlreadyExistsError(KIND_ALIAS, alias_text(alias))

    def _write_twins(
        self,
        tx: Tx,
        created: Sequence[Twin],
        updated: Sequence[tuple[Twin, Twin]],
        known: Collection[str] = (),
        audit: ttx.CreateAudit | None = None,
    ) -> None:
        """Write new and replaced twins and their alias nodes.

        ``known``: alias keys that may exist already besides the replaced twins' own.
        ``audit``: the audit of the created twins, written with them; any other
        audit is the caller's, who then has moved the ``topology`` counter already
        (:meth:`_bump_topology`, before reserving audit numbers: every writer takes
        the counters' locks in that order).
        """
        cy, batch = self._cy, self._batch
        dropped = [
            alias_node_key(a) for old, new in updated for a in old.aliases if a not in new.aliases
        ]
        ttx.remove_alias_keys(tx, cy, dropped, batch)  # before adding: another may claim them
        existing = {alias_node_key(a) for old, _ in updated for a in old.aliases} | set(known)
        fresh: list[list[dict[str, str]]] = []
        rows: list[dict[str, str]] = []  # alias nodes that may exist: MERGE
        for twin in created:
            mine: list[dict[str, str]] = []
            for a in twin.aliases:
                key = alias_node_key(a)
                if key in existing:
                    rows.append(
                        {"key": key, "namespace": a.namespace, "value": a.value, "twin": twin.id}
                    )
                else:
                    mine.append({"key": key, "namespace": a.namespace, "value": a.value})
            fresh.append(mine)
        ttx.create_twins(tx, cy, created, batch, audit, fresh)
        ttx.replace_twins(tx, cy, [new for _, new in updated], batch)
        rows.extend(
            {"key": alias_node_key(a), "namespace": a.namespace, "value": a.value, "twin": new.id}
            for _, new in updated
            for a in new.aliases
        )
        ttx.add_alias_rows(tx, cy, rows, batch, existing)
        if audit is None:
            self._bump_topology(tx, created, updated)

    def _bump_topology(
        self, tx: Tx, created: Sequence[Twin], updated: Sequence[tuple[Twin, Twin]]
    ) -> None:
        """Move the ``topology`` counter when twins are added or re-modelled."""
        if created or any(old.model != new.model for old, new in updated):
            ttx.bump(tx, self._cy, "topology")

    def _edges_fit(
        self,
        tx: Tx,
        rules: TwinRules,
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

    def _require_exists(self, tx: Tx, twin_id: str) -> None:
        if not gtx.models_of(tx, self._cy, [twin_id]):
            raise NotFoundError(KIND_TWIN, twin_id)

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
        self._append_audit(tx, principal, now, list(zip(seqs, entries, strict=True)))

    def _append_audit(
        self,
        tx: Tx,
        principal: str,
        now: datetime,
        numbered: Sequence[tuple[int, AuditEntry]],
    ) -> None:
        """Write audit records whose ``seq`` was reserved (:func:`ttx.next_audit_seqs`)."""
        records = [
            AuditRecord(
                seq=seq, at=now, principal=principal, action=action, key=key, before=b, after=a
            )
            for seq, (action, key, b, a) in numbered
        ]
        ttx.append_audit(tx, self._cy, records, self._batch)


# --------------------------------------------------------------------- helpers
def utc_now() -> datetime:
    return datetime.now(UTC)


def new_etag() -> str:
    return uuid.uuid4().hex


def identity(value: str) -> str:
    return value


def raise_reasons(what: str, reasons: Sequence[str]) -> None:
    if reasons:
        message = f"{what} is invalid: " + "; ".join(reasons)
        raise InvalidError(message)


def new_twin(spec: TwinSpec, now: datetime) -> Twin:
    return Twin(
        id=spec.id,
        model=spec.model,
        properties=dict(spec.properties),
        lifecycle=spec.lifecycle,
        etag=new_etag(),
        aliases=tuple(spec.aliases),
        created_at=now,
        updated_at=now,
    )


def replaced(
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
        etag=new_etag(),
        aliases=aliases if aliases is not None else twin.aliases,
        created_at=twin.created_at,
        updated_at=now,
    )


def spec_key(spec: object) -> str:
    twin_id = getattr(spec, "id", None)
    return twin_id if isinstance(twin_id, str) else repr(spec)[:200]


def alias_clash(spec: TwinSpec, owner_of: Mapping[str, str]) -> str | None:
    for alias in spec.aliases:
        owner = owner_of.get(alias_node_key(alias))
        if owner is not None and owner != spec.id:
            return (
                f"alias {alias_text(alias)!r} names twin {owner!r} already; an alias is "
                "unique per namespace"
            )
    return None


def aliases_json(aliases: Sequence[Alias]) -> JsonValue:
    return [[a.namespace, a.value] for a in aliases]


def well_formed(edge: object) -> bool:
    return isinstance(edge, Edge) and all(
        isinstance(part, str) for part in (edge.source, edge.name, edge.target)
    )


def edge_tuple(edge: Edge) -> tuple[str, str, str]:
    return (edge.source, edge.name, edge.target)


def adjacency(parents: Sequence[str], children: Sequence[str]) -> dict[str, list[str]]:
    kids: dict[str, list[str]] = {}
    for parent, child in zip(parents, children, strict=True):
        kids.setdefault(parent, []).append(child)
    return kids


def walk(tx: Tx, cy: Cypher, twin_id: str, depth: int, *, down: bool) -> list[str]:
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


def page(items: Sequence[T], limit: int, cursor: Callable[[T], str]) -> Page[T]:
    if len(items) > limit:
        kept = tuple(items[:limit])
        return Page(items=kept, next_cursor=cursor(kept[-1]))
    return Page(items=tuple(items), next_cursor=None)
