"""The Neo4j store's live signals and rollups: values in Neo4j, arithmetic in numpy."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from ontology._errors import InvalidError, NotFoundError
from ontology.graph._audit import ACTION_ROLLUP_DEFINE, rollup_json
from ontology.graph._identifiers import KIND_TWIN
from ontology.graph._limits import require_batch, require_principal
from ontology.graph._validators import signal_checker
from ontology.graph._values import RollupSpec, SignalUpdate, SignalValue
from ontology.graph.neo4j import _graph_tx as gtx
from ontology.graph.neo4j import _twin_tx as ttx
from ontology.graph.neo4j._rollup_runner import SIGNALS, RollupTiming
from ontology.graph.neo4j._state import Neo4jState, Tx


class Neo4jSignals(Neo4jState):
    # --------------------------------------------------------------- signals
    def set_signals(
        self,
        updates: Sequence[SignalUpdate],
        *,
        before_commit: Callable[[], None] | None = None,
    ) -> None:
        require_batch("signal updates", updates)
        check = signal_checker()
        for update in updates:
            reason = check(update)
            if reason is not None:
                raise InvalidError(reason)
        if not updates:
            if before_commit is not None:
                before_commit()
            return

        def work(tx: Tx) -> int:
            missing = gtx.set_signals(tx, self._cy, updates, self._batch)
            if missing:  # raising rolls the transaction back: nothing is written
                first = next(u.twin for u in updates if u.twin in missing)
                raise NotFoundError(KIND_TWIN, first)
            if before_commit is not None:
                # the rows are written in the open transaction, invisible to others; the
                # shared counter below is locked only after the wait, for a moment
                before_commit()
            return ttx.bump(tx, self._cy, SIGNALS)

        self._rollups.applied(self._db.write(work, twins=False), updates)

    def get_signals(self, twin_id: str) -> Mapping[str, SignalValue]:
        found = self._db.read_one(lambda tx: gtx.get_signals(tx, self._cy, twin_id))
        if found is None:
            raise NotFoundError(KIND_TWIN, twin_id)
        return found

    # --------------------------------------------------------------- rollups
    def define_rollup(self, spec: RollupSpec, *, principal: str) -> None:
        require_principal(principal)
        now = self._clock()

        def work(tx: Tx) -> None:
            changed, before = self._rollups.define_in(tx, spec, self._rules(tx))
            if changed:
                entry = (ACTION_ROLLUP_DEFINE, spec.name, before, rollup_json(spec))
                self._audit(tx, principal, now, [entry])

        try:
            self._db.write(work)
        finally:
            self._rollups.forget_specs()  # this store's definitions show at once

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
