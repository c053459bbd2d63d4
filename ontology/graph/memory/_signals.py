"""The in-process store's rollups: declared specs, computed by the shared rollup engine."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

from ontology._errors import InvalidError, NotFoundError
from ontology.graph._audit import ACTION_ROLLUP_DEFINE, rollup_json
from ontology.graph._identifiers import KIND_TWIN
from ontology.graph._limits import require_batch, require_principal
from ontology.graph._rules import require_rollup
from ontology.graph._updates import signal_wins
from ontology.graph._validators import signal_checker
from ontology.graph._values import RollupSpec, SignalUpdate, SignalValue
from ontology.graph.memory._rows import as_float, to_signal
from ontology.graph.memory._state import MemoryState
from ontology.rollup._engine import RollupEngine, RollupResult
from ontology.rollup._topology import Topology


class MemorySignals(MemoryState):
    _engine: RollupEngine
    _masks: dict[str, npt.NDArray[np.bool_]]

    # ---------------------------------------------------------------- signals
    def set_signals(
        self,
        updates: Sequence[SignalUpdate],
        *,
        before_commit: Callable[[], None] | None = None,
    ) -> None:
        require_batch("signal updates", updates)
        if before_commit is not None:  # in memory the write is instant: nothing to overlap
            before_commit()
        with self._lock:
            twins = self._twins
            check = signal_checker()
            for update in updates:
                reason = check(update)
                if reason is not None:
                    raise InvalidError(reason)
                if update.twin not in twins:
                    raise NotFoundError(KIND_TWIN, update.twin)
            table = self._signals
            columns = self._signal_columns()
            pos = self._index.pos if self._index is not None else {}
            derived = self._derived
            pending = derived.names
            for update in updates:
                if pending and update.signal in pending:  # a rollup's value not yet a row
                    derived.settle(table, update.signal, update.twin)
                values = table.get(update.twin)
                if values is None:
                    values = table[update.twin] = {}
                held = values.get(update.signal)
                if held is None or signal_wins(held[1], update.time):
                    values[update.signal] = (update.value, update.time, update.batch)
                    if columns is not None:
                        value = as_float(update.value)
                        column = columns.get(update.signal)
                        if column is None:
                            if value != value:
                                continue
                            column = columns[update.signal] = np.full(len(pos), np.nan)
                        column[pos[update.twin]] = value

    def get_signals(self, twin_id: str) -> Mapping[str, SignalValue]:
        with self._lock:
            self._twin(twin_id)
            held = self._signals.get(twin_id, {})
            if self._derived.names:
                held = self._derived.overlay(twin_id, held)
            return MappingProxyType({name: to_signal(row) for name, row in held.items()})

    # ----------------------------------------------------------------- rollups
    def define_rollup(self, spec: RollupSpec, *, principal: str) -> None:
        require_principal(principal)
        with self._lock:
            require_rollup(spec, self._rules())
            old = self._rollups.get(spec.name)
            if old == spec:
                return
            if old is not None:
                self._engine.forget(old)
            self._rollups[spec.name] = spec
            before = rollup_json(old)
            self._log(
                self._clock(), principal, ACTION_ROLLUP_DEFINE, spec.name, before, rollup_json(spec)
            )

    def rollups(self) -> tuple[RollupSpec, ...]:
        with self._lock:
            return tuple(self._rollups[name] for name in sorted(self._rollups))

    def recompute_rollups(self, changed: Sequence[str] | None = None) -> int:
        with self._lock:
            if not self._rollups:
                return 0
            index = self._hierarchy()
            if self._engine.use(index):
                self._masks = {}
            specs = self.rollups()
            self._ensure_columns(index, specs)
            nodes = None
            if changed is not None:
                pos = index.pos
                nodes = np.fromiter((pos[t] for t in changed if t in pos), dtype=np.int64)
            now = self._clock()
            written = 0
            for spec in specs:
                result = self._engine.recompute(
                    spec,
                    self._columns[spec.signal],
                    weights=self._columns[spec.weight] if spec.weight else None,
                    of_mask=self._mask(index, spec.of_model),
                    on_mask=self._mask(index, spec.on_model),
                    changed=nodes,
                )
                written += self._write(index, spec.name, result, now)
            return written

    def _write(self, index: Topology, name: str, result: RollupResult, now: datetime) -> int:
        """Store a rollup's results as derived signals (and as inputs of other rollups).

        They are held as columns (``_derived``) until a read or a write of
        signals needs them as rows.
        """
        column = self._columns.get(name)
        if column is None:
            column = self._columns[name] = np.full(index.size, np.nan)
        column[result.nodes] = result.values
        column[result.cleared] = np.nan
        return self._derived.write(
            index, name, result.nodes, result.values, result.cleared, now, self._signals
        )

    def _mask(self, index: Topology, model: str | None) -> npt.NDArray[np.bool_] | None:
        if model is None:
            return None
        mask = self._masks.get(model)
        if mask is None:
            mask = self._masks[model] = index.model_mask(self._rules().models_matching(model))
        return mask

    def _ensure_columns(self, index: Topology, specs: Sequence[RollupSpec]) -> None:
        """An input column for every signal the rollups read (NaN where none is held)."""
        columns = self._signal_columns()
        assert columns is not None and self._columns_for is index
        wanted = {spec.signal for spec in specs} | {s.weight for s in specs if s.weight}
        for name in wanted - columns.keys():
            columns[name] = np.full(index.size, np.nan)
