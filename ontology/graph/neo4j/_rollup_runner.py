"""Rollups for the Neo4j graph store: specs in Neo4j, arithmetic in numpy.

Neo4j holds the topology, the rollup definitions and the signals; it is not
asked to aggregate. The runner keeps, in the store process, the topology
(twin ids, models, ``contains`` edges) and a value column per rollup input
signal, so a recompute is numpy work (the shared engine, ``ontology.rollup``) plus
writing back only the derived values the engine reports as changed (batch
``"rollup"``).

Keeping the caches true: the ``topology`` counter in Neo4j moves on every
change of twins or ``contains`` edges and drops both caches; the ``signals``
counter moves with every signal write (``set_signals`` and the rollups' own
write-back). The store's own writes are applied to the cached columns after
they commit (:meth:`RollupRunner.applied`), with the same older-value rule
as Neo4j; when the counter moved by more than the store's own writes, another
process wrote signals and the columns are read again. Each recompute reads
the specs and the two counters (one read transaction), and writes in one
write transaction. :attr:`RollupRunner.last` tells how long each part took.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from ontology.graph._audit import rollup_json
from ontology.graph._rules import TwinRules, require_rollup
from ontology.graph._values import Aggregate, JsonValue, RollupSpec, SignalUpdate
from ontology.graph.neo4j import _graph_tx as gtx
from ontology.graph.neo4j import _twin_tx as ttx
from ontology.graph.neo4j._codec import dumps, micros, signal_key, time_text
from ontology.graph.neo4j._db import Neo4jDatabase, Runs
from ontology.graph.neo4j._hierarchy import TOPOLOGY, read_topology
from ontology.graph.neo4j._twin_tx import Tx
from ontology.rollup._engine import RollupEngine
from ontology.rollup._topology import Topology

Column = npt.NDArray[np.float64]
"""A signal's value per node, NaN where a twin has none (or a non-number)."""
Times = npt.NDArray[np.int64]
"""The event time (microseconds) of each node's value, :data:`NO_TIME` where none."""

ROLLUP_BATCH = "rollup"
"""The ``batch`` of every derived value a rollup writes (as the in-process store)."""
NO_TIME = np.iinfo(np.int64).min
SIGNALS = "signals"
"""The counter that moves with every signal write."""

RulesIn = Callable[[Tx], TwinRules]


@dataclass(frozen=True, slots=True)
class RollupTiming:
    """Where the last ``recompute`` spent its time (seconds), and what it wrote."""

    read: float
    """Neo4j reads: specs and counters, plus topology / columns when stale."""
    compute: float
    """The engine (numpy) over every spec, from the cached columns."""
    write: float
    """Encoding the changed values and writing them to Neo4j (one transaction)."""
    written: int
    """Derived values written or removed."""


@dataclass(frozen=True, slots=True)
class _Statement:
    """The write-back of one rollup: values to set in place, to merge, to remove."""

    signal: str
    updated: list[dict[str, str]]
    merged: list[dict[str, str]]
    gone: list[str]


@dataclass(slots=True, eq=False)
class _Signal:
    values: Column
    times: Times


class RollupRunner:
    def __init__(self, db: Neo4jDatabase) -> None:
        self._db = db
        self._cy = db.cypher
        self._engine = RollupEngine()
        self._topology: Topology | None = None
        self._columns: dict[str, _Signal] = {}
        self._signals_version: int | None = None
        """The ``signals`` counter the cached columns are current with (None: unknown)."""
        self._held: dict[str, npt.NDArray[np.bool_]] = {}
        """Per rollup name, the nodes known to hold its derived signal in Neo4j (updated
        in place; the others are merged, after checking their twin still exists)."""
        self._lock = threading.Lock()  # the engine and the caches are not thread-safe
        self.last: RollupTiming | None = None
        """The timing of the last recompute that had specs to compute."""
        self._specs: tuple[float, tuple[RollupSpec, ...]] | None = None
        """``(time.monotonic() of the read, the specs)`` of the last :meth:`specs`."""
        self._specs_rechecking = threading.Lock()
        """Held by the one thread reading the specs again (the others answer from the last
        read meanwhile, instead of each reading them too)."""

    # ------------------------------------------------------------- specs
    def define_in(self, tx: Tx, spec: RollupSpec, rules: TwinRules) -> tuple[bool, JsonValue]:
        """Store ``spec`` (replacing one of that name).

        Returns whether anything changed and the replaced spec's JSON (the audit
        ``before``); raises ``InvalidError`` / ``NotFoundError`` for a bad spec.
        """
        require_rollup(spec, rules)
        query = self._cy("MATCH (r:Rollup {name: $name}) RETURN r.spec AS spec")
        record = tx.run(query, name=spec.name).single()
        old = _spec(json.loads(record["spec"])) if record is not None else None
        previous = rollup_json(old)
        if old == spec:
            return False, previous
        if old is not None:
            with self._lock:
                self._engine.forget(old)
        write = self._cy("MERGE (r:Rollup {name: $name}) SET r.spec = $spec")
        tx.run(write, name=spec.name, spec=dumps(rollup_json(spec))).consume()
        return True, previous

    def specs(self) -> tuple[RollupSpec, ...]:
        """The declared rollups: read again once ``model_recheck_ms`` passed since the last
        read (as the models: a GraphQL request asks for them to show rollups), at once
        after this store defined one (:meth:`forget_specs`). When they are due, one thread
        reads them and the threads asking meanwhile (a busy server's requests all find
        them due at once) answer from the last read, as ``model_set`` does."""
        kept = self._specs
        now = time.monotonic()
        if kept is not None and now - kept[0] < self._db.settings.model_recheck_ms / 1000:
            return kept[1]
        if not self._specs_rechecking.acquire(blocking=False):
            if kept is not None:
                return kept[1]
            self._specs_rechecking.acquire()  # none read yet: wait for the one being read
        try:
            specs = tuple(self._db.read_one(self._specs_in))
            self._specs = (now, specs)
            return specs
        finally:
            self._specs_rechecking.release()

    def forget_specs(self) -> None:
        """This store defined a rollup: the next :meth:`specs` reads them."""
        self._specs = None

    def _specs_in(self, tx: Runs) -> list[RollupSpec]:
        query = self._cy("MATCH (r:Rollup) RETURN r.spec AS spec ORDER BY r.name")
        return [_spec(json.loads(row[0])) for row in tx.run(query).values()]

    # ----------------------------------------------------------- signals
    def applied(self, version: int, updates: Sequence[SignalUpdate]) -> None:
        """The store committed ``updates`` and moved the ``signals`` counter to ``version``.

        Applies them to the cached columns when the cache was current just before
        (else another writer came between: the columns are read again next time).
        """
        with self._lock:
            if self._signals_version == version:
                return  # a recompute read the columns after the commit
            if self._signals_version != version - 1 or self._topology is None:
                self._signals_version = None
                return
            self._signals_version = version
            pos = self._topology.pos
            for update in updates:
                cached = self._columns.get(update.signal)
                node = pos.get(update.twin) if cached is not None else None
                if cached is None or node is None:
                    continue
                t = micros(update.time)
                if t >= cached.times[node]:  # Neo4j keeps a newer stored value too
                    cached.values[node] = _number(update.value)
                    cached.times[node] = t

    # --------------------------------------------------------- recompute
    def recompute(self, changed: Sequence[str] | None, now: datetime, rules_in: RulesIn) -> int:
        """Recompute every rollup; ``changed`` is only a hint (the engine compares inputs)."""
        with self._lock:
            return self._recompute(changed, now, rules_in)

    def _recompute(self, changed: Sequence[str] | None, now: datetime, rules_in: RulesIn) -> int:
        started = time.perf_counter()
        specs, topology, rules = self._db.read(lambda tx: self._inputs(tx, rules_in))
        if rules is None:
            return 0
        read_done = time.perf_counter()
        engine = self._engine
        engine.use(topology)  # a no-op for the topology it holds
        nodes = None
        if changed is not None:
            pos = topology.pos
            nodes = np.fromiter((pos[t] for t in changed if t in pos), dtype=np.int64)
        results = []
        for spec in specs:
            # Copies: the engine keeps the inputs it saw, and the cache changes in place.
            values = self._columns[spec.signal].values.copy()
            weights = self._columns[spec.weight].values.copy() if spec.weight else None
            of_mask = (
                topology.model_mask(rules.models_matching(spec.of_model)) if spec.of_model else None
            )
            on_mask = (
                topology.model_mask(rules.models_matching(spec.on_model)) if spec.on_model else None
            )
            result = engine.recompute(
                spec, values, weights=weights, of_mask=of_mask, on_mask=on_mask, changed=nodes
            )
            if len(result.nodes) or len(result.cleared):
                results.append((spec, result.nodes, result.values, result.cleared))
        computed = time.perf_counter()
        written = 0
        if results:
            written = self._write_back(topology, results, now)
        self.last = RollupTiming(
            read=read_done - started,
            compute=computed - read_done,
            write=time.perf_counter() - computed,
            written=written,
        )
        return written

    def _inputs(
        self, tx: Tx, rules_in: RulesIn
    ) -> tuple[list[RollupSpec], Topology, TwinRules | None]:
        """The specs, the topology and the rules; reads the columns that are stale."""
        specs = self._specs_in(tx)
        if not specs:
            return specs, _EMPTY, None
        rules = rules_in(tx)
        topology_version = ttx.version(tx, self._cy, TOPOLOGY)
        signals_version = ttx.version(tx, self._cy, SIGNALS)
        topology = self._topology
        if topology is None or topology.version != topology_version:
            topology = self._topology = read_topology(tx, self._db, topology_version)
            self._columns, self._held = {}, {}
        if signals_version != self._signals_version:
            self._columns, self._held = {}, {}  # another process wrote signals
        self._signals_version = signals_version
        wanted = {s.signal for s in specs} | {s.weight for s in specs if s.weight}
        for name in sorted(wanted - set(self._columns)):
            self._columns[name] = _read_signal(tx, self._db, name, topology.pos)
        return specs, topology, rules

    def _write_back(
        self,
        topology: Topology,
        results: Sequence[tuple[RollupSpec, Any, Any, Any]],
        now: datetime,
    ) -> int:
        ids = topology.ids
        statements: list[_Statement] = []
        for spec, nodes, values, cleared in results:
            held = self._held.get(spec.name)
            known = held[nodes] if held is not None else np.zeros(len(nodes), dtype=np.bool_)
            rows: tuple[list[dict[str, str]], list[dict[str, str]]] = ([], [])
            for node, value, update in zip(
                nodes.tolist(), values.tolist(), known.tolist(), strict=True
            ):
                twin = ids[node]
                row = {"key": signal_key(twin, spec.name), "twin": twin, "value": _text(value)}
                rows[update].append(row)
            gone = [signal_key(ids[node], spec.name) for node in cleared.tolist()]
            statements.append(_Statement(spec.name, rows[1], rows[0], gone))
        t = micros(now)

        def work(tx: Tx) -> tuple[int, int]:
            removed = 0
            for statement in statements:
                removed += self._write(tx, statement, t, time_text(now))
            return removed, ttx.bump(tx, self._cy, SIGNALS)

        removed, version = self._db.write(work, twins=False)
        self._written(version, topology, results, t)
        return sum(len(st.updated) + len(st.merged) for st in statements) + removed

    def _written(
        self,
        version: int,
        topology: Topology,
        results: Sequence[tuple[RollupSpec, Any, Any, Any]],
        t: int,
    ) -> None:
        """Apply the committed derived values to the cached columns (rollups of rollups)."""
        if self._signals_version != version - 1 or self._topology is not topology:
            self._signals_version = None
            return
        self._signals_version = version
        for spec, nodes, values, cleared in results:
            held = self._held.setdefault(spec.name, np.zeros(len(topology.ids), dtype=np.bool_))
            held[nodes] = True
            held[cleared] = False
            cached = self._columns.get(spec.name)
            if cached is not None:
                cached.values[nodes] = values
                cached.times[nodes] = t
                cached.values[cleared] = np.nan
                cached.times[cleared] = NO_TIME

    def _write(self, tx: Tx, statement: _Statement, t: int, text: str | None) -> int:
        batch = self._db.settings.batch_size
        params = {"signal": statement.signal, "t": t, "time": text, "derived": ROLLUP_BATCH}
        # Values this runner wrote before: set in place. A twin deleted meanwhile took its
        # signals along, and the MATCH finds nothing (no Eager: the plan reads no Twin).
        update = self._cy(
            "UNWIND $rows AS r MATCH (s:Signal {key: r.key}) "
            "SET s.value = r.value, s.t = $t, s.time = $time, s.batch = $derived"
        )
        ttx.run_rows(tx, update, statement.updated, batch, **params)
        merge = self._cy(
            "UNWIND $rows AS r MATCH (:Twin {id: r.twin}) "
            "MERGE (s:Signal {key: r.key}) ON CREATE SET s.twin = r.twin, s.signal = $signal "
            "SET s.value = r.value, s.t = $t, s.time = $time, s.batch = $derived"
        )
        ttx.run_rows(tx, merge, statement.merged, batch, **params)
        removed = 0
        delete = self._cy("UNWIND $rows AS k MATCH (s:Signal {key: k}) DELETE s RETURN count(*)")
        for chunk in ttx.chunks(statement.gone, batch):
            removed += int(tx.run(delete, rows=list(chunk)).single(strict=True)[0])
        return removed


_EMPTY = Topology({}, {})


def _read_signal(tx: Tx, db: Neo4jDatabase, name: str, pos: dict[str, int]) -> _Signal:
    """The value and time column of one signal over the topology's twins."""
    n = len(pos)
    values = np.full(n, np.nan)
    times = np.full(n, NO_TIME, dtype=np.int64)
    nodes: list[int] = []
    numbers: list[float] = []
    stamps: list[int] = []
    for twin, text, t in gtx.signal_column(tx, db.cypher, name):
        node = pos.get(twin)
        if node is not None:
            nodes.append(node)
            numbers.append(_parsed(text))
            stamps.append(t)
    values[nodes] = numbers
    times[nodes] = stamps
    return _Signal(values, times)


def _parsed(text: str) -> float:
    """``_number(json.loads(text))`` for JSON text, without building the value.

    A JSON number starts with ``-`` or a digit and is valid ``float()`` syntax;
    any other JSON value (string, boolean, null, list, object) is no number.
    """
    first = text[:1]
    if first == "-" or "0" <= first <= "9":
        return float(text)
    return math.nan


def _number(value: object) -> float:
    """The float a rollup sees: numbers as they are; booleans, strings and nulls are NaN."""
    if type(value) is float or type(value) is int:
        return float(value)
    return math.nan


def _text(value: float) -> str:
    """The JSON text of a derived value (NaN: null; what ``dumps`` writes for a float)."""
    if math.isnan(value):
        return "null"
    return repr(value) if math.isfinite(value) else dumps(value)


# ------------------------------------------------------------------ specs


def _spec(data: dict[str, str | None]) -> RollupSpec:
    scope = data.get("scope") or "descendants"
    return RollupSpec(
        name=str(data["name"]),
        signal=str(data["signal"]),
        aggregate=Aggregate(str(data["aggregate"])),
        scope="children" if scope == "children" else "descendants",
        of_model=data.get("of_model"),
        on_model=data.get("on_model"),
        weight=data.get("weight"),
    )
