"""The in-process store's rollups: declared specs, computed by the shared rollup engine."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ontology._checks import ACTION_ROLLUP_DEFINE, require_principal, require_rollup
from ontology._memory_state import MemoryState
from ontology._rollup import RollupEngine
from ontology._values import Aggregate, RollupSpec, SignalValue

ROLLUP_BATCH = "rollup"
"""The ``batch`` of every derived value a rollup writes."""


def _spec_json(spec: RollupSpec) -> dict[str, str | None]:
    return {
        "name": spec.name,
        "signal": spec.signal,
        "aggregate": Aggregate(spec.aggregate).value,
        "scope": spec.scope,
        "of_model": spec.of_model,
        "on_model": spec.on_model,
        "weight": spec.weight,
    }


class RollupsMixin(MemoryState):
    _engine: RollupEngine

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
            before = _spec_json(old) if old is not None else None
            self._log(
                self._clock(), principal, ACTION_ROLLUP_DEFINE, spec.name, before, _spec_json(spec)
            )

    def rollups(self) -> tuple[RollupSpec, ...]:
        with self._lock:
            return tuple(self._rollups[name] for name in sorted(self._rollups))

    def recompute_rollups(self, changed: Sequence[str] | None = None) -> int:
        with self._lock:
            if not self._rollups:
                return 0
            index = self._hierarchy()
            self._engine.set_topology(index.size, index.parent, index.child, labels=index.ids)
            rules = self._rules()
            now = self._clock()
            pos = index.pos
            nodes = None
            if changed is not None:
                nodes = np.fromiter((pos[t] for t in changed if t in pos), dtype=np.int64)
            written = 0
            for spec in self.rollups():
                values = self._column(spec.signal, pos, index.size)
                weights = self._column(spec.weight, pos, index.size) if spec.weight else None
                of_mask = (
                    index.model_mask(rules.models_matching(spec.of_model))
                    if spec.of_model
                    else None
                )
                on_mask = (
                    index.model_mask(rules.models_matching(spec.on_model))
                    if spec.on_model
                    else None
                )
                result = self._engine.recompute(
                    spec, values, weights=weights, of_mask=of_mask, on_mask=on_mask, changed=nodes
                )
                ids = index.ids
                for node, value in zip(result.nodes.tolist(), result.values.tolist(), strict=True):
                    held = self._signals.setdefault(ids[node], {})
                    out = None if math.isnan(value) else value
                    held[spec.name] = SignalValue(out, now, ROLLUP_BATCH)
                    written += 1
                for node in result.cleared.tolist():
                    if self._signals.get(ids[node], {}).pop(spec.name, None) is not None:
                        written += 1
            return written

    def _column(self, signal: str | None, pos: dict[str, int], n: int) -> np.ndarray:
        column = np.full(n, np.nan)
        if signal is None:
            return column
        for twin_id, values in self._signals.items():
            held = values.get(signal)
            if held is None:
                continue
            value = held.value
            if (type(value) is float or type(value) is int) and twin_id in pos:
                column[pos[twin_id]] = value
        return column
