"""The ``GraphStore`` contract: what every graph store implementation provides.

Two implementations honour it: the in-process store (``ontology.graph.memory``,
the embedded default, persisted to a snapshot file) and the Neo4j store
(``ontology.graph.neo4j``). One contract test-suite
(``tests/ontology/graph/test_store_contract.py``) runs against both.

The graph store holds *now*: models, twins, aliases, edges, live signal values,
rollup definitions, and the low-rate audit trail of its own changes. Every
write of models, twins, aliases, edges and rollup definitions takes the acting
``principal`` and writes an audit record. Live signal values (``set_signals``
and the rollups' derived values) take no principal and are not audited: they
change at ingest rate, and each value carries the ``batch`` that wrote it
instead, the key of its lineage (who, from which source) in the history store.

Methods are synchronous and block on I/O. Both stores may be called from
several threads at once; an async caller runs them in a worker thread. (The
server does not call a graph store yet.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from ontology.graph._limits import MAX_READ_IDS
from ontology.graph._values import (
    Alias,
    AuditRecord,
    BulkResult,
    ChildPage,
    Edge,
    JsonValue,
    Lifecycle,
    Model,
    Page,
    RollupSpec,
    SignalUpdate,
    SignalValue,
    Twin,
    TwinSpec,
)

if TYPE_CHECKING:
    import dtdl


@runtime_checkable
class GraphStore(Protocol):
    # ------------------------------------------------------------------ models
    def add_models(self, texts: Sequence[str], *, principal: str) -> tuple[Model, ...]:
        """Validate DTDL texts together with the models already held and keep them.

        Raises ``ModelError`` (with the ``dtdl`` diagnostics) when the set is
        invalid, ``AlreadyExistsError`` when a DTMI (with its version) exists
        with a different text; the same text again is a no-op.
        """
        ...

    def get_model(self, dtmi: str) -> Model: ...

    def list_models(self) -> tuple[Model, ...]: ...

    def delete_model(self, dtmi: str, *, principal: str) -> None:
        """Refuses with ``ModelInUseError`` while twins use it (or models extend it)."""
        ...

    def model_set(self) -> dtdl.ModelSet:
        """Every model held, parsed together."""
        ...

    # ------------------------------------------------------------------- twins
    def create_twin(self, spec: TwinSpec, *, principal: str) -> Twin: ...

    def get_twin(self, twin_id: str) -> Twin: ...

    def get_twins(self, twin_ids: Sequence[str]) -> tuple[Twin | None, ...]:
        """Many twins in one round trip; ``None`` where an id is unknown."""
        ...

    def twins_exist(self, twin_ids: Sequence[str]) -> tuple[bool, ...]:
        """Whether each twin exists, in the order given, in one round trip, without reading
        the records (a caller that needs only that, e.g. to drop unknown ids from a list).

        More than ``MAX_READ_IDS`` ids are refused.
        """
        ...

    def update_twin(
        self,
        twin_id: str,
        properties: Mapping[str, JsonValue],
        *,
        etag: str | None,
        principal: str,
    ) -> Twin:
        """Merge ``properties`` into the twin (a ``None`` value removes that property).

        With ``etag`` given, refuses with ``EtagMismatchError`` if the twin changed.
        """
        ...

    def delete_twin(self, twin_id: str, *, etag: str | None, principal: str) -> None:
        """Deletes the twin, its aliases, signals and edges."""
        ...

    def upsert_twins(self, specs: Sequence[TwinSpec], *, principal: str) -> BulkResult:
        """Idempotent bulk create-or-replace; invalid specs are rejected with reasons.

        Either every accepted spec is written or none: a call that fails leaves
        nothing of itself, also when the store wrote it in several transactions
        (the Neo4j store, past ``batch_size``, undoes what it committed; should
        Neo4j become unreachable during that undo, its ``StoreUnavailableError``
        says that part stayed written). A spec equal to what is stored counts as
        unchanged.
        """
        ...

    def set_lifecycle(self, twin_id: str, to: Lifecycle, *, principal: str) -> Twin:
        """An explicit lifecycle operation, checked against ``LIFECYCLE_TRANSITIONS``."""
        ...

    def list_twins(
        self, *, model: str | None = None, first: int = 100, after: str | None = None
    ) -> Page[Twin]:
        """Twins by id order; ``model`` includes models that extend it."""
        ...

    # ------------------------------------------------------------------- edges
    def add_edges(self, edges: Sequence[Edge], *, principal: str) -> BulkResult:
        """Idempotent bulk add, checked against the source model's Relationship.

        All or nothing, as ``upsert_twins``: a call that fails leaves no edge of it.

        ``contains`` edges may not close a cycle (``CycleError`` names the path
        when adding one edge; in bulk the edge is rejected with that reason).
        """
        ...

    def remove_edge(self, source: str, name: str, target: str, *, principal: str) -> None: ...

    def edges_from(self, source: str, name: str | None = None) -> tuple[Edge, ...]: ...

    def edges_to(self, target: str, name: str | None = None) -> tuple[Edge, ...]: ...

    def edges_from_many(
        self, sources: Sequence[str], name: str | None = None
    ) -> tuple[tuple[Edge, ...], ...]:
        """``edges_from`` of many twins in one round trip, in the order given.

        An unknown id gets ``()``; more than ``MAX_READ_IDS`` ids are refused.
        """
        ...

    def edges_to_many(
        self, targets: Sequence[str], name: str | None = None
    ) -> tuple[tuple[Edge, ...], ...]:
        """``edges_to`` of many twins in one round trip (as ``edges_from_many``)."""
        ...

    # --------------------------------------------------------------- hierarchy
    def children(
        self, twin_id: str, *, first: int = 100, after: str | None = None
    ) -> Page[str]: ...

    def parents(self, twin_id: str) -> tuple[str, ...]: ...

    def children_of(self, twin_ids: Sequence[str]) -> tuple[tuple[str, ...], ...]:
        """Every child of each twin (in id order) in one round trip, in the order given.

        An unknown id gets ``()``; more than ``MAX_READ_IDS`` ids are refused.
        """
        ...

    def parents_of(self, twin_ids: Sequence[str]) -> tuple[tuple[str, ...], ...]:
        """``parents`` of many twins in one round trip (as ``children_of``)."""
        ...

    def children_below(
        self, twin_ids: Sequence[str], depth: int, *, limit: int = MAX_READ_IDS
    ) -> Mapping[str, tuple[str, ...]]:
        """The children of ``twin_ids`` and of the twins below them, ``depth`` levels, in
        one round trip (a nested ``children`` selection read at once).

        Level 0 is the known twins among ``twin_ids`` (unknown ids are left out);
        level ``k + 1`` is the distinct children of level ``k``. Levels ``0`` to
        ``depth - 1`` are read, each whole, and every twin read maps to its
        children in id order (``()`` for a leaf). A level is read only if the
        twins of the levels read so far, it included (a twin counted once per
        level it is on), number at most ``limit``: a larger tree comes back as its
        first levels, and the caller reads on from there. ``depth`` is 1 to
        ``MAX_TREE_LEVELS``, ``limit`` 1 to ``MAX_READ_IDS``; more than
        ``MAX_READ_IDS`` ids are refused.
        """
        ...

    def ancestors(self, twin_id: str, *, max_depth: int | None = None) -> tuple[str, ...]:
        """Distinct ancestors, nearest first, then by id."""
        ...

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
        """Distinct descendants in id order, optionally filtered.

        ``model`` keeps twins of that model or of models extending it;
        ``semantic_type`` keeps twins whose model has a Property or Telemetry of
        that semantic type (e.g. ``Temperature``).
        """
        ...

    def count_descendants(
        self,
        twin_id: str,
        *,
        max_depth: int | None = None,
        model: str | None = None,
        semantic_type: str | None = None,
    ) -> int:
        """How many twins ``descendants`` with the same filters lists on all its pages,
        without listing them (the same errors: an unknown twin or model)."""
        ...

    # ----------------------------------------------------------------- aliases
    def add_aliases(self, twin_id: str, aliases: Sequence[Alias], *, principal: str) -> Twin:
        """``AlreadyExistsError`` if an alias names another twin; same twin is a no-op."""
        ...

    def remove_alias(self, alias: Alias, *, principal: str) -> None: ...

    def resolve_aliases(self, namespace: str, values: Sequence[str]) -> tuple[str | None, ...]:
        """Twin ids for many alias values at once (one round trip); ``None`` if unknown."""
        ...

    # ----------------------------------------------------------------- signals
    def set_signals(
        self,
        updates: Sequence[SignalUpdate],
        *,
        before_commit: Callable[[], None] | None = None,
    ) -> None:
        """Upsert live values; an update older than the stored value is ignored.

        Not audited and without a principal (see the module docstring): each
        value keeps the ``batch`` of its ``SignalUpdate``. ``before_commit`` is
        called once the updates are validated (and, where the store can, sent)
        but before any of them is visible or durable; if it raises, nothing is
        written and its error propagates. The ingest worker passes "wait for
        this batch's history write", so the state write overlaps the history
        write but never commits before it.
        """
        ...

    def get_signals(self, twin_id: str) -> Mapping[str, SignalValue]: ...

    def signals_of(self, twin_ids: Sequence[str]) -> tuple[Mapping[str, SignalValue], ...]:
        """``get_signals`` of many twins in one round trip, in the order given.

        An unknown id gets an empty mapping; more than ``MAX_READ_IDS`` ids are refused.
        """
        ...

    def twins_with_signals(
        self, twin_ids: Sequence[str]
    ) -> tuple[tuple[Twin, Mapping[str, SignalValue]] | None, ...]:
        """Each twin's record with its live signals (as ``signals_of``), in one round trip.

        In the order given; ``None`` for an unknown id. More than ``MAX_READ_IDS``
        ids are refused. A page of twins whose signals are selected reads both here.
        """
        ...

    def children_with_signals(
        self, twin_id: str, *, first: int, after: str | None = None
    ) -> ChildPage | None:
        """The twin's record, every child's id (in id order) and the page of children after
        ``after`` (ids greater than it; at most ``first``, 1 to ``MAX_PAGE``) with their
        records and live signals, all in one round trip (a twin with its children and
        their signals). ``None`` for an unknown twin.
        """
        ...

    # ----------------------------------------------------------------- rollups
    def define_rollup(self, spec: RollupSpec, *, principal: str) -> None: ...

    def rollups(self) -> tuple[RollupSpec, ...]: ...

    def recompute_rollups(self, changed: Sequence[str] | None = None) -> int:
        """Recompute every rollup; ``changed`` (twin ids) is only a hint.

        Computed in numpy by the shared engine (``ontology.rollup``): a full
        run goes level by level up the ``contains`` DAG, a later run updates
        only the ancestors of values that changed; a twin reached by two paths
        counts once. Results are written as derived signals (batch
        ``"rollup"``); returns how many derived values were written or removed.
        """
        ...

    # ------------------------------------------------------------------- audit
    def audit(
        self,
        *,
        key: str | None = None,
        since: datetime | None = None,
        first: int = 100,
        after: int | None = None,
    ) -> Page[AuditRecord]:
        """Audit records in write order; ``after`` is the last ``seq`` seen.

        ``key`` keeps one entity's records; ``since`` (a time with a zone) those
        written at or after it.
        """
        ...

    def close(self) -> None: ...
