"""The in-process store's rollups stay right as signals and the hierarchy change."""

from __future__ import annotations

import random
from datetime import timedelta

from ontology import CONTAINS, Aggregate, Edge, MemoryStore, RollupSpec, SignalUpdate, TwinSpec
from tests.ontology.graph.conftest import AREA, START, WHO, FixedClock, all_model_texts

N = 120
TOTAL = RollupSpec(name="total", signal="power", aggregate=Aggregate.SUM)
HOTTEST = RollupSpec(name="hottest", signal="power", aggregate=Aggregate.MAX)


def _expected(children: dict[str, set[str]], power: dict[str, float]) -> dict[str, float]:
    """Sum of the distinct descendants' power, for every twin with a contributor."""
    out: dict[str, float] = {}
    for twin in children:
        seen: set[str] = set()
        frontier = [twin]
        while frontier:
            frontier = [k for f in frontier for k in children.get(f, ()) if k not in seen]
            seen.update(frontier)
        if any(node in power for node in seen):
            out[twin] = sum(power.get(node, 0.0) for node in seen)
    return out


def _totals(store: MemoryStore, twins: list[str]) -> dict[str, float]:
    found: dict[str, float] = {}
    for twin in twins:
        held = store.get_signals(twin).get("total")
        if held is not None and isinstance(held.value, float):
            found[twin] = held.value
    return found


def test_rollups_follow_signal_and_hierarchy_changes() -> None:
    rng = random.Random(5)
    store = MemoryStore(clock=FixedClock())
    store.add_models(all_model_texts(), principal=WHO)
    twins = [f"r/{i:03d}" for i in range(N)]
    store.upsert_twins([TwinSpec(t, AREA) for t in twins], principal=WHO)
    children: dict[str, set[str]] = {t: set() for t in twins}
    edges = []
    for i in range(1, N):
        for parent in rng.sample(range(i), k=min(i, rng.choice((1, 2)))):
            edges.append(Edge(twins[parent], CONTAINS, twins[i]))
            children[twins[parent]].add(twins[i])
    store.add_edges(edges, principal=WHO)
    store.define_rollup(TOTAL, principal=WHO)
    store.define_rollup(HOTTEST, principal=WHO)
    power: dict[str, float] = {}
    at = START
    for step in range(6):
        at += timedelta(seconds=1)
        changed = rng.sample(twins, 15)
        updates = [SignalUpdate(t, "power", float(rng.randint(0, 50)), at) for t in changed]
        store.set_signals(updates)
        power.update({u.twin: float(u.value) for u in updates})  # type: ignore[arg-type]
        if step == 3:  # the hierarchy changes: a new twin, a new edge, an edge removed
            store.create_twin(TwinSpec("r/new", AREA), principal=WHO)
            store.add_edges([Edge(twins[0], CONTAINS, "r/new")], principal=WHO)
            children[twins[0]].add("r/new")
            children["r/new"] = set()
            store.set_signals([SignalUpdate("r/new", "power", 7.0, at)])
            power["r/new"] = 7.0
            removed = next(iter(sorted(children[twins[1]])))
            store.remove_edge(twins[1], CONTAINS, removed, principal=WHO)
            children[twins[1]].discard(removed)
            twins.append("r/new")
        store.recompute_rollups(changed if step % 2 else None)
        assert _totals(store, twins) == _expected(children, power), step
    hottest = store.get_signals(twins[0])["hottest"].value
    assert hottest == max(v for t, v in power.items() if t != twins[0])


def test_a_rollup_can_read_another_rollup() -> None:
    store = MemoryStore(clock=FixedClock())
    store.add_models(all_model_texts(), principal=WHO)
    store.upsert_twins([TwinSpec(t, AREA) for t in ("a", "b", "c", "d")], principal=WHO)
    store.add_edges(
        [Edge("a", CONTAINS, "b"), Edge("b", CONTAINS, "c"), Edge("c", CONTAINS, "d")],
        principal=WHO,
    )
    store.set_signals([SignalUpdate("d", "power", 5.0, START)])
    store.define_rollup(TOTAL, principal=WHO)
    # rollups run in name order: "total" before "withTotal", which reads its values
    store.define_rollup(
        RollupSpec(name="withTotal", signal="total", aggregate=Aggregate.COUNT, scope="children"),
        principal=WHO,
    )
    store.recompute_rollups()
    assert store.get_signals("a")["withTotal"].value == 1.0  # b has a total
    assert store.get_signals("b")["withTotal"].value == 1.0  # c has a total
    assert "withTotal" not in store.get_signals("c")  # d has none: nothing contributes
