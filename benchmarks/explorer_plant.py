"""A plant server for the explorer's browser tests and benchmark: the sample plant, live.

``python -m benchmarks.explorer_plant --port N`` serves the same application as
``twinweave demo`` (``server.create_app`` on an in-process graph store loaded with the
sample plant and an in-memory DuckDB history store) and, in a thread, simulates the
machines' signals through the stores' public writes: ``mode``, ``temperature``,
``power``, ``goodCount`` and ``--signals`` extra ones on one machine, every ``--tick``
seconds, as live values (``set_signals``, with a ``powerTotal`` rollup) and as history
batches with their lineage and mode/fault events (``write_batch``), each published on
an in-process change feed for the GraphQL subscriptions. ``--backfill-hours``
writes past samples first (every ``--backfill-step`` seconds; ``--backfill-twins`` of
them). The page under test sees all of it only through the public GraphQL API.

The machines come through two simulated feeds, ``sim:machining`` and ``sim:packaging`` (by
area), whose health the ingest worker's own ``FeedHealth`` reports as the feed twins
``feed/sim:machining`` and ``feed/sim:packaging`` every ``--health-interval`` seconds, with
a ``--feed-freshness`` limit; each feed refuses a sample now and then (reasons ``range``
and ``unknown-twin``, recorded as history rejects). While a file ``pause-<twin id with / as
_>`` exists in ``--control``, that twin is paused (its values age and turn stale); a feed
twin's file (``pause-feed_sim:machining``) pauses the whole feed, which then goes silent.
``--wide N`` adds a level of N machines under one area, for paging; ``--bare`` serves
without history and subscriptions. ``twinweave demo`` runs the real ingest simulator, but
has neither a pause switch nor a wide level.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

import ontology
from ingest.worker import BatchOutcome, FeedHealth, feed_twin_id
from loaders import load_paths, sample_plant_paths
from ontology.changefeed import ChangeFeed, SignalChange
from ontology.changefeed.memory import MemoryChangeFeed
from ontology.history import (
    TIME_DTYPE,
    Batch,
    DuckDBHistorySettings,
    Event,
    HistoryStore,
    Reject,
    Samples,
    SourceKind,
    SourcePosition,
    open_history_store,
)

PRINCIPAL = "explorer-plant"
MACHINE = "dtmi:twinweave:sample:Machine;1"
LINE = "dtmi:twinweave:sample:ProductionLine;1"
WIDE_AREA = "acme/jkt1/packaging"
WIDE_PARENT = "acme/jkt1/packaging/wide"
MODES = ("RUNNING", "RUNNING", "RUNNING", "IDLE", "FAULT", "STOP")
MAX_WIDE = 100_000
MAX_SIGNALS = 1_000
MAX_BACKFILL_SAMPLES = 20_000_000
PIPELINE = "explorer-plant 1"
TOPIC = "explorer-plant"
FEEDS = ("sim:machining", "sim:packaging")
REJECT_EVERY = {"sim:machining": (5, "range"), "sim:packaging": (7, "unknown-twin")}
"""Each feed refuses one sample every N ticks, for this reason."""
Value = float | str


def columns(rows: list[tuple[str, str, datetime, Value]]) -> Samples:
    """History columns from (twin, signal, time, value) rows; strings go to ``text``."""
    text = [v if isinstance(v, str) else None for *_, v in rows]
    return Samples(
        twin=np.array([r[0] for r in rows], dtype=object),
        signal=np.array([r[1] for r in rows], dtype=object),
        time=np.array([r[2].replace(tzinfo=None) for r in rows], dtype=TIME_DTYPE),
        value=np.array([np.nan if isinstance(v, str) else v for *_, v in rows], dtype=np.float64),
        text=np.array(text, dtype=object) if any(t is not None for t in text) else None,
    )


def batch_record(
    batch_id: str, now: datetime, count: int, note: str, rejected: Mapping[str, int] | None = None
) -> Batch:
    """``count`` samples accepted, and ``rejected`` ones by reason."""
    refused = dict(rejected or {})
    return Batch(
        id=batch_id,
        sources=(SourcePosition(kind=SourceKind.SIMULATOR, topic=TOPIC, path=note),),
        received_at=now,
        pipeline_version=PIPELINE,
        model_versions=(MACHINE,),
        principal=PRINCIPAL,
        count_in=count + sum(refused.values()),
        accepted=count,
        rejected=refused,
    )


def backfill(
    history: HistoryStore, twins: list[str], *, hours: float, step: float, now: datetime
) -> int:
    """Past ``temperature`` and ``power`` of ``twins`` every ``step`` seconds; one batch a twin."""
    n = int(hours * 3600 / step)
    if n * len(twins) * 2 > MAX_BACKFILL_SAMPLES:
        msg = f"backfill: {n * len(twins) * 2} samples; the limit is {MAX_BACKFILL_SAMPLES}"
        raise ValueError(msg)
    end = np.datetime64(now.replace(tzinfo=None), "us")
    times = end - (np.arange(n, 0, -1) * int(step * 1e6)).astype("timedelta64[us]")
    for index, twin in enumerate(twins):
        phase = np.arange(n) / 600 + index
        temperature = 40 + 5 * np.sin(phase)
        power = 5 + 2 * np.cos(phase)
        samples = Samples(
            twin=np.full(2 * n, twin, dtype=object),
            signal=np.array(["temperature"] * n + ["power"] * n, dtype=object),
            time=np.concatenate([times, times]),
            value=np.concatenate([temperature, power]),
        )
        batch = batch_record(f"backfill-{index:04d}", now, 2 * n, "backfill")
        faults = [
            Event(
                twin=twin,
                time=now - timedelta(hours=h),
                kind="fault",
                code="F-OVERTEMP",
                message="temperature over limit",
                batch=batch.id,
            )
            for h in (hours * 0.25, hours * 0.75)
        ]
        history.write_batch(batch, samples, faults)
    return n


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
        history: HistoryStore,
        feed: ChangeFeed,
        twins: list[str],
        *,
        tick: float,
        control: Path | None,
        extra_signals: int,
        mode_every: int = 50,
        feed_freshness: float = 5.0,
        health_interval: float = 1.0,
    ) -> None:
        self.store = store
        self.history = history
        self.feed = feed
        self.twins = twins
        self.modes: dict[str, str] = {}
        self.tick = tick
        self.control = control
        self.extra_signals = extra_signals
        self.mode_every = mode_every
        self.stop = threading.Event()
        self.random = random.Random(7)
        self.count = 0
        self.health = {
            name: FeedHealth(store, name, freshness_s=feed_freshness, principal=PRINCIPAL)
            for name in FEEDS
        }
        for health in self.health.values():
            health.ensure_twin()
        self.health_interval = health_interval
        self.reported = 0.0

    @staticmethod
    def feed_of(twin: str) -> str:
        return "sim:packaging" if "/packaging/" in twin else "sim:machining"

    def _pause_file(self, twin: str) -> bool:
        return (
            self.control is not None and (self.control / f"pause-{twin.replace('/', '_')}").exists()
        )

    def paused(self, twin: str) -> bool:
        return self._pause_file(twin) or self._pause_file(feed_twin_id(self.feed_of(twin)))

    def step(self) -> None:
        now = datetime.now(UTC)
        self.count += 1
        batch = f"sim-{self.count:08d}"
        updates: list[ontology.SignalUpdate] = []
        rows: list[tuple[str, str, datetime, Value]] = []
        events: list[Event] = []
        sent = dict.fromkeys(FEEDS, 0)
        for index, twin in enumerate(self.twins):
            if self.paused(twin):
                continue
            sent[self.feed_of(twin)] += 4 + (self.extra_signals if index == 0 else 0)
            phase = self.count / 10 + index
            values: dict[str, Value] = {
                "mode": MODES[(index + self.count // self.mode_every) % len(MODES)],
                "temperature": round(40 + 5 * math.sin(phase) + self.random.random(), 3),
                "power": round(5 + 2 * math.cos(phase) + self.random.random(), 3),
                "goodCount": float(self.count * (index + 1)),
            }
            if index == 0:
                for extra in range(self.extra_signals):
                    values[f"s{extra:02d}"] = round(self.random.random() * 100, 3)
            updates.extend(
                ontology.SignalUpdate(twin=twin, signal=name, value=value, time=now, batch=batch)
                for name, value in values.items()
            )
            rows.extend((twin, name, now, value) for name, value in values.items())
            events.extend(self.mode_events(twin, str(values["mode"]), now, batch))
        rejects = self.rejects(batch, now, sent)
        if updates:
            refused = Counter(r.reason for r in rejects)
            record = batch_record(batch, now, len(rows), f"tick {self.count}", refused)
            self.history.write_batch(record, columns(rows), events, rejects)
            self.store.set_signals(updates)
            self.store.recompute_rollups()
            changes = [
                SignalChange(
                    twin=u.twin,
                    signal=u.signal,
                    value=u.value,
                    time=u.time,
                    quality=0,
                    batch=u.batch,
                )
                for u in updates
            ]
            self.feed.publish(batch, changes, events)
        self.observe(batch, sent, rejects)

    def rejects(self, batch: str, now: datetime, sent: dict[str, int]) -> list[Reject]:
        """One refused sample of each feed whose turn it is (and that sent anything)."""
        out = []
        for name, (every, reason) in REJECT_EVERY.items():
            if sent[name] and self.count % every == 0:
                source = SourcePosition(kind=SourceKind.SIMULATOR, topic=TOPIC, path=name)
                detail = f"feed {name!r}: a simulated {reason} refusal"
                out.append(Reject(batch, name, reason, now, source, detail=detail))
        return out

    def observe(self, batch: str, sent: dict[str, int], rejects: list[Reject]) -> None:
        """Each feed's arrivals to its FeedHealth; its report every ``health_interval`` s."""
        for name, count in sent.items():
            if not count:
                continue
            rejected = dict(Counter(r.reason for r in rejects if r.feed == name))
            total = count + sum(rejected.values())
            outcome = BatchOutcome(batch, total, total, count, rejected, count, 0, None, False)
            self.health[name].observe(outcome)
        if time.monotonic() - self.reported < self.health_interval:
            return
        self.reported = time.monotonic()
        for health in self.health.values():
            report = health.report()
            self.store.set_signals(report.updates)
            if report.events:
                self.history.append_events(report.events)
            changes = [
                SignalChange(u.twin, u.signal, u.value, u.time, 0, None) for u in report.updates
            ]
            self.feed.publish(None, changes, report.events)

    def mode_events(self, twin: str, mode: str, now: datetime, batch: str) -> list[Event]:
        before = self.modes.get(twin)
        self.modes[twin] = mode
        if before is None or before == mode:
            return []
        change = Event(twin=twin, time=now, kind="mode", code=f"{before}->{mode}", batch=batch)
        if mode != "FAULT":
            return [change]
        fault = Event(
            twin=twin, time=now, kind="fault", code="F-JAM", message="jam at infeed", batch=batch
        )
        return [change, fault]

    def run(self) -> None:
        while not self.stop.is_set():
            self.step()
            self.stop.wait(self.tick)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def running_plant(args: Sequence[str], *, timeout: float = 120.0) -> Iterator[str]:
    """This module as a server process on a free port, with ``args``; yields its base URL."""
    port = free_port()
    root = Path(__file__).resolve().parents[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWINWEAVE_")}
    command = [sys.executable, "-m", "benchmarks.explorer_plant", "--port", str(port), *args]
    process = subprocess.Popen(
        command, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while not _answers(base):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                output = process.communicate()[0].decode(errors="replace")
                msg = f"the plant server did not answer on {base} within {timeout:.0f} s:\n{output}"
                raise RuntimeError(msg)
            time.sleep(0.2)
        yield base
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.communicate(timeout=20)
            except subprocess.TimeoutExpired:  # a loaded machine: do not leave it running
                process.kill()
                process.communicate()


def _answers(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--tick", type=float, default=0.5, help="seconds between updates")
    parser.add_argument("--control", type=Path, help="folder of pause-<twin> files")
    parser.add_argument("--wide", type=int, default=0, help=f"extra machines (<= {MAX_WIDE})")
    parser.add_argument("--signals", type=int, default=0, help="extra signals on one machine")
    parser.add_argument("--mode-every", type=int, default=50, help="ticks between mode changes")
    parser.add_argument(
        "--feed-freshness", type=float, default=5.0, help="seconds before a feed is silent"
    )
    parser.add_argument(
        "--health-interval", type=float, default=1.0, help="seconds between feed health reports"
    )
    parser.add_argument(
        "--bare", action="store_true", help="serve without history and subscriptions"
    )
    parser.add_argument("--backfill-hours", type=float, default=0, help="history before now")
    parser.add_argument("--backfill-step", type=float, default=60, help="seconds between samples")
    parser.add_argument("--backfill-twins", type=int, default=1000, help="how many machines")
    args = parser.parse_args(argv)
    if not 0 <= args.backfill_hours <= 24 * 31 or not 0.1 <= args.backfill_step <= 86400:
        parser.error("--backfill-hours must be 0..744 and --backfill-step 0.1..86400")
    if not 0 <= args.wide <= MAX_WIDE or not 0 <= args.signals <= MAX_SIGNALS:
        parser.error(f"--wide must be 0..{MAX_WIDE} and --signals 0..{MAX_SIGNALS}")
    if not 1 <= args.mode_every <= 1_000_000:
        parser.error(f"--mode-every {args.mode_every}: expected 1 to 1000000 ticks")
    if not 0.5 <= args.feed_freshness <= 3600 or not 0.1 <= args.health_interval <= 60:
        parser.error("--feed-freshness must be 0.5..3600 and --health-interval 0.1..60 seconds")
    if not 0.05 <= args.tick <= 60:
        parser.error(f"--tick {args.tick}: expected 0.05 to 60 seconds")

    import uvicorn

    from server import ServerSettings, create_app

    store = build_store(wide=args.wide)
    history = open_history_store(DuckDBHistorySettings(path=None))
    twins = machines(store)
    if args.backfill_hours:
        chosen = twins[: args.backfill_twins]
        now = datetime.now(UTC)
        backfill(history, chosen, hours=args.backfill_hours, step=args.backfill_step, now=now)
    feed = MemoryChangeFeed()
    simulator = Simulator(
        store,
        history,
        feed,
        twins,
        tick=args.tick,
        control=args.control,
        extra_signals=args.signals,
        mode_every=args.mode_every,
        feed_freshness=args.feed_freshness,
        health_interval=args.health_interval,
    )
    simulator.step()
    thread = threading.Thread(target=simulator.run, name="simulator", daemon=True)
    thread.start()
    settings = ServerSettings(version="explorer-plant", graph_store="memory")
    if args.bare:  # an API without history and subscriptions: the page must degrade
        app = create_app(settings, store=store)
    else:
        app = create_app(settings, store=store, history=history, changes=feed)
    print(f"explorer plant at http://127.0.0.1:{args.port}/", file=sys.stderr, flush=True)
    try:
        uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")
    finally:
        simulator.stop.set()
        thread.join(timeout=5)
        history.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
