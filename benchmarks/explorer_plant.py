"""A plant server for the explorer's browser tests and benchmark: the sample plant, live.

``python -m benchmarks.explorer_plant --port N`` serves the same application as
``twinweave demo`` (``server.create_app`` on an in-process store loaded with the sample
plant) and, in a thread, simulates the machines' signals through the store's public
``set_signals``: ``mode``, ``temperature``, ``power``, ``goodCount`` and ``--signals``
extra ones on one machine, every ``--tick`` seconds, with a ``powerTotal`` rollup. The
page under test sees them only through the public GraphQL API.

While a file ``pause-<twin id with / as _>`` exists in ``--control``, that twin's feed
is paused (its values age and turn stale). ``--wide N`` adds a level of N machines under
one area, for paging. Until the ingest simulator lands, this stands in for it.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import ontology
from loaders import load_paths, sample_plant_paths

PRINCIPAL = "explorer-plant"
MACHINE = "dtmi:twinweave:sample:Machine;1"
LINE = "dtmi:twinweave:sample:ProductionLine;1"
WIDE_AREA = "acme/jkt1/packaging"
WIDE_PARENT = "acme/jkt1/packaging/wide"
MODES = ("RUNNING", "RUNNING", "RUNNING", "IDLE", "FAULT", "STOP")
MAX_WIDE = 100_000
MAX_SIGNALS = 1_000


def build_store(*, wide: int) -> ontology.MemoryStore:
    """The sample plant, a ``powerTotal`` rollup, and ``wide`` extra machines under one area."""
    store = ontology.MemoryStore()
    load_paths(sample_plant_paths(), store, principal=PRINCIPAL)
    store.define_rollup(
        ontology.RollupSpec(name="powerTotal", signal="power", aggregate=ontology.Aggregate.SUM),
        principal=PRINCIPAL,
    )
    if wide:
        ids = [f"{WIDE_PARENT}/m{i:06d}" for i in range(wide)]
        specs = [ontology.TwinSpec(id=WIDE_PARENT, model=LINE, properties={"name": "Wide line"})]
        specs += [
            ontology.TwinSpec(id=i, model=MACHINE, properties={"machineType": "Wide"}) for i in ids
        ]
        edges = [ontology.Edge(source=WIDE_AREA, name=ontology.CONTAINS, target=WIDE_PARENT)]
        edges += [ontology.Edge(source=WIDE_PARENT, name=ontology.CONTAINS, target=i) for i in ids]
        results = [
            store.upsert_twins(specs, principal=PRINCIPAL),
            store.add_edges(edges, principal=PRINCIPAL),
        ]
        rejected = [r for result in results for r in result.rejected]
        if rejected:
            msg = f"the wide level did not load: {rejected[0]}"
            raise RuntimeError(msg)
    return store


def machines(store: ontology.GraphStore) -> list[str]:
    """The sample plant's machines (not the wide level's)."""
    page = store.list_twins(model=MACHINE, first=ontology.MAX_PAGE)
    found = [t.id for t in page.items if not t.id.startswith(WIDE_PARENT)]
    while page.next_cursor is not None:
        page = store.list_twins(model=MACHINE, first=ontology.MAX_PAGE, after=page.next_cursor)
        found.extend(t.id for t in page.items if not t.id.startswith(WIDE_PARENT))
    return sorted(found)


class Simulator:
    """Writes signal values for ``twins`` every ``tick`` seconds until stopped."""

    def __init__(
        self,
        store: ontology.GraphStore,
        twins: list[str],
        *,
        tick: float,
        control: Path | None,
        extra_signals: int,
    ) -> None:
        self.store = store
        self.twins = twins
        self.tick = tick
        self.control = control
        self.extra_signals = extra_signals
        self.stop = threading.Event()
        self.random = random.Random(7)
        self.count = 0

    def paused(self, twin: str) -> bool:
        if self.control is None:
            return False
        return (self.control / f"pause-{twin.replace('/', '_')}").exists()

    def step(self) -> None:
        now = datetime.now(UTC)
        self.count += 1
        batch = f"sim-{self.count:08d}"
        updates: list[ontology.SignalUpdate] = []
        for index, twin in enumerate(self.twins):
            if self.paused(twin):
                continue
            phase = self.count / 10 + index
            values: dict[str, ontology.JsonValue] = {
                "mode": MODES[(index + self.count // 50) % len(MODES)],
                "temperature": round(40 + 5 * math.sin(phase) + self.random.random(), 3),
                "power": round(5 + 2 * math.cos(phase) + self.random.random(), 3),
                "goodCount": self.count * (index + 1),
            }
            if index == 0:
                for extra in range(self.extra_signals):
                    values[f"s{extra:02d}"] = round(self.random.random() * 100, 3)
            updates.extend(
                ontology.SignalUpdate(twin=twin, signal=name, value=value, time=now, batch=batch)
                for name, value in values.items()
            )
        if updates:
            self.store.set_signals(updates)
            self.store.recompute_rollups()

    def run(self) -> None:
        while not self.stop.is_set():
            self.step()
            self.stop.wait(self.tick)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--tick", type=float, default=0.5, help="seconds between updates")
    parser.add_argument("--control", type=Path, help="folder of pause-<twin> files")
    parser.add_argument("--wide", type=int, default=0, help=f"extra machines (<= {MAX_WIDE})")
    parser.add_argument("--signals", type=int, default=0, help="extra signals on one machine")
    args = parser.parse_args(argv)
    if not 0 <= args.wide <= MAX_WIDE or not 0 <= args.signals <= MAX_SIGNALS:
        parser.error(f"--wide must be 0..{MAX_WIDE} and --signals 0..{MAX_SIGNALS}")
    if not 0.05 <= args.tick <= 60:
        parser.error(f"--tick {args.tick}: expected 0.05 to 60 seconds")

    import uvicorn

    from server import ServerSettings, create_app

    store = build_store(wide=args.wide)
    simulator = Simulator(
        store, machines(store), tick=args.tick, control=args.control, extra_signals=args.signals
    )
    simulator.step()
    thread = threading.Thread(target=simulator.run, name="simulator", daemon=True)
    thread.start()
    app = create_app(ServerSettings(version="explorer-plant", graph_store="memory"), store=store)
    print(f"explorer plant at http://127.0.0.1:{args.port}/", file=sys.stderr, flush=True)
    try:
        uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")
    finally:
        simulator.stop.set()
        thread.join(timeout=5)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
