"""Rollups in numpy: one engine both graph stores use, over the hierarchy's node numbers.

``RollupEngine`` keeps the topology and the last results of every rollup of one
store and recomputes them fully or incrementally; ``compute_rollup`` is the
stateless reference over an ``AncestorIndex`` (the distinct ancestor-descendant
pairs); ``LevelPlan`` computes full descendants rollups level by level.
"""

from ontology.rollup._ancestry import MAX_PAIRS, AncestorIndex
from ontology.rollup._engine import RollupEngine, RollupResult, compute_rollup
from ontology.rollup._levels import LevelPlan

__all__ = [
    "MAX_PAIRS",
    "AncestorIndex",
    "LevelPlan",
    "RollupEngine",
    "RollupResult",
    "compute_rollup",
]
