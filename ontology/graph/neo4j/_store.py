"""``Neo4jStore``: the ``GraphStore`` contract on Neo4j 5 (the production graph store).

The rules are the shared pure ones (``ontology.graph``'s ``_rules``,
``_validators``, ``_registry`` ...; the engine of ``ontology.rollup``); the
store only reads what they need from Neo4j and writes what they decide, in
managed transactions (``_db``). Node and relationship layout: ``_cypher``.
Parts, the same split as the in-process store's: ``_state`` (connection,
caches, bulk plans), ``_twins`` (models, twins, aliases, ``list_twins``),
``_graph`` (edges, hierarchy), ``_signals`` (live signals, rollups, with
``_rollup_runner``); this module composes them and adds the audit reads.

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
of other processes (``_rollup_runner``).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from ontology.graph._limits import (
    require_audit_cursor,
    require_audit_since,
    require_page,
)
from ontology.graph._values import (
    AuditRecord,
    Page,
)
from ontology.graph.neo4j import _twin_tx as ttx
from ontology.graph.neo4j._codec import audit_from_node

if TYPE_CHECKING:
    pass
from ontology.graph.neo4j._graph import Neo4jGraph
from ontology.graph.neo4j._many import Neo4jManyReads
from ontology.graph.neo4j._signals import Neo4jSignals
from ontology.graph.neo4j._state import (
    page,
)
from ontology.graph.neo4j._twins import Neo4jTwins


class Neo4jStore(Neo4jTwins, Neo4jGraph, Neo4jSignals, Neo4jManyReads):
    """The graph store on Neo4j; see the module docstring."""

    # ----------------------------------------------------------------- audit
    def audit(
        self,
        *,
        key: str | None = None,
        since: datetime | None = None,
        first: int = 100,
        after: int | None = None,
    ) -> Page[AuditRecord]:
        limit = require_page(first)
        require_audit_cursor(after)
        start = require_audit_since(since)
        rows = self._db.read(lambda tx: ttx.audit_page(tx, self._cy, key, start, after, limit + 1))
        records = [audit_from_node(r) for r in rows]
        return page(records, limit, lambda r: str(r.seq))

    def close(self) -> None:
        self._hierarchy.close()  # a background read of the hierarchy ends first
        self._kept_existence.close()
        self._db.close()
