"""The baselines of the rollup rows: plain-Python sums, and for Neo4j their write-back too.

The in-process store keeps derived values in its own memory, so its baseline
is the sums alone. The Neo4j store reads its topology from Neo4j when it is
stale and writes the derived values that changed back as signal nodes, so
its baseline does the same around the same Python sums: on a cold run it
reads the ``contains`` pairs from its own namespace, and every run writes the
sums that changed since it last wrote them (``MERGE`` on the signal key, the
store's signal layout).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

import neo4j

from benchmarks import _neo4j_raw as raw
from benchmarks._shape import Shape, ancestors_of, apply_deltas, rollup_sum


class PythonRollup:
    """Sums over ancestor sets, held in memory."""

    cold_label = "Python over ancestor sets incl. building them"
    warm_label = "Python over prebuilt ancestor sets"
    incremental_label = "Python: deltas added to their ancestors' sums"

    def __init__(self, shape: Shape) -> None:
        self.shape = shape
        self.totals: dict[str, float] = {}

    def pairs(self) -> Iterable[tuple[str, str]]:
        return self.shape.pairs

    def cold(self, values: Mapping[str, float]) -> dict[str, float]:
        """A full sum, building the ancestor sets first."""
        self.totals = rollup_sum(ancestors_of(self.shape.order, self.pairs()), values)
        self.written(self.totals)
        return self.totals

    def warm(self, values: Mapping[str, float]) -> dict[str, float]:
        """A full sum over the prebuilt ancestor sets."""
        self.totals = rollup_sum(self.shape.ancestors, values)
        self.written(self.totals)
        return self.totals

    def incremental(self, deltas: Mapping[str, float]) -> dict[str, float]:
        """The sums after the twins in ``deltas`` changed by that much."""
        apply_deltas(self.shape.ancestors, self.totals, deltas)
        self.written(self.shape.affected(list(deltas)))
        return self.totals

    def written(self, targets: Iterable[str]) -> None:
        """Where the results go: nowhere else in memory."""


class Neo4jRollup(PythonRollup):
    """The Python sums, reading the topology from and writing changed sums to a namespace."""

    cold_label = "contains pairs read from Neo4j, Python sums, changed sums written back"
    warm_label = "Python sums, changed sums written back to Neo4j"
    incremental_label = "Python deltas, changed sums written back to Neo4j"

    def __init__(
        self, shape: Shape, driver: neo4j.Driver, ns: str, name: str, at: datetime
    ) -> None:
        super().__init__(shape)
        self.driver = driver
        self.ns = ns
        self.name = name
        self.at = at
        self.held: dict[str, float] = {}

    def pairs(self) -> Sequence[tuple[str, str]]:
        return raw.contains_pairs(self.driver, self.ns)

    def written(self, targets: Iterable[str]) -> None:
        totals, held = self.totals, self.held
        changed = {t: totals[t] for t in targets if held.get(t) != totals[t]}
        raw.write_signals(self.driver, self.ns, self.name, changed, self.at)
        held.update(changed)
