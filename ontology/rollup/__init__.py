"""Rollups in numpy: one engine both graph stores use, over the hierarchy's node numbers.

``Topology`` is the hierarchy as both stores hand it over (twins in id order,
``contains`` edges as node arrays, model codes); ``RollupEngine.use(topology)``
takes it.

``RollupEngine`` keeps the topology and the last results of every rollup of one
store and recomputes them fully or incrementally; ``compute_rollup`` is the
stateless reference over an ``AncestorIndex`` (the distinct ancestor-descendant
pairs); ``LevelPlan`` computes full descendants rollups level by level.
"""

from ontology.rollup._ancestry import MAX_PAIRS, AncestorIndex
from ontology.rollup._engine import RollupEngine, RollupResult, compute_rollup
from ontology.rollup._levels import LevelPlan
from ontology.rollup._topology import Topology, TwinModel

__all__ = [
    "MAX_PAIRS",
    "AncestorIndex",
    "LevelPlan",
    "RollupEngine",
    "RollupResult",
    "Topology",
    "TwinModel",
    "compute_rollup",
]
