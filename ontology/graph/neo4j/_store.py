"""``Neo4jStore``: the ``GraphStore`` contract on Neo4j 5 (the production graph store).

The rules are the shared pure ones (``_checks``, ``_registry``, ``_rollup``);
the store only reads what they need from Neo4j and writes what they decide, in
managed transactions (``_neo4j_db``). Node and relationship layout:
``_neo4j_cypher``. Parts: ``_neo4j_state`` (connection, caches, bulk plans),
``_neo4j_twins`` (models, twins, aliases, signals), ``_neo4j_graph`` (edges,
hierarchy), ``_neo4j_rollups``; this module composes them.

Atomicity: every single-item write is one transaction. A bulk call of at most
``batch_size`` items validates every item and writes the accepted ones in one
transaction (``UNWIND $rows`` statements). A larger call validates every item
in one read transaction, then writes ``batch_size`` operations per transaction
(one transaction of 100,000 twins exceeds Neo4j's transaction memory on a
768 MiB heap); should one fail, the ones committed before are undone and
their audit records deleted, so the call leaves nothing (``Neo4jState._bulk``).
Only when the undo fails too (Neo4j unreachable) does part stay written, and
the ``StoreUnavailableError`` says so. Between those transactions other
readers may see part of the call.

Caches: the parsed ``dtdl.ModelSet``, the rollup topology and the rollup
input columns are kept between calls and rebuilt when the ``models`` /
``topology`` / ``signals`` counters in Neo4j moved by more than the store's
own writes (which it applies to its caches), so a store also notices writes
of other processes (``_neo4j_rollups``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ontology.graph._audit import ACTION_ROLLUP_DEFINE, rollup_json
from ontology.graph._limits import (
    require_audit_cursor,
    require_batch,
    require_page,
    require_principal,
)
from ontology.graph._values import (
    AuditRecord,
    Page,
    RollupSpec,
)
from ontology.graph.neo4j import _twin_tx as ttx
from ontology.graph.neo4j._codec import audit_from_node
from ontology.graph.neo4j._rollup_runner import RollupTiming

if TYPE_CHECKING:
    pass
from ontology.graph.neo4j._graph import GraphMixin
from ontology.graph.neo4j._state import (
    Tx,
    page,
)
from ontology.graph.neo4j._twins import TwinsMixin


class Neo4jStore(TwinsMixin, GraphMixin):
    """The graph store on Neo4j; see the module docstring."""

    # --------------------------------------------------------------- rollups
    def define_rollup(self, spec: RollupSpec, *, principal: str) -> None:
        require_principal(principal)
        now = self._clock()

        def work(tx: Tx) -> None:
            changed, before = self._rollups.define_in(tx, spec, self._rules(tx))
            if changed:
                entry = (ACTION_ROLLUP_DEFINE, spec.name, before, rollup_json(spec))
                self._audit(tx, principal, now, [entry])

        self._db.write(work)

    def rollups(self) -> tuple[RollupSpec, ...]:
        return self._rollups.specs()

    def recompute_rollups(self, changed: Sequence[str] | None = None) -> int:
        if changed is not None:
            require_batch("changed twins", changed)
        return self._rollups.recompute(changed, self._clock(), self._rules)

    @property
    def last_rollup_timing(self) -> RollupTiming | None:
        """Where the last ``recompute_rollups`` spent its time: Neo4j reads, numpy, write-back."""
        return self._rollups.last

    # ----------------------------------------------------------------- audit
    def audit(
        self, *, key: str | None = None, first: int = 100, after: int | None = None
    ) -> Page[AuditRecord]:
        limit = require_page(first)
        require_audit_cursor(after)
        rows = self._db.read(lambda tx: ttx.audit_page(tx, self._cy, key, after, limit + 1))
        records = [audit_from_node(r) for r in rows]
        return page(records, limit, lambda r: str(r.seq))

    def close(self) -> None:
        self._db.close()
