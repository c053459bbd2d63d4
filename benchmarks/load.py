"""Loading a plant from a file: the ``twinweave load`` command, and ``load_paths`` in-process.

    python -m benchmarks.load [--twins 100000] [--repeat 3] [--batch-size 5000]

Generates a plant (``loaders.generate_plant``), writes it as an ADT import
NDJSON file (``loaders.write_adt_ndjson``) and prints, each as the min /
median wall time of ``--repeat`` runs beside its baseline:

- ``twinweave load --quiet <file>`` as a user runs it: the installed command in
  a subprocess, into the embedded store of an empty ``TWINWEAVE_DATA_DIR``, so
  the figure includes starting Python, reading and checking the file and
  writing the snapshot. Baseline: the store alone in this process, the same
  plant by ``add_models`` / ``upsert_twins`` / ``add_edges`` in batches of the
  same size into an empty store with a snapshot path, then ``close`` (which
  writes the snapshot): the same store work and snapshot, without the file,
  its checks or the interpreter's start. The start alone
  (``twinweave --version``) is printed too.
- ``load_paths`` of the file into an empty store (in-process, no snapshot)
  against the store alone (the same batches, no snapshot); then ``load_paths``
  of the unchanged file again (everything unchanged) against the same batches
  again. The phases of a first load are printed in CPU seconds.

Checked: the command exits 0 and its snapshot holds the plant's twins and
edges, as does the baseline's (read back through the public API); every
``load_paths`` report counts the plant. Any difference exits with status 1.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

from benchmarks._measure import DEFAULT_REPEAT, checked, repeated, row, same, timed
from benchmarks.graph import dict_insert, memory_holds
from loaders import (
    LoadLimits,
    LoadReport,
    SyntheticPlant,
    generate_plant,
    load_paths,
    write_adt_ndjson,
)
from ontology import Edge, GraphStore, MemoryStore, TwinSpec

T = TypeVar("T")
WHO = "benchmark"
SNAPSHOT = "graph.snapshot"
"""The file the embedded store keeps in ``TWINWEAVE_DATA_DIR``."""


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


def twinweave_command() -> list[str]:
    """The installed ``twinweave`` command beside this interpreter, else ``python -m``."""
    script = Path(sys.executable).with_name("twinweave")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "twinweave"]


class Command:
    """``twinweave load`` runs, each into a new data folder under ``root``."""

    def __init__(self, root: Path, path: Path, batch_size: int, plant: SyntheticPlant) -> None:
        self.root = root
        self.path = path
        self.batch_size = batch_size
        self.plant = plant
        self.runs = 0

    def run(self) -> Path:
        """One run; the data folder it wrote. Checks the exit status and the report's counts."""
        self.runs += 1
        data = self.root / f"cli-{self.runs}"
        env = {
            **os.environ,
            "TWINWEAVE_DATA_DIR": str(data),
            "TWINWEAVE_GRAPH_STORE": "memory",
        }
        argv = [*twinweave_command(), "load", "--quiet", "--report", "json"]
        argv += ["--batch-size", str(self.batch_size), str(self.path)]
        done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            msg = f"{' '.join(argv)} exited {done.returncode}: {done.stderr.strip()[:500]}"
            raise SystemExit(msg)
        report = json.loads(done.stdout)
        counted = (report["twins"]["created"], report["edges"]["created"])
        same("twinweave load: the report", counted, (len(self.plant.twins), len(self.plant.edges)))
        return data


def run_command(plant: SyntheticPlant, path: Path, folder: Path, batch: int, repeat: int) -> None:
    n = len(plant.twins)
    command = Command(folder, path, batch, plant)
    runs, data = repeated(repeat, command.run)
    snapshots = [folder / f"base-{k}" / SNAPSHOT for k in range(repeat)]
    pending = iter(snapshots)

    def baseline() -> Path:
        snapshot = next(pending)
        snapshot.parent.mkdir(parents=True)
        store = MemoryStore(snapshot=snapshot)
        store_load(store, plant, batch, models=True)
        store.close()
        return snapshot

    base_runs, snapshot = repeated(repeat, baseline)
    start_runs, _ = repeated(
        repeat,
        lambda: subprocess.run(
            [*twinweave_command(), "--version"], check=True, capture_output=True
        ),
    )
    inserted = dict_insert(plant)
    for which, file in (("twinweave load", data / SNAPSHOT), ("store bulk load", snapshot)):
        reopened = MemoryStore(snapshot=file)
        same(f"{which}: the snapshot holds the plant", memory_holds(reopened, inserted), inserted)
    print(f"twinweave load (a subprocess, cold), min / median of {repeat} runs:")
    row(
        f"twinweave load of {n:,} twins, snapshot written",
        f"{runs.ms()} = {runs.rate(n)}",
        f"store bulk load + snapshot write, in-process: {base_runs.ms()} = {base_runs.rate(n)}",
        width=40,
    )
    print(f"    twinweave --version alone (interpreter and CLI start): {start_runs.ms()}")


def run_in_process(plant: SyntheticPlant, path: Path, batch: int, repeat: int) -> None:
    limits = LoadLimits(batch_size=batch)
    n = len(plant.twins)

    def base_first() -> MemoryStore:
        store = MemoryStore()
        store_load(store, plant, batch, models=True)
        return store

    def first() -> tuple[MemoryStore, LoadReport]:
        store = MemoryStore()
        return store, file_load(path, store, limits)

    runs, (store, report) = repeated(repeat, first)
    base_runs, base_store = repeated(repeat, base_first)
    same("load_paths, first load: twins created", report.twins.created, n)
    same("load_paths, first load: edges created", report.edges.created, len(plant.edges))
    inserted = dict_insert(plant)
    same("store bulk load", memory_holds(base_store, inserted), inserted)
    print(f"load_paths in-process (MemoryStore, no snapshot), min / median of {repeat} runs:")
    row(
        "load_paths, first load (cold)",
        runs.rate(n),
        f"store bulk load, same batches: {base_runs.rate(n)}",
        width=40,
    )
    again_runs, again = repeated(repeat, lambda: file_load(path, store, limits))
    base_again, _ = repeated(repeat, lambda: store_load(base_store, plant, batch, models=False))
    same("load_paths, second load: twins unchanged", again.twins.unchanged, n)
    same("load_paths, second load: edges created", again.edges.created, 0)
    row(
        "load_paths, second load (unchanged)",
        again_runs.rate(n),
        f"store bulk load again: {base_again.rate(n)}",
        width=40,
    )
    clock = PhaseClock()
    file_load(path, MemoryStore(), limits, clock)
    shown = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in clock.finish().items())
    print(f"    phases of a first load (CPU): {shown}")
    floor, _ = timed(
        lambda: [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line]
    )
    print(f"    json.loads of every line of the file (reading's floor): {floor:.2f} s")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.load",
        description=(
            "Time `twinweave load` of a synthetic plant's NDJSON file (a subprocess, snapshot "
            "included) and load_paths in-process, each beside the store's own bulk load of the "
            "same plant; exits 1 if an answer differs."
        ),
    )
    parser.add_argument("--twins", type=int, default=100_000, help="twins (default 100000)")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=LoadLimits().batch_size,
        help=f"twins or edges per store call, for both (default {LoadLimits().batch_size})",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=DEFAULT_REPEAT,
        help=f"runs of each figure; min and median shown (default {DEFAULT_REPEAT})",
    )
    parser.add_argument("--seed", type=int, default=0, help="plant seed (default 0)")
    args = parser.parse_args(argv)
    if args.twins < 10 or args.batch_size < 1 or args.repeat < 1:
        parser.error("--twins must be >= 10, --batch-size and --repeat >= 1")

    def body() -> int:
        seconds, plant = timed(lambda: generate_plant(args.twins, seed=args.seed))
        with tempfile.TemporaryDirectory(prefix="twinweave-load-bench-") as folder:
            path = Path(folder) / "plant.ndjson"
            write_adt_ndjson(path, models=plant.models, twins=plant.twins, edges=plant.edges)
            print(
                f"plant: {len(plant.twins):,} twins, {len(plant.edges):,} edges, "
                f"{len(plant.models)} models; generated in {seconds:.2f} s; "
                f"file {path.stat().st_size / 2**20:,.1f} MiB. Figures: min / median wall time."
            )
            run_command(plant, path, Path(folder), args.batch_size, args.repeat)
            run_in_process(plant, path, args.batch_size, args.repeat)
        return 0

    return checked(body)


if __name__ == "__main__":
    sys.exit(main())
