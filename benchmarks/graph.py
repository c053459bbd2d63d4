"""The graph stores on a synthetic plant, each figure beside a baseline doing the same work.

    python -m benchmarks.graph [--twins 100000] [--repeat 3] [--subtree 10000]
                               [--changed 1000] [--neo4j-uri bolt://127.0.0.1:17687]
                               [--skip-neo4j]

Generates a plant (``loaders.generate_plant``: fan-out 10, 2 % of twins with a
second parent, ``feeds`` edges between machines) and prints, for the
in-process store and (unless ``--skip-neo4j``) the Neo4j store, each figure as
the min / median of ``--repeat`` runs beside its baseline, and checks every
answer against the baseline's (exit status 1 when they differ):

- load: models, ``upsert_twins`` and ``add_edges`` (validated, audited) into an
  empty store, against a plain-dict insert of the same rows (in-process: a
  floor, not the same work) or a raw ``UNWIND $rows CREATE`` of the same
  nodes, properties, aliases, audit records and edges (Neo4j; see
  ``benchmarks/_neo4j_raw.py``). Checked: the store holds what the baseline
  holds. Neo4j: each run loads into fresh namespaces; one run before the
  counted ones warms the server's plan cache and JIT and is shown apart.
- descendants of the twin whose subtree is closest to ``--subtree`` twins,
  every page of them (``MAX_PAGE`` ids a page), against a breadth-first walk
  over children lists (in-process) or one raw Cypher query collecting the
  same sorted ids (Neo4j). Warm: the index is built (in-process), the query
  ran once (Neo4j). Cold (in-process): a ``contains`` edge was removed and put
  back before each run, so the store rebuilds its index, and the baseline
  builds its children lists. Checked: the same ids, as many as the subtree has.
- a full rollup (the sum of a signal over descendants; every twin has a
  value), cold (after a ``contains`` change, so the store re-reads the
  topology; the baseline builds its ancestor sets) and warm, against a
  Python loop over ancestor sets; then an incremental rollup of the same one
  spec after ``--changed`` leaves changed, against updating the Python sums
  of their ancestors. Checked: every value (in-process), the changed leaves'
  ancestors and a sample of other targets (Neo4j).

Neo4j runs use fresh label namespaces and delete them afterwards.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from benchmarks import _neo4j_raw as raw
from benchmarks._measure import (
    DEFAULT_REPEAT,
    Runs,
    checked,
    repeated,
    row,
    same,
    same_numbers,
    timed,
)
from benchmarks._rollup_baseline import Neo4jRollup, PythonRollup
from benchmarks._shape import Shape, walk
from loaders import SyntheticPlant, generate_plant
from ontology import (
    MAX_PAGE,
    Aggregate,
    Edge,
    GraphStore,
    MemoryStore,
    Neo4jStore,
    Neo4jStoreSettings,
    RollupSpec,
    SignalUpdate,
)

WHO = "benchmark"
SIGNAL = "power"
ROLLUP = RollupSpec("power_total", SIGNAL, Aggregate.SUM)
START = datetime(2026, 1, 1, tzinfo=UTC)
NEO4J_SAMPLE = 500
"""Rollup targets read back from Neo4j besides the changed leaves' ancestors."""


# -------------------------------------------------------------- store calls


def load(store: GraphStore, plant: SyntheticPlant) -> None:
    """Models, twins and edges into ``store``; raises if anything was rejected."""
    store.add_models(plant.models, principal=WHO)
    twins = store.upsert_twins(plant.twins, principal=WHO)
    edges = store.add_edges(plant.edges, principal=WHO)
    if twins.rejected or edges.rejected:
        first = (twins.rejected or edges.rejected)[0]
        msg = f"the plant did not load: {first.key}: {first.reason}"
        raise RuntimeError(msg)


def all_descendants(store: GraphStore, root: str) -> tuple[list[str], int]:
    """Every descendant of ``root``, page after page; the ids and the number of pages."""
    found: list[str] = []
    after: str | None = None
    pages = 0
    while True:
        page = store.descendants(root, first=MAX_PAGE, after=after)
        found.extend(page.items)
        pages += 1
        if page.next_cursor is None:
            return found, pages
        after = page.next_cursor


def touch_topology(store: GraphStore, edge: Edge) -> Callable[[], None]:
    """Remove ``edge`` (a ``contains`` edge) and put it back: the store's topology is stale."""

    def touch() -> None:
        store.remove_edge(edge.source, edge.name, edge.target, principal=WHO)
        result = store.add_edges([edge], principal=WHO)
        if result.created != 1:
            msg = f"could not put back {edge}: {result}"
            raise RuntimeError(msg)

    return touch


def rollup_values(store: GraphStore, twins: Sequence[str]) -> dict[str, float]:
    """The rollup's derived value of each of ``twins`` that has one."""
    out: dict[str, float] = {}
    for twin in twins:
        held = store.get_signals(twin).get(ROLLUP.name)
        if held is not None and isinstance(held.value, int | float):
            out[twin] = float(held.value)
    return out


def rollup_parts(store: GraphStore) -> None:
    """For the Neo4j store: the last rollup split into compute, reads and write-back."""
    timing: Any = getattr(store, "last_rollup_timing", None)
    if timing is not None:
        print(
            f"    last run: compute (numpy, cached inputs) {timing.compute * 1e3:,.1f} ms, "
            f"Neo4j reads {timing.read * 1e3:,.1f} ms, "
            f"write-back of {timing.written:,} changed values {timing.write * 1e3:,.1f} ms"
        )


@dataclass(frozen=True, slots=True)
class Bench:
    plant: SyntheticPlant
    shape: Shape
    repeat: int

    @property
    def twins(self) -> int:
        return len(self.plant.twins)


# --------------------------------------------------------- reads, both stores


def bench_descendants(
    bench: Bench, store: GraphStore, baseline: Callable[[], list[str]], label: str, *, cold: bool
) -> None:
    shape = bench.shape
    found, pages = all_descendants(store, shape.root)
    same("descendants", found, baseline())
    same("descendants count", len(found), shape.root_size)
    runs, (found, _) = repeated(bench.repeat, lambda: all_descendants(store, shape.root))
    base_runs, want = repeated(bench.repeat, baseline)
    same("descendants", found, want)
    what = f"descendants, warm ({shape.root_size:,} twins, {pages} page(s))"
    row(what, runs.ms(), f"{label}, warm: {base_runs.ms()}")
    if not cold:
        return
    touch = touch_topology(store, shape_edge(bench))
    runs, (found, _) = repeated(
        bench.repeat, lambda: all_descendants(store, shape.root), before=touch
    )
    base_runs, want = repeated(bench.repeat, shape.walk_cold)
    same("descendants, cold", found, want)
    row(
        "descendants, cold (1st read after a change)",
        runs.ms(),
        f"{label} incl. building children lists: {base_runs.ms()}",
    )


def shape_edge(bench: Bench) -> Edge:
    """A ``contains`` edge to a leaf outside the measured subtree (removed and put back)."""
    inside = set(walk(bench.shape.children, bench.shape.root))
    leaves = set(bench.plant.leaves)
    for edge in reversed(bench.shape.edges):
        if edge.target in leaves and edge.target not in inside:
            return edge
    return bench.shape.edges[-1]


def bench_rollups(
    bench: Bench,
    store: GraphStore,
    baseline: PythonRollup,
    check: Callable[[Sequence[str]], Sequence[str]],
) -> None:
    """Full (cold, warm) and incremental rollups; ``check`` picks the twins read back."""
    shape = bench.shape
    store.set_signals(
        [SignalUpdate(twin, SIGNAL, value, START) for twin, value in shape.values.items()]
    )
    store.define_rollup(ROLLUP, principal=WHO)
    targets = sorted(shape.affected(shape.order))
    shown = check(targets)
    touch = touch_topology(store, shape_edge(bench))
    runs, _ = repeated(bench.repeat, store.recompute_rollups, before=touch)
    base_runs, totals = repeated(bench.repeat, lambda: baseline.cold(shape.values))
    same_numbers("full rollup, cold", rollup_values(store, shown), totals, keys=shown)
    row(
        f"full rollup, cold ({len(targets):,} targets)",
        runs.ms(),
        f"{baseline.cold_label}: {base_runs.ms()}",
    )
    rollup_parts(store)
    store_s: list[float] = []
    base_s: list[float] = []
    current = dict(shape.values)
    for run in range(1, bench.repeat + 1):  # every value changes, then a full recompute
        current = {twin: value + run for twin, value in shape.values.items()}
        at = START + timedelta(minutes=run)
        store.set_signals([SignalUpdate(t, SIGNAL, v, at) for t, v in current.items()])
        spent, _ = timed(store.recompute_rollups)
        store_s.append(spent)
        spent, totals = timed(lambda v=current: baseline.warm(v))  # type: ignore[misc]
        base_s.append(spent)
    same_numbers("full rollup, warm", rollup_values(store, shown), totals, keys=shown)
    row(
        "full rollup, warm (all values new)",
        Runs(tuple(store_s)).ms(),
        f"{baseline.warm_label}: {Runs(tuple(base_s)).ms()}",
    )
    rollup_parts(store)
    store_s, base_s = [], []
    for run in range(1, bench.repeat + 1):
        value = 1000.0 + run
        at = START + timedelta(hours=1, minutes=run)
        store.set_signals([SignalUpdate(t, SIGNAL, value, at) for t in shape.changed])
        spent, _ = timed(lambda: store.recompute_rollups(shape.changed))
        store_s.append(spent)
        deltas = {t: value - current[t] for t in shape.changed}
        current.update((t, value) for t in shape.changed)
        spent, totals = timed(lambda d=deltas: baseline.incremental(d))  # type: ignore[misc]
        base_s.append(spent)
    moved = sorted(shape.affected(shape.changed))
    shown = sorted(set(moved) | set(shown))
    same_numbers("incremental rollup", rollup_values(store, shown), totals, keys=shown)
    row(
        f"incremental rollup ({len(shape.changed):,} leaves, {len(moved):,} targets, 1 spec)",
        Runs(tuple(store_s)).ms(),
        f"{baseline.incremental_label}: {Runs(tuple(base_s)).ms()}",
    )
    rollup_parts(store)


# ---------------------------------------------------------------- in-process


Inserted = tuple[dict[str, tuple[str, dict[str, Any], tuple[Any, ...]]], dict[Any, dict[str, Any]]]


def dict_insert(plant: SyntheticPlant) -> Inserted:
    """A plain-dict insert of the same twin and edge rows."""
    twins = {s.id: (s.model, dict(s.properties), tuple(s.aliases)) for s in plant.twins}
    edges = {(e.source, e.name, e.target): dict(e.properties) for e in plant.edges}
    return twins, edges


def memory_holds(store: MemoryStore, baseline: Inserted) -> Inserted:
    """What the store holds, read through its public API, in the baseline's form."""
    twins: dict[str, tuple[str, dict[str, Any], tuple[Any, ...]]] = {}
    after: str | None = None
    while True:
        page = store.list_twins(first=MAX_PAGE, after=after)
        for t in page.items:
            twins[t.id] = (t.model, dict(t.properties), tuple(t.aliases))
        if page.next_cursor is None:
            break
        after = page.next_cursor
    edges: dict[Any, dict[str, Any]] = {}
    for source in sorted({s for s, _, _ in baseline[1]}):
        for e in store.edges_from(source):
            edges[(e.source, e.name, e.target)] = dict(e.properties)
    return twins, edges


def run_memory(bench: Bench) -> None:
    print(f"\nin-process store (MemoryStore): min / median of {bench.repeat} runs")

    def fresh_load() -> MemoryStore:
        store = MemoryStore()
        load(store, bench.plant)
        return store

    runs, store = repeated(bench.repeat, fresh_load)
    base_runs, inserted = repeated(bench.repeat, lambda: dict_insert(bench.plant))
    same("in-process load", memory_holds(store, inserted), inserted)
    row(
        f"load {bench.twins:,} twins + {len(bench.plant.edges):,} edges, cold",
        runs.rate(bench.twins),
        f"plain dict insert (a floor: no checks, audit or index): {base_runs.rate(bench.twins)}",
    )
    shape = bench.shape
    bench_descendants(
        bench, store, lambda: walk(shape.children, shape.root), "Python BFS", cold=True
    )
    bench_rollups(bench, store, PythonRollup(shape), lambda targets: targets)
    store.close()


# --------------------------------------------------------------------- Neo4j


def neo4j_load_pair(
    bench: Bench, run: raw.Namespaces, index: int
) -> tuple[float, float, Neo4jStore, str, str]:
    """One store load and one raw load into fresh namespaces, checked equal."""
    ns_store, ns_raw = run.fresh(), run.fresh()
    store = Neo4jStore(Neo4jStoreSettings(uri=run.uri, namespace=ns_store))
    raw.create_schema(run.uri, ns_raw)
    order = ["store", "raw"] if index % 2 else ["raw", "store"]
    spent: dict[str, float] = {}
    for which in order:
        if which == "store":
            spent[which], _ = timed(lambda: load(store, bench.plant))
        else:
            spent[which], _ = timed(lambda: raw.raw_load(run.driver, ns_raw, bench.plant, WHO))
    held, want = raw.contents(run.driver, ns_store), raw.contents(run.driver, ns_raw)
    raw.same_contents("Neo4j load", held, want)
    same("Neo4j load, twins", len(held.twins), bench.twins)
    return spent["store"], spent["raw"], store, ns_store, ns_raw


def run_neo4j(bench: Bench, uri: str) -> None:
    run = raw.Namespaces(uri)
    try:
        print(f"\nNeo4j store (Neo4jStore, {uri}): min / median of {bench.repeat} runs")
        first_store, first_raw, store, ns_store, ns_raw = neo4j_load_pair(bench, run, 0)
        print(
            f"  first run, not counted (warms Neo4j's plan cache and JIT for these queries): "
            f"store {bench.twins / first_store:,.0f} twins/s, raw {bench.twins / first_raw:,.0f}"
        )
        store_s: list[float] = []
        raw_s: list[float] = []
        for index in range(1, bench.repeat + 1):
            store.close()
            run.drop(ns_store)
            run.drop(ns_raw)
            spent_store, spent_raw, store, ns_store, ns_raw = neo4j_load_pair(bench, run, index)
            store_s.append(spent_store)
            raw_s.append(spent_raw)
        held = raw.contents(run.driver, ns_store)
        runs, base_runs = Runs(tuple(store_s)), Runs(tuple(raw_s))
        row(
            f"load {bench.twins:,} twins + {len(bench.plant.edges):,} edges, cold",
            runs.rate(bench.twins),
            f"raw UNWIND CREATE of the same nodes, aliases, audit and edges, no reads or "
            f"checks: {base_runs.rate(bench.twins)}",
        )
        print(
            f"    both wrote {held.summary()}; store / raw (median) = "
            f"{base_runs.median / runs.median:.0%}"
        )
        try:
            shape = bench.shape
            cold, _ = timed(lambda: all_descendants(store, shape.root))
            raw_cold, _ = timed(lambda: raw.descendants(run.driver, ns_raw, shape.root))
            print(
                f"  descendants, first call after the load: store {cold * 1e3:,.1f} ms, "
                f"raw {raw_cold * 1e3:,.1f} ms"
            )
            bench_descendants(
                bench,
                store,
                lambda: raw.descendants(run.driver, ns_raw, shape.root),
                "raw Cypher, same sorted ids in one record",
                cold=False,
            )
            baseline = Neo4jRollup(shape, run.driver, ns_raw, ROLLUP.name, START)
            bench_rollups(
                bench,
                store,
                baseline,
                lambda targets: targets[:: max(len(targets) // NEO4J_SAMPLE, 1)],
            )
        finally:
            store.close()
    finally:
        run.close()


# ---------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.graph",
        description="Load, traverse and roll up a synthetic plant in both graph stores, each "
        "figure beside a baseline doing the same work; exits 1 if an answer differs.",
    )
    parser.add_argument("--twins", type=int, default=100_000, help="twins (default 100000)")
    parser.add_argument("--neo4j-uri", default="bolt://127.0.0.1:17687", help="Bolt URI (auth off)")
    parser.add_argument("--skip-neo4j", action="store_true", help="in-process store only")
    parser.add_argument("--subtree", type=int, default=10_000, help="descendants subtree size")
    parser.add_argument("--changed", type=int, default=1_000, help="leaves changed (default 1000)")
    parser.add_argument(
        "--repeat",
        type=int,
        default=DEFAULT_REPEAT,
        help=f"runs of each figure; min and median shown (default {DEFAULT_REPEAT})",
    )
    args = parser.parse_args(argv)
    if args.twins < 10 or args.repeat < 1 or args.changed < 1:
        parser.error("--twins must be >= 10, --repeat and --changed >= 1")

    def body() -> int:
        seconds, plant = timed(lambda: generate_plant(args.twins))
        bench = Bench(plant, Shape(plant, args.subtree, args.changed), args.repeat)
        print(
            f"plant: {len(plant.twins):,} twins, {len(plant.edges):,} edges "
            f"({len(plant.multi_parent):,} twins with two parents), depth {plant.depth}; "
            f"generated in {seconds:.2f} s. Figures: min / median."
        )
        run_memory(bench)
        if not args.skip_neo4j:
            run_neo4j(bench, args.neo4j_uri)
        return 0

    return checked(body)


if __name__ == "__main__":
    sys.exit(main())
