"""Where the Neo4j store's bulk load spends its time, against the raw load of the same rows.

    python -m benchmarks.neo4j_load_profile [--twins 100000] [--repeat 3]
                                            [--neo4j-uri bolt://127.0.0.1:17687]

A diagnostic companion of ``benchmarks.graph`` (whose load row is the figure).
Prints, as min / median of ``--repeat`` runs, each into fresh namespaces:

1. the store's load split by call (``add_models``, ``upsert_twins``,
   ``add_edges``) beside the raw ``UNWIND`` load's same phases (see
   ``benchmarks/_neo4j_raw.py``), in wall seconds and in this process's CPU
   seconds (the rest is waiting for Neo4j);
2. the raw load with one piece of its work taken away at a time (audit nodes,
   alias nodes, range indexes) and with other batch sizes, to price each piece;
3. one store load under ``cProfile``: the cumulative seconds of the store's
   steps (functions of the ``ontology`` package, by name) and the time spent
   waiting on the socket.

Every load is checked: the store's namespace holds what the raw load's holds
(exit status 1 otherwise); the variants hold the same twins and edges.
Run it when the machine is quiet: it loads the plant ``2 + 6 x repeat`` times.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import neo4j

from benchmarks import _neo4j_raw as raw
from benchmarks._measure import DEFAULT_REPEAT, Runs, checked, same, timed
from loaders import SyntheticPlant, generate_plant
from ontology import Neo4jStore, Neo4jStoreSettings

WHO = "benchmark"
PHASES = ("models", "twins", "edges")
SHOWN = 22
"""Store functions listed from the profile."""


@dataclass
class Phases:
    """Wall and CPU seconds per phase over several runs."""

    wall: dict[str, list[float]]
    cpu: dict[str, list[float]]

    @classmethod
    def empty(cls) -> Phases:
        return cls({p: [] for p in (*PHASES, "total")}, {p: [] for p in (*PHASES, "total")})

    def add(self, wall: dict[str, float], cpu: dict[str, float]) -> None:
        for phase in PHASES:
            self.wall[phase].append(wall[phase])
            self.cpu[phase].append(cpu[phase])
        self.wall["total"].append(sum(wall.values()))
        self.cpu["total"].append(sum(cpu.values()))

    def cell(self, phase: str) -> str:
        wall, cpu = Runs(tuple(self.wall[phase])), Runs(tuple(self.cpu[phase]))
        return f"{wall.best:7.2f} / {wall.median:7.2f} s (CPU {cpu.median:6.2f})"


def store_load(
    uri: str, ns: str, plant: SyntheticPlant
) -> tuple[dict[str, float], dict[str, float]]:
    """The store's load of ``plant`` into namespace ``ns``: wall and CPU seconds per call."""
    store = Neo4jStore(Neo4jStoreSettings(uri=uri, namespace=ns))
    calls: dict[str, Callable[[], object]] = {
        "models": lambda: store.add_models(plant.models, principal=WHO),
        "twins": lambda: store.upsert_twins(plant.twins, principal=WHO),
        "edges": lambda: store.add_edges(plant.edges, principal=WHO),
    }
    wall: dict[str, float] = {}
    cpu: dict[str, float] = {}
    try:
        for phase, call in calls.items():
            started = time.process_time()
            wall[phase], _ = timed(call)
            cpu[phase] = time.process_time() - started
    finally:
        store.close()
    return wall, cpu


def raw_phases(
    driver: neo4j.Driver, ns: str, plant: SyntheticPlant, options: raw.RawOptions
) -> tuple[dict[str, float], float]:
    """The raw load's wall seconds per phase, and its CPU seconds in all."""
    started = time.process_time()
    wall = raw.raw_load(driver, ns, plant, WHO, options)
    return wall, time.process_time() - started


def split(plant: SyntheticPlant, spaces: raw.Namespaces, repeat: int) -> raw.Contents:
    """Part 1; returns what the store wrote (for the variants' checks)."""
    mine, base = Phases.empty(), Phases.empty()
    reference: raw.Contents | None = None
    for run in range(repeat + 1):
        ns_store, ns_raw = spaces.fresh(), spaces.fresh()
        raw.create_schema(spaces.uri, ns_raw)
        wall, cpu = store_load(spaces.uri, ns_store, plant)
        raw_wall, raw_cpu = raw_phases(spaces.driver, ns_raw, plant, raw.RawOptions())
        held = raw.contents(spaces.driver, ns_store)
        raw.same_contents("store load against raw load", held, raw.contents(spaces.driver, ns_raw))
        reference = held
        if run:  # the first pair warms Neo4j's plan cache: not counted
            mine.add(wall, cpu)
            share = {p: raw_cpu * raw_wall[p] / sum(raw_wall.values()) for p in PHASES}
            base.add(raw_wall, share)
        spaces.drop(ns_store)
        spaces.drop(ns_raw)
    assert reference is not None
    print(f"1. by call, min / median wall of {repeat} runs (median CPU of this process)")
    print(f"   {'':8} {'store':>40} {'raw UNWIND, same writes':>40}")
    for phase in (*PHASES, "total"):
        print(f"   {phase:8} {mine.cell(phase):>40} {base.cell(phase):>40}")
    print("   (raw CPU per phase is its total CPU shared out by wall time)")
    return reference


def variants(
    plant: SyntheticPlant, spaces: raw.Namespaces, repeat: int, reference: raw.Contents
) -> None:
    n = len(plant.twins)
    cases: list[tuple[str, raw.RawOptions, bool]] = [
        ("same writes as the store (the baseline)", raw.RawOptions(), True),
        ("without audit nodes", raw.RawOptions(audit=False), True),
        ("without alias nodes", raw.RawOptions(aliases=False), True),
        ("without range indexes (constraints kept)", raw.RawOptions(), False),
        ("batches of 2,000 rows", raw.RawOptions(batch=2_000), True),
        ("batches of 5,000 rows", raw.RawOptions(batch=5_000), True),
    ]
    print(f"2. the raw load with one piece of work taken away, min / median of {repeat} runs")
    for label, options, indexes in cases:
        seconds: list[float] = []
        for _ in range(repeat):
            ns = spaces.fresh()
            raw.create_schema(spaces.uri, ns)
            if not indexes:
                raw.drop_indexes(spaces.driver, ns)
            spent, _ = timed(lambda o=options, s=ns: raw.raw_load(spaces.driver, s, plant, WHO, o))  # type: ignore[misc]
            seconds.append(spent)
            held = raw.contents(spaces.driver, ns)
            same(f"raw load {label}: twins", held.twins, reference.twins)
            same(f"raw load {label}: edges", held.edges, reference.edges)
            spaces.drop(ns)
        runs = Runs(tuple(seconds))
        print(f"   {label:<44} {runs.rate(n):>28}   {runs.best:6.2f} / {runs.median:6.2f} s")


def profile(plant: SyntheticPlant, spaces: raw.Namespaces) -> None:
    ns = spaces.fresh()
    profiler = cProfile.Profile()
    spent, _ = timed(lambda: profiler.runcall(store_load, spaces.uri, ns, plant))
    spaces.drop(ns)
    stats = pstats.Stats(profiler)
    table: dict[tuple[str, int, str], tuple[int, int, float, float, object]]
    table = stats.stats  # type: ignore[attr-defined]
    rows = []
    waiting = 0.0
    for (path, _line, name), (_cc, calls, own, cumulative, _callers) in table.items():
        if "recv_into" in name or name == "<method 'recv' of '_socket.socket' objects>":
            waiting += own
        if "/ontology/" in path:
            module = path.rsplit("/ontology/", 1)[1].removesuffix(".py").replace("/", ".")
            rows.append((cumulative, calls, f"{module}.{name}"))
    rows.sort(reverse=True)
    print(f"3. one store load under cProfile: {spent:.2f} s wall (profiling slows Python)")
    print(f"   waiting on the socket for Neo4j: {waiting:.2f} s")
    print("   cumulative seconds of the store's steps (includes what they call):")
    for cumulative, calls, name in rows[:SHOWN]:
        print(f"   {cumulative:8.2f} s {calls:>9,} calls  {name}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.neo4j_load_profile",
        description="Split the Neo4j store's bulk load by call and by step, beside the raw "
        "UNWIND load of the same rows and its variants; exits 1 if the loads differ.",
    )
    parser.add_argument("--twins", type=int, default=100_000, help="twins (default 100000)")
    parser.add_argument("--neo4j-uri", default="bolt://127.0.0.1:17687", help="Bolt URI (auth off)")
    parser.add_argument(
        "--repeat",
        type=int,
        default=DEFAULT_REPEAT,
        help=f"runs of each figure; min and median shown (default {DEFAULT_REPEAT})",
    )
    parser.add_argument("--skip-variants", action="store_true", help="parts 1 and 3 only")
    args = parser.parse_args(argv)
    if args.twins < 10 or args.repeat < 1:
        parser.error("--twins must be >= 10 and --repeat >= 1")

    def body() -> int:
        plant = generate_plant(args.twins)
        print(
            f"plant: {len(plant.twins):,} twins, {len(plant.edges):,} edges; Neo4j "
            f"{args.neo4j_uri}; a first store + raw pair warms the plan cache and is not counted"
        )
        spaces = raw.Namespaces(args.neo4j_uri, "prof")
        try:
            reference = split(plant, spaces, args.repeat)
            if not args.skip_variants:
                variants(plant, spaces, args.repeat, reference)
            profile(plant, spaces)
        finally:
            spaces.close()
        return 0

    return checked(body)


if __name__ == "__main__":
    sys.exit(main())
