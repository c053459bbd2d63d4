"""``Neo4jStore``: the ``GraphStore`` contract on Neo4j 5 (the production graph store).

The rules are the shared pure ones (``_checks``, ``_registry``, ``_rollup``);
the store only reads what they need from Neo4j and writes what they decide, in
managed transactions (``_neo4j_db``). Node and relationship layout:
``_neo4j_cypher``. Parts: ``_neo4j_state`` (connection, caches, bulk plans),
``_neo4j_twins`` (models, twins, aliases, signals), ``_neo4j_graph`` (edges,
hierarchy), ``_neo4j_many`` (many-twin reads), ``_neo4j_rollups``; this module composes them.

Atomicity: every single-item write is one transaction. A bulk call of at most
``batch_size`` items validates every item and writes the accepted ones in one
transaction (``UNWIND $rows`` statements), so a failure leaves nothing
half-written. A larger call validates every item in one read transaction,
then writes ``batch_size`` operations per transaction, which keeps Neo4j's
per-transaction memory bounded; should the server fail in between, earlier
chunks stay written and running the (idempotent) call again completes it.

Caches: the parsed ``dtdl.ModelSet``, the rollup topology and the rollup
input columns are kept between calls and rebuilt when the ``models`` /
``topology`` / ``signals`` counters in Neo4j moved by more than the store's
own writes (which it applies to its caches), so a store also notices writes
of other processes (``_neo4j_rollups``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ontology import _checks as checks
from ontology import _neo4j_tx as ttx
from ontology._errors import (
    InvalidError,
)
from ontology._neo4j_codec import audit_from_node
from ontology._neo4j_rollups import RollupTiming
from ontology._values import (
    AuditRecord,
    Page,
    RollupSpec,
)

if TYPE_CHECKING:
    pass
from ontology._neo4j_graph import GraphMixin
from ontology._neo4j_many import ManyReadsMixin
from ontology._neo4j_state import (
    Tx,
    page,
)
from ontology._neo4j_twins import TwinsMixin


class Neo4jStore(TwinsMixin, GraphMixin, ManyReadsMixin):
    """The graph store on Neo4j; see the module docstring."""

    # --------------------------------------------------------------- rollups
    def define_rollup(self, spec: RollupSpec, *, principal: str) -> None:
        checks.require_principal(principal)
        now = self._clock()

        def work(tx: Tx) -> None:
            changed, before = self._rollups.define_in(tx, spec, self._rules(tx))
            if changed:
                entry = (checks.ACTION_ROLLUP_DEFINE, spec.name, before, checks.rollup_json(spec))
                self._audit(tx, principal, now, [entry])

        self._db.write(work)

    def rollups(self) -> tuple[RollupSpec, ...]:
        return self._rollups.specs()

    def recompute_rollups(self, changed: Sequence[str] | None = None) -> int:
        if changed is not None:
            checks.require_batch("changed twins", changed)
        return self._rollups.recompute(changed, self._clock(), self._rules)

    @property
    def last_rollup_timing(self) -> RollupTiming | None:
        """Where the last ``recompute_rollups`` spent its time: Neo4j reads, numpy, write-back."""
        return self._rollups.last

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
        return page(records, limit, lambda r: str(r.seq))

    def close(self) -> None:
        self._db.close()
