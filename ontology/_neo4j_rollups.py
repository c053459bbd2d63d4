"""Rollups for the Neo4j graph store: specs in Neo4j, arithmetic in numpy.

Neo4j holds the topology and the rollup definitions; it is not asked to
aggregate. ``recompute`` reads the twins and ``contains`` edges only when the
``topology`` counter moved, hands them to the shared engine (``_rollup``),
reads each spec's input signal, and writes the engine's results back as
derived signals (batch ``"rollup"``) in ``UNWIND`` batches: one read and one
write transaction per run.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from ontology import _checks as checks
from ontology import _neo4j_graph_tx as gtx
from ontology import _neo4j_tx as ttx
from ontology._neo4j_codec import dumps, micros, signal_key
from ontology._neo4j_db import Neo4jDatabase
from ontology._neo4j_tx import Tx
from ontology._rollup import RollupEngine
from ontology._values import Aggregate, JsonValue, RollupSpec

Column = npt.NDArray[np.float64]
"""A signal's value per node, NaN where a twin has none (or a non-number)."""

ROLLUP_BATCH = "rollup"
"""The ``batch`` of every derived value a rollup writes (as the in-process store)."""


@dataclass(frozen=True, slots=True, eq=False)
class _Topology:
    version: int
    ids: list[str]
    pos: dict[str, int]
    parent: npt.NDArray[np.int64]
    child: npt.NDArray[np.int64]
    model_code: npt.NDArray[np.int32]
    model_codes: dict[str, int]

    def model_mask(self, models: Iterable[str]) -> npt.NDArray[np.bool_]:
        allowed = np.zeros(len(self.model_codes) + 1, dtype=np.bool_)
        for dtmi in models:
            code = self.model_codes.get(dtmi)
            if code is not None:
                allowed[code] = True
        mask: npt.NDArray[np.bool_] = allowed[self.model_code]
        return mask


class RollupRunner:
    def __init__(self, db: Neo4jDatabase) -> None:
        self._db = db
        self._cy = db.cypher
        self._engine = RollupEngine()
        self._topology: _Topology | None = None
        self._columns: dict[str, Column] = {}
        self._lock = threading.Lock()  # the engine and the caches are not thread-safe

    # ------------------------------------------------------------- specs
    def define_in(
        self, tx: Tx, spec: RollupSpec, rules: checks.TwinRules
    ) -> tuple[bool, JsonValue]:
        """Store ``spec`` (replacing one of that name).

        Returns whether anything changed and the replaced spec's JSON (the audit
        ``before``); raises ``InvalidError`` / ``NotFoundError`` for a bad spec.
        """
        checks.require_rollup(spec, rules)
        query = self._cy("MATCH (r:Rollup {name: $name}) RETURN r.spec AS spec")
        record = tx.run(query, name=spec.name).single()
        old = _spec(json.loads(record["spec"])) if record is not None else None
        previous = checks.rollup_json(old)
        if old == spec:
            return False, previous
        if old is not None:
            with self._lock:
                self._engine.forget(old)
        write = self._cy("MERGE (r:Rollup {name: $name}) SET r.spec = $spec")
        tx.run(write, name=spec.name, spec=dumps(checks.rollup_json(spec))).consume()
        return True, previous

    def specs(self) -> tuple[RollupSpec, ...]:
        return tuple(self._db.read(self._specs_in))

    def _specs_in(self, tx: Tx) -> list[RollupSpec]:
        query = self._cy("MATCH (r:Rollup) RETURN r.spec AS spec ORDER BY r.name")
        return [_spec(json.loads(row[0])) for row in tx.run(query).values()]

    # --------------------------------------------------------- recompute
    def recompute(
        self, changed: Sequence[str] | None, now: datetime, rules: checks.TwinRules
    ) -> int:
        with self._lock:
            return self._recompute(changed, now, rules)

    def _recompute(
        self, changed: Sequence[str] | None, now: datetime, rules: checks.TwinRules
    ) -> int:
        specs, topology, columns = self._db.read(lambda tx: self._inputs(tx, changed))
        if not specs:
            return 0
        engine = self._engine
        engine.set_topology(len(topology.ids), topology.parent, topology.child, labels=topology.ids)
        nodes = None
        if changed is not None:
            pos = topology.pos
            nodes = np.fromiter((pos[t] for t in changed if t in pos), dtype=np.int64)
        time_text, t = now.isoformat(), micros(now)
        rows: list[dict[str, Any]] = []
        cleared: list[str] = []
        for spec in specs:
            # Copies: the engine keeps the inputs it saw, and the cache changes in place.
            values = columns[spec.signal].copy()
            weights = columns[spec.weight].copy() if spec.weight else None
            of_mask = (
                topology.model_mask(rules.models_matching(spec.of_model)) if spec.of_model else None
            )
            on_mask = (
                topology.model_mask(rules.models_matching(spec.on_model)) if spec.on_model else None
            )
            result = engine.recompute(
                spec, values, weights=weights, of_mask=of_mask, on_mask=on_mask, changed=nodes
            )
            ids = topology.ids
            for node, value in zip(result.nodes.tolist(), result.values.tolist(), strict=True):
                twin = ids[node]
                rows.append(
                    {
                        "key": signal_key(twin, spec.name),
                        "twin": twin,
                        "signal": spec.name,
                        "value": dumps(None if math.isnan(value) else value),
                        "t": t,
                        "time": time_text,
                        "batch": ROLLUP_BATCH,
                    }
                )
            cleared.extend(signal_key(ids[node], spec.name) for node in result.cleared.tolist())
        if not rows and not cleared:
            return 0
        removed = self._db.write(lambda tx: self._write(tx, rows, cleared))
        return len(rows) + removed

    def _inputs(
        self, tx: Tx, changed: Sequence[str] | None
    ) -> tuple[list[RollupSpec], _Topology, dict[str, Column]]:
        """The specs, the topology and a value column per input signal.

        Columns are cached per topology; a run told which twins ``changed``
        re-reads only their values, any other run reads every value.
        """
        specs = self._specs_in(tx)
        if not specs:
            return specs, _EMPTY, {}
        version = ttx.version(tx, self._cy, "topology")
        topology = self._topology
        if topology is None or topology.version != version:
            topology = self._topology = _read_topology(tx, self._db, version)
            self._columns = {}
        wanted = sorted({s.signal for s in specs} | {s.weight for s in specs if s.weight})
        n, pos = len(topology.ids), topology.pos
        for name in wanted:
            column = self._columns.get(name)
            if column is None or changed is None:
                values = _numbers(gtx.signal_values(tx, self._cy, name))
                self._columns[name] = _column(values, pos, n)
                continue
            twins = [t for t in changed if t in pos]
            column[[pos[t] for t in twins]] = np.nan
            keys = [signal_key(t, name) for t in twins]
            for twin, value in _numbers(gtx.signal_values_of(tx, self._cy, keys)).items():
                column[pos[twin]] = value
        return specs, topology, {name: self._columns[name] for name in wanted}

    def _write(self, tx: Tx, rows: Sequence[dict[str, Any]], cleared: Sequence[str]) -> int:
        batch = self._db.settings.batch_size
        query = self._cy(
            "UNWIND $rows AS r MATCH (:Twin {id: r.twin}) "
            "MERGE (s:Signal {key: r.key}) ON CREATE SET s.twin = r.twin, s.signal = r.signal "
            "SET s.value = r.value, s.t = r.t, s.time = r.time, s.batch = r.batch"
        )
        ttx.run_rows(tx, query, rows, batch)
        removed = 0
        delete = self._cy("UNWIND $rows AS k MATCH (s:Signal {key: k}) DELETE s RETURN count(*)")
        for chunk in ttx.chunks(cleared, batch):
            removed += int(tx.run(delete, rows=list(chunk)).single(strict=True)[0])
        return removed


_EMPTY = _Topology(
    version=-1,
    ids=[],
    pos={},
    parent=np.empty(0, dtype=np.int64),
    child=np.empty(0, dtype=np.int64),
    model_code=np.empty(0, dtype=np.int32),
    model_codes={},
)


def _read_topology(tx: Tx, db: Neo4jDatabase, version: int) -> _Topology:
    cy = db.cypher
    twins, models = ttx.columns(tx, cy("MATCH (t:Twin) RETURN collect(t.id), collect(t.model)"))
    rows = sorted(zip(twins, models, strict=True))
    ids = [row[0] for row in rows]
    pos = {twin: i for i, twin in enumerate(ids)}
    codes: dict[str, int] = {}
    model_code = np.fromiter(
        (codes.setdefault(row[1], len(codes)) for row in rows), dtype=np.int32, count=len(rows)
    )
    parents, children = gtx.all_contains(tx, cy)
    parent = np.fromiter((pos[p] for p in parents), dtype=np.int64, count=len(parents))
    child = np.fromiter((pos[c] for c in children), dtype=np.int64, count=len(children))
    return _Topology(version, ids, pos, parent, child, model_code, codes)


def _numbers(rows: Sequence[tuple[str, Any]]) -> dict[str, float]:
    """Twin id -> numeric value (booleans, strings and nulls are no value)."""
    found: dict[str, float] = {}
    for twin, text in rows:
        value = json.loads(text) if text is not None else None
        if type(value) is float or type(value) is int:
            found[twin] = float(value)
    return found


def _column(values: Mapping[str, float], pos: Mapping[str, int], n: int) -> Column:
    column = np.full(n, np.nan)
    for twin, value in values.items():
        node = pos.get(twin)
        if node is not None:
            column[node] = value
    return column


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
