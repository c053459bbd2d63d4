"""The Neo4j state write of one ingest batch: the store's statement beside the former one.

``python -m benchmarks.neo4j_state_write --runs 3``

One ingest batch of (e) (``benchmarks/ingest.py``: 2,000 records x 100 samples
over 1,000 twins) writes 5,000 changed keys to Neo4j in one transaction
(``Neo4jStore.set_signals``). This times that write twice per run, each in a fresh
namespace: the first write (every ``Signal`` node created) and a second one with
newer times (every node updated), for two shapes of the same transaction:

- **store**: ``Neo4jStore.set_signals`` as it is: the twins checked once (their
  distinct ids), the rows of one key reduced to the one an in-order apply keeps, then
  one list per property, ``UNWIND range(...)`` with ``MERGE``/``SET`` and no subquery;
  the batch id once, no ISO time text for a UTC time (``t`` holds it);
- **maps**: the statement the store had before (the baseline): one ``UNWIND`` of a
  map per row, each row's twin matched in it and a ``CALL`` subquery per row (so rows
  of one key apply in order), then the ``signals`` counter moved as the store moves it.

Shapes take turns (store first in odd runs, maps first in even ones), and the run
fails unless both namespaces read back the same ``Signal`` nodes (key, twin, signal,
value, t, time, batch; the time from its text where a node has one, else from ``t``).
Wall seconds, from the call to the commit's return.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import neo4j

from benchmarks._ingest_peers._workload import Workload
from benchmarks._neo4j_raw import DATABASE, drop_namespace
from ontology import Neo4jStore, Neo4jStoreSettings, SignalUpdate

SIGNALS = ("fault", "mode", "speed", "temperature", "vibration")
_KEY = json.JSONEncoder(separators=(",", ":")).encode
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
Write = Callable[[Neo4jStore, neo4j.Driver, str, Sequence[SignalUpdate]], None]


def make_updates(twins: int, at: datetime, batch: str) -> list[SignalUpdate]:
    """One update of each (twin, signal): ``twins`` x 5 keys, as one (e) batch writes; then
    twin ``m0``'s keys again, older (the store applies rows in order and keeps the newer)."""
    newest = [
        SignalUpdate(f"m{t}", signal, float(t % 97) + 0.5, at + timedelta(microseconds=t), batch)
        for t in range(twins)
        for signal in SIGNALS
    ]
    older = [SignalUpdate("m0", s, -1.0, at - timedelta(seconds=1), batch) for s in SIGNALS]
    return newest + older


def store_write(
    store: Neo4jStore, driver: neo4j.Driver, ns: str, ups: Sequence[SignalUpdate]
) -> None:
    store.set_signals(ups)


def maps_write(
    store: Neo4jStore, driver: neo4j.Driver, ns: str, ups: Sequence[SignalUpdate]
) -> None:
    """The former shape (the baseline): a map per row, a subquery per row (labels of ``ns``)."""
    rows = [
        {
            "key": _KEY([u.twin, u.signal]),
            "twin": u.twin,
            "signal": u.signal,
            "value": repr(u.value),
            "t": _micros(u.time),
            "time": u.time.isoformat(),
            "batch": u.batch,
        }
        for u in ups
    ]
    write = (
        f"UNWIND $rows AS r OPTIONAL MATCH (w:{ns}_Twin {{id: r.twin}}) "
        "CALL (r, w) { WITH r WHERE w IS NOT NULL "
        f"MERGE (s:{ns}_Signal {{key: r.key}}) ON CREATE SET s.twin = r.twin, s.signal = r.signal "
        "WITH s, r WHERE s.t IS NULL OR s.t <= r.t "
        "SET s.value = r.value, s.t = r.t, s.time = r.time, s.batch = r.batch } "
        "WITH r WHERE w IS NULL RETURN collect(DISTINCT r.twin) AS missing"
    )
    bump = (
        f"MERGE (m:{ns}_Meta {{key: 'signals'}}) ON CREATE SET m.version = 0 "
        "SET m.version = m.version + 1"
    )

    def work(tx: neo4j.ManagedTransaction) -> None:
        missing = tx.run(write, rows=rows).single(strict=True)[0]
        if missing:
            msg = f"twins {missing[:3]} do not exist"
            raise RuntimeError(msg)
        tx.run(bump).consume()

    with driver.session(database=DATABASE) as session:
        session.execute_write(work)


SHAPES: dict[str, Write] = {"store": store_write, "maps": maps_write}


def read_back(driver: neo4j.Driver, ns: str) -> list[tuple[Any, ...]]:
    """Every node's (key, twin, signal, value, t, time, batch); the time from its ISO text (the
    former layout's, or the store's for an offset other than UTC's), else from ``t``."""
    records = driver.execute_query(
        f"MATCH (s:{ns}_Signal) RETURN s.key, s.twin, s.signal, s.value, s.t, s.time, s.batch "
        "ORDER BY s.key",
        database_=DATABASE,
    ).records
    return [(*r[:5], _time(r[5], r[4]), r[6]) for r in records]


def _time(text: str | None, t: int) -> datetime:
    return datetime.fromisoformat(text) if text is not None else _EPOCH + timedelta(microseconds=t)


def one_run(
    uri: str, driver: neo4j.Driver, shape: str, twins: int
) -> tuple[float, float, list[tuple[Any, ...]]]:
    """(create seconds, update seconds, the nodes read back) of one shape in a fresh namespace."""
    ns = f"bsw{uuid.uuid4().hex[:10]}"
    store = Neo4jStore(Neo4jStoreSettings(uri=uri, namespace=ns))
    try:
        Workload(twins, 1, twins).plant(store)
        at = datetime(2026, 1, 1, tzinfo=UTC)
        write = SHAPES[shape]
        first = make_updates(twins, at, "a" * 32)
        started = time.perf_counter()
        write(store, driver, ns, first)
        created = time.perf_counter() - started
        second = make_updates(twins, at + timedelta(seconds=1), "b" * 32)
        started = time.perf_counter()
        write(store, driver, ns, second)
        updated = time.perf_counter() - started
        return created, updated, read_back(driver, ns)
    finally:
        store.close()
        drop_namespace(driver, ns)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.neo4j_state_write",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--neo4j", default="bolt://127.0.0.1:17687", help="Bolt URI (auth off)")
    parser.add_argument("--twins", type=int, default=1000, help="twins (x 5 keys a write)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    if args.twins < 1 or args.runs < 1:
        parser.error("--twins and --runs must be >= 1")
    driver = neo4j.GraphDatabase.driver(args.neo4j, auth=None)
    times: dict[str, list[tuple[float, float]]] = {shape: [] for shape in SHAPES}
    ok = True
    try:
        for n in range(args.runs):
            order = list(SHAPES) if n % 2 == 0 else list(reversed(SHAPES))
            nodes = []
            for shape in order:
                created, updated, found = one_run(args.neo4j, driver, shape, args.twins)
                times[shape].append((created, updated))
                nodes.append(found)
            ok = ok and nodes[0] == nodes[1] and len(nodes[0]) == args.twins * len(SIGNALS)
    finally:
        driver.close()
    keys = args.twins * len(SIGNALS)
    print(
        f"Neo4j state write ({args.neo4j}): {keys:,} keys over {args.twins:,} twins in one "
        f"transaction, {args.runs} runs a shape in turns; wall seconds, min / median"
    )
    for phase, i in (("first write (created)", 0), ("second write (updated)", 1)):
        for shape, done in times.items():
            seconds = [d[i] for d in done]
            print(
                f"  {phase:<23} {shape:<8} {min(seconds):.3f} / {statistics.median(seconds):.3f} s"
            )
        base = statistics.median(d[i] for d in times["maps"])
        ours = statistics.median(d[i] for d in times["store"])
        print(f"  {phase:<23} maps / store (medians): {base / ours:.1f}x")
    same = "yes" if ok else "NO"
    print(f"  both shapes read back the same {keys:,} Signal nodes, every run: {same}")
    return 0 if ok else 1


def _micros(moment: datetime) -> int:
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


if __name__ == "__main__":
    sys.exit(main())
