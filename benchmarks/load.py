"""Loading a synthetic plant from a file, beside the store's own bulk load of the same plant.

    python -m benchmarks.load [--twins 100000] [--batch-size 5000]

Generates a plant (``loaders.generate_plant``), writes it as an ADT import
NDJSON file (``loaders.write_adt_ndjson``) and prints, for the in-process
store:

- ``load_paths`` of that file into an empty store (read, models, identity
  harmonisation, row checks, batched writes) in twins per second, against
  the baseline of the store alone: ``add_models``, ``upsert_twins`` and
  ``add_edges`` of the same plant, in batches of the same size, into
  another empty store;
- the second ``load_paths`` of the unchanged file into the same store
  (everything unchanged), against a second ``upsert_twins`` + ``add_edges``
  of the same plant;
- where each load spent its time, per phase of the load (``reading``
  includes parsing every line of the file; ``json.loads`` of every line is
  printed as its floor; ``rows`` includes building the twin specs).

Target (2 vCPU): the file load within a small factor (about 5x) of the
store's own bulk load. Every figure is CPU time of this process (the
machine is shared, wall time is noisier); wall time is printed too.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from loaders import (
    LoadLimits,
    LoadReport,
    SyntheticPlant,
    generate_plant,
    load_paths,
    write_adt_ndjson,
)
from ontology import Edge, GraphStore, MemoryStore, TwinSpec

R = TypeVar("R")
T = TypeVar("T")
WHO = "benchmark"


class Timing:
    """CPU and wall seconds of one piece of work."""

    def __init__(self, cpu: float, wall: float) -> None:
        self.cpu = cpu
        self.wall = wall

    def rate(self, items: int) -> str:
        return f"{items / self.cpu:,.0f} twins/s" if self.cpu > 0 else "n/a"

    def __str__(self) -> str:
        return f"{self.cpu:.2f} s CPU ({self.wall:.2f} s wall)"


def timed(work: Callable[[], R]) -> tuple[Timing, R]:
    cpu, wall = time.process_time(), time.perf_counter()
    out = work()
    return Timing(time.process_time() - cpu, time.perf_counter() - wall), out


class PhaseClock:
    """The loader's ``Progress``: CPU seconds per phase of a load."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}
        self._name: str | None = None
        self._since = time.process_time()

    def phase(self, name: str, total: int) -> None:
        self._close()
        self._name = name

    def advance(self, done: int) -> None:
        return None

    def _close(self) -> None:
        now = time.process_time()
        if self._name is not None:
            self.spent[self._name] = self.spent.get(self._name, 0.0) + now - self._since
        self._since = now

    def finish(self) -> dict[str, float]:
        self._close()
        self._name = None
        return self.spent


def _batches(items: Sequence[T], size: int) -> list[Sequence[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def store_load(store: GraphStore, plant: SyntheticPlant, batch_size: int, models: bool) -> None:
    """The baseline: the plant straight into the store, in batches like the loader's."""
    if models:
        store.add_models(plant.models, principal=WHO)
    twin_batches: list[Sequence[TwinSpec]] = _batches(plant.twins, batch_size)
    edge_batches: list[Sequence[Edge]] = _batches(plant.edges, batch_size)
    for twins in twin_batches:
        result = store.upsert_twins(twins, principal=WHO)
        if result.rejected:
            msg = f"the store refused twins of the plant: {result.rejected[0]}"
            raise SystemExit(msg)
    for edges in edge_batches:
        result = store.add_edges(edges, principal=WHO)
        if result.rejected:
            msg = f"the store refused edges of the plant: {result.rejected[0]}"
            raise SystemExit(msg)


def file_load(
    path: Path, store: GraphStore, limits: LoadLimits, clock: PhaseClock | None = None
) -> LoadReport:
    report = load_paths([path], store, principal=WHO, limits=limits, progress=clock)
    if not report.ok:
        msg = f"the load rejected rows:\n{report.as_text()}"
        raise SystemExit(msg)
    return report


def parse_floor(path: Path) -> None:
    """Every line of the file through ``json.loads``: what reading cannot go below."""
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line:
            json.loads(line)


def row(label: str, figure: str, baseline: str) -> None:
    print(f"  {label:<34} {figure:>34}   baseline {baseline}")


def run(plant: SyntheticPlant, path: Path, batch_size: int) -> None:
    limits = LoadLimits(batch_size=batch_size)
    n = len(plant.twins)
    base_store = MemoryStore()
    base1, _ = timed(lambda: store_load(base_store, plant, batch_size, models=True))
    base2, _ = timed(lambda: store_load(base_store, plant, batch_size, models=False))
    store = MemoryStore()
    clock = PhaseClock()
    first, report = timed(lambda: file_load(path, store, limits, clock))
    phases = clock.finish()
    clock2 = PhaseClock()
    second, again = timed(lambda: file_load(path, store, limits, clock2))
    phases2 = clock2.finish()
    floor, _ = timed(lambda: parse_floor(path))
    if report.twins.created != n or again.twins.unchanged != n or again.edges.created:
        msg = f"unexpected counts: first {report.twins}, second {again.twins} {again.edges}"
        raise SystemExit(msg)

    print("in-process store (MemoryStore):")
    row(
        "load_paths, first load",
        f"{first.rate(n)}, {first}",
        f"{base1.rate(n)}, {base1} (store bulk load, same plant)",
    )
    row(
        "load_paths, second load (unchanged)",
        f"{second.rate(n)}, {second}",
        f"{base2.rate(n)}, {base2} (store bulk load again)",
    )
    print(f"  first load is {first.cpu / base1.cpu:.1f}x the store's bulk load (CPU)")
    for which, spent in (("first", phases), ("second", phases2)):
        shown = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in spent.items())
        print(f"  {which} load by phase (CPU): {shown}")
    print(f"  json.loads of every line of the file: {floor} (reading's floor)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.load",
        description=(
            "Load a synthetic plant from an ADT import NDJSON file with load_paths and "
            "compare with the store's own bulk load of the same plant."
        ),
    )
    parser.add_argument("--twins", type=int, default=100_000, help="twins (default 100000)")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=LoadLimits().batch_size,
        help=f"twins or edges per store call, for both (default {LoadLimits().batch_size})",
    )
    parser.add_argument("--seed", type=int, default=0, help="plant seed (default 0)")
    args = parser.parse_args(argv)
    if args.twins < 10 or args.batch_size < 1:
        parser.error("--twins must be >= 10 and --batch-size >= 1")

    seconds, plant = timed(lambda: generate_plant(args.twins, seed=args.seed))
    with tempfile.TemporaryDirectory(prefix="twinweave-load-bench-") as folder:
        path = Path(folder) / "plant.ndjson"
        write_adt_ndjson(path, models=plant.models, twins=plant.twins, edges=plant.edges)
        size = path.stat().st_size
        print(
            f"plant: {len(plant.twins):,} twins, {len(plant.edges):,} edges, "
            f"{len(plant.models)} models; generated in {seconds.wall:.2f} s; "
            f"file {size / 2**20:,.1f} MiB"
        )
        run(plant, path, args.batch_size)
    return 0


if __name__ == "__main__":
    sys.exit(main())
