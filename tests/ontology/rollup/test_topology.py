"""``Topology``: the one hierarchy value both stores give the rollup engine."""

from __future__ import annotations

import numpy as np

from ontology import Aggregate, RollupSpec
from ontology.rollup import RollupEngine, Topology, TwinModel

TWINS = {
    twin: TwinModel(model)
    for twin, model in [("site", "S"), ("line/b", "L"), ("line/a", "L"), ("m1", "M"), ("m2", "M")]
}
CONTAINS = {"site": ["line/a", "line/b"], "line/a": ["m1"], "line/b": ["m1"]}


def test_twins_are_numbered_in_id_order_and_edges_grouped_by_parent() -> None:
    topology = Topology(TWINS, CONTAINS, version=7)
    assert topology.ids == ["line/a", "line/b", "m1", "m2", "site"]
    assert topology.pos["site"] == 4 and topology.size == 5 and topology.version == 7
    pairs = list(zip(topology.parent.tolist(), topology.child.tolist(), strict=True))
    assert pairs == [(0, 2), (1, 2), (4, 0), (4, 1)]
    assert topology.indptr.tolist() == [0, 1, 2, 2, 2, 4]
    assert topology.after("line/b") == 2


def test_descendants_count_a_twin_under_two_parents_once_and_respect_depth() -> None:
    topology = Topology(TWINS, CONTAINS)
    site = topology.pos["site"]
    assert topology.ids_arr[topology.descendants(site, 10)].tolist() == ["line/a", "line/b", "m1"]
    assert topology.ids_arr[topology.descendants(site, 1)].tolist() == ["line/a", "line/b"]
    assert topology.descendants(topology.pos["m2"], 10).tolist() == []


def test_model_mask_selects_models_and_ignores_unknown_ones() -> None:
    topology = Topology(TWINS, CONTAINS)
    assert topology.model_mask(["M", "nope"]).tolist() == [False, False, True, True, False]
    nodes = topology.all_nodes()
    assert topology.ids_arr[topology.with_models(nodes, ["L"])].tolist() == ["line/a", "line/b"]


def test_the_engine_takes_a_topology_once_and_computes_over_it() -> None:
    topology = Topology(TWINS, CONTAINS)
    engine = RollupEngine()
    assert engine.use(topology) is True
    assert engine.use(topology) is False
    values = np.full(topology.size, np.nan)
    values[topology.pos["m1"]] = 2.0
    values[topology.pos["m2"]] = 5.0
    spec = RollupSpec("total", "power", Aggregate.SUM)
    result = engine.recompute(spec, values)
    got = dict(zip(topology.ids_arr[result.nodes].tolist(), result.values.tolist(), strict=True))
    assert got == {"line/a": 2.0, "line/b": 2.0, "site": 2.0}
    assert engine.use(Topology(TWINS, {**CONTAINS, "site": ["line/a", "line/b", "m2"]})) is True
