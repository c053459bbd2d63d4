"""What the in-process store holds, and the helpers its operations share.

Every write runs under one re-entrant lock, checks everything first with the
shared rules of ``ontology.graph`` (``_rules``, ``_validators``, ``_registry``),
then applies; bulk writes keep an undo list and roll back if anything
unexpected fails midway, so no batch is ever half-written.
"""

from __future__ import annotations

import copy
import gc
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from ontology._errors import AlreadyExistsError, EtagMismatchError, NotFoundError
from ontology.graph._identifiers import KIND_ALIAS, KIND_TWIN, alias_text
from ontology.graph._registry import parse_held
from ontology.graph._rules import TwinRules, rules_for
from ontology.graph._values import (
    Alias,
    JsonValue,
    Model,
    Page,
    RollupSpec,
)
from ontology.graph.memory._derived import DerivedColumns
from ontology.graph.memory._edge_table import EdgeTable
from ontology.graph.memory._rows import SignalRow, TwinRow, as_float
from ontology.graph.memory._snapshot import AuditEntry
from ontology.rollup._topology import Nodes, Topology

if TYPE_CHECKING:
    import dtdl

Clock = Callable[[], datetime]

EMPTY: Mapping[str, JsonValue] = MappingProxyType({})


@contextmanager
def bulk(size: int) -> Iterator[None]:
    """Pause the cyclic garbage collector during a large bulk write.

    A bulk load allocates a few objects per item and no reference cycles; the
    collector's passes over an ever larger heap would otherwise cost more than
    the load itself. On the way out one collection of the young generations
    moves what the write kept straight to the old one: each object is scanned
    once there, not once as new and again when the middle generation fills up.
    """
    if size < 1_000 or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.collect(1)  # the young generations: what the write allocated
        gc.enable()


def page_of(topology: Topology, nodes: Nodes, first: int, after: str | None) -> Page[str]:
    """A page of ``nodes`` (ascending) after the cursor ``after`` (a twin id)."""
    if after is not None:
        nodes = nodes[nodes >= topology.after(after)]
    chunk = nodes[:first]
    items: list[str] = topology.ids_arr[chunk].tolist()
    cursor = items[-1] if len(nodes) > first else None
    return Page(items=tuple(items), next_cursor=cursor)


def utc_now() -> datetime:
    return datetime.now(UTC)


def frozen(properties: Mapping[str, JsonValue]) -> Mapping[str, JsonValue]:
    """A read-only copy the caller cannot change behind the store's back."""
    if not properties:
        return EMPTY
    copied = dict(properties)
    for name, value in copied.items():
        if type(value) is dict or type(value) is list:
            copied[name] = copy.deepcopy(value)
    return MappingProxyType(copied)


NO_PROPERTIES: dict[str, JsonValue] = {}


def owned(properties: Mapping[str, JsonValue]) -> dict[str, JsonValue]:
    """The store's own copy of a twin's properties (never changed in place afterwards)."""
    if not properties:
        return NO_PROPERTIES
    copied = dict(properties)
    for name, value in copied.items():
        if type(value) is dict or type(value) is list:
            copied[name] = copy.deepcopy(value)
    return copied


class MemoryState:
    def __init__(self, clock: Clock | None) -> None:
        self._clock: Clock = clock or utc_now
        self._lock = threading.RLock()
        self._seq = 0
        self._models: dict[str, Model] = {}
        self._model_set: dtdl.ModelSet | None = None
        self._twins: dict[str, TwinRow] = {}
        self._aliases: dict[str, dict[str, str]] = {}
        self._edges = EdgeTable()
        self._signals: dict[str, dict[str, SignalRow]] = {}
        self._columns: dict[str, npt.NDArray[np.float64]] = {}
        """Rollup inputs by signal name, per node of ``_columns_for`` (kept by set_signals)."""
        self._columns_for: Topology | None = None
        self._derived = DerivedColumns()
        """Rollup results not yet written into ``_signals`` (per node of ``_index``)."""
        self._rollups: dict[str, RollupSpec] = {}
        self._audit: list[AuditEntry] = []
        self._index: Topology | None = None
        self._stale_reads = 0

    # ---------------------------------------------------------------- shared
    def _set(self) -> dtdl.ModelSet:
        if self._model_set is None:
            self._model_set = parse_held(self._models)
        return self._model_set

    def _rules(self) -> TwinRules:
        return rules_for(self._set())

    def _invalidate(self) -> None:
        """The hierarchy changed (twins, models of twins or contains edges)."""
        if self._derived.names:  # they are per node of the index dropped here
            self._derived.settle_all(self._signals, self._twins)
        self._index = None
        self._stale_reads = 0

    def _index_if_worth(self) -> Topology | None:
        """The index when current; after a change, None for the first read (walk or scan
        instead), and rebuilt from the second read on, when reads outnumber writes."""
        if self._index is not None:
            return self._index
        self._stale_reads += 1
        return self._hierarchy() if self._stale_reads > 1 else None

    def _hierarchy(self) -> Topology:
        if self._index is None:
            self._index = Topology(self._twins, self._edges.children)
        return self._index

    def _signal_columns(self) -> dict[str, npt.NDArray[np.float64]] | None:
        """Every signal's numeric values per node of the current index (None: no index yet).

        Rebuilt when the index was; ``set_signals`` keeps them up to date, so
        rollups read their inputs without a pass over every twin.
        """
        index = self._index
        if index is None:
            return None
        if self._columns_for is not index:
            pos, n = index.pos, index.size
            columns: dict[str, npt.NDArray[np.float64]] = {}
            for twin_id, values in self._signals.items():
                node = pos[twin_id]
                for name, row in values.items():
                    value = as_float(row[0])
                    if value == value:
                        column = columns.get(name)
                        if column is None:
                            column = columns[name] = np.full(n, np.nan)
                        column[node] = value
            self._columns, self._columns_for = columns, index
        return self._columns

    def _etag(self) -> str:
        self._seq += 1
        return format(self._seq, "x")

    def _log(
        self, at: datetime, principal: str, action: str, key: str, before: object, after: object
    ) -> None:
        self._audit.append((at, principal, action, key, before, after))

    def _twin(self, twin_id: str) -> TwinRow:
        twin = self._twins.get(twin_id)
        if twin is None:
            raise NotFoundError(KIND_TWIN, twin_id)
        return twin

    @staticmethod
    def _check_etag(twin: TwinRow, etag: str | None) -> None:
        if etag is not None and etag != twin.etag:
            raise EtagMismatchError(twin.id, etag, twin.etag)

    def _edges_fit(self, twin_id: str, model: str) -> list[str]:
        """Reasons the twin's edges would not fit were it re-modelled as ``model``."""
        rules = self._rules()
        twins, edges = self._twins, self._edges
        reasons: list[str] = []
        for edge in edges.from_source(twin_id):
            target = twins[edge.target].model if edge.target != twin_id else model
            count = edges.count(twin_id, edge.name) - 1
            reasons.extend(rules.edge(edge, model, target, count))
        for edge in edges.to_target(twin_id):
            if edge.source != twin_id:
                source = twins[edge.source].model
                count = edges.count(edge.source, edge.name) - 1
                reasons.extend(rules.edge(edge, source, model, count))
        return reasons

    # --------------------------------------------------------------- aliases
    def _alias_owner(self, twin_id: str, aliases: tuple[Alias, ...]) -> tuple[Alias, str] | None:
        """The first alias that names another twin already, with that twin."""
        table = self._aliases
        for alias in aliases:
            owners = table.get(alias.namespace)
            owner = owners.get(alias.value) if owners is not None else None
            if owner is not None and owner != twin_id:
                return alias, owner
        return None

    def _alias_conflict(self, twin_id: str, aliases: tuple[Alias, ...]) -> str | None:
        found = self._alias_owner(twin_id, aliases)
        if found is None:
            return None
        return (
            f"alias {alias_text(found[0])!r} names twin {found[1]!r} already; an alias is "
            "unique per namespace"
        )

    def _require_aliases_free(self, twin_id: str, aliases: tuple[Alias, ...]) -> None:
        found = self._alias_owner(twin_id, aliases)
        if found is not None:
            raise AlreadyExistsError(KIND_ALIAS, alias_text(found[0]))

    def _index_aliases(self, twin: TwinRow) -> None:
        table = self._aliases
        for alias in twin.aliases:
            owners = table.get(alias.namespace)
            if owners is None:
                owners = table[alias.namespace] = {}
            owners[alias.value] = twin.id

    def _unindex_aliases(self, twin: TwinRow) -> None:
        for alias in twin.aliases:
            owners = self._aliases.get(alias.namespace)
            if owners is not None and owners.get(alias.value) == twin.id:
                del owners[alias.value]

    def _replace_twin(self, old: TwinRow | None, new: TwinRow | None) -> None:
        """Swap a twin (None: absent) keeping the alias index in step."""
        if old is not None:
            self._unindex_aliases(old)
            self._twins.pop(old.id, None)
        if new is not None:
            self._twins[new.id] = new
            self._index_aliases(new)
