"""The Neo4j graph store's calls behind the GraphQL benchmark, beside managed transactions.

    python -m benchmarks.neo4j_reads [--twins 20000] [--subtree 10000] [--calls 100]
                                     [--repeat 5] [--neo4j-uri bolt://127.0.0.1:17687]
                                     [--neo4j-pid PID] [--namespace NS]

Loads the plant of ``benchmarks.graphql`` (same twins, ``power`` on every
twin, the ``power_total`` rollup) into a fresh label prefix, dropped at the
end (``--namespace``: one loaded before, kept). Then, for each query of that
benchmark that runs on Neo4j, it replays the store calls our GraphQL server
makes for it (recorded through a counting proxy of the store):

- live state of one twin: ``twins_with_signals``, ``model_set`` (cached);
- descendants + rollups of the subtree: ``twins_with_signals``, ``model_set``
  (cached), ``count_descendants`` (from the kept hierarchy once it is read),
  ``rollups`` (kept for ``model_recheck_ms``);
- a twin, its children and their signals: ``children_with_signals``,
  ``model_set`` (cached);
- three levels of descendants: ``children_below`` (3 levels);

and the ingest commit's graph write: ``set_signals`` of 5,000 changed keys
(issue 9's (e): one such transaction per 200k samples).

Each figure stands beside a baseline doing the same reads (or write) with
the driver the plain way: every statement in a driver-managed transaction
(``Session.execute_read`` / ``execute_write``: BEGIN, RUN and PULL, COMMIT,
three round trips), with straightforward Cypher and ``json`` for the values.
Both answers are compared (exit status 1 when they differ). Warm (one call of
each first); ``--repeat`` rounds of ``--calls`` calls, the store's and the
baseline's rounds taking turns; printed: this process's
CPU per request (min / median of the rounds), wall p50, and with
``--neo4j-pid`` the Neo4j server's CPU per request (from ``/proc``; on a
shared server other clients' work counts too: read the min).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import neo4j

from benchmarks._measure import DEFAULT_REPEAT, checked, same
from benchmarks.graphql import ROLLUP, SIGNAL, choose, fill_graph
from loaders import generate_plant
from ontology import MAX_PAGE, Neo4jStore, Neo4jStoreSettings, SignalUpdate

DATABASE = "neo4j"
WRITE_KEYS = 5_000
Answer = Any


@dataclass(frozen=True, slots=True)
class Case:
    label: str
    store: Callable[[], Answer]
    baseline: Callable[[], Answer]
    calls: int | None = None
    """Calls per round, when not ``--calls`` (the write)."""
    answer: Callable[[Answer], Answer] = lambda out: out
    """What to compare of a call's result (not timed)."""


class Plain:
    """The baseline: each read a managed transaction, plain Cypher, ``json`` decoding."""

    def __init__(self, driver: neo4j.Driver, ns: str) -> None:
        self.driver = driver
        self.ns = ns

    def _read(self, query: str, **params: Any) -> list[list[Any]]:
        def work(tx: neo4j.ManagedTransaction) -> list[list[Any]]:
            return [list(r.values()) for r in tx.run(query.replace(":T", f":{self.ns}_"), params)]

        with self.driver.session(database=DATABASE) as session:
            return session.execute_read(work)

    def twin(self, twin_id: str) -> tuple[str, str, Any]:
        rows = self._read("MATCH (t:TTwin {id: $id}) RETURN t.id, t.model, t.props", id=twin_id)
        twin, model, props = rows[0]
        return twin, model, json.loads(props)

    def signals(self, twin_id: str) -> dict[str, tuple[Any, str]]:
        query = "MATCH (s:TSignal {twin: $id}) RETURN s.signal, s.value, s.time, s.t"
        return {s: (json.loads(v), _text(t, at)) for s, v, t, at in self._read(query, id=twin_id)}

    def descendants(self, twin_id: str, after: str | None) -> list[str]:
        query = (
            "MATCH (a:TTwin {id: $id}) RETURN COLLECT { MATCH (a)-[:CONTAINS*1..]->(d:TTwin) "
            "WITH DISTINCT d WHERE $after IS NULL OR d.id > $after "
            "RETURN d.id ORDER BY d.id LIMIT $limit }"
        )
        return list(self._read(query, id=twin_id, after=after, limit=MAX_PAGE + 1)[0][0])

    def rollups(self) -> list[str]:
        return [r[0] for r in self._read("MATCH (r:TRollup) RETURN r.name ORDER BY r.name")]

    def tree(self, twin_id: str, depth: int) -> dict[str, tuple[str, ...]]:
        query = (
            "MATCH (:TTwin {id: $id})-[:CONTAINS*0.." + str(depth - 1) + "]->(p:TTwin) "
            "WITH DISTINCT p RETURN p.id, [(p)-[:CONTAINS]->(c:TTwin) | c.id]"
        )
        return {p: tuple(sorted(kids)) for p, kids in self._read(query, id=twin_id)}

    def twins_with_signals(self, ids: Sequence[str]) -> dict[str, Any]:
        query = (
            "UNWIND $ids AS id MATCH (t:TTwin {id: id}) OPTIONAL MATCH (s:TSignal {twin: id}) "
            "RETURN t.id, t.model, collect([s.signal, s.value, s.time, s.t])"
        )
        out: dict[str, Any] = {}
        for twin, model, found in self._read(query, ids=list(ids)):
            kept = {s: (json.loads(v), _text(t, at)) for s, v, t, at in found if s is not None}
            out[twin] = (model, kept)
        return out

    def set_signals(self, updates: Sequence[SignalUpdate]) -> None:
        rows = [
            {
                "key": json.dumps([u.twin, u.signal], separators=(",", ":")),
                "twin": u.twin,
                "signal": u.signal,
                "value": json.dumps(u.value, sort_keys=True, separators=(",", ":")),
                "t": int(u.time.timestamp() * 1_000_000),
                "time": None if u.time.utcoffset() == timedelta(0) else u.time.isoformat(),
                "batch": u.batch,
            }
            for u in updates
        ]
        twins = sorted({u.twin for u in updates})
        ns = self.ns

        def work(tx: neo4j.ManagedTransaction) -> None:
            found = tx.run(
                f"UNWIND $ids AS id MATCH (t:{ns}_Twin {{id: id}}) RETURN count(t)", ids=twins
            ).single(strict=True)[0]
            if found != len(twins):
                msg = f"{len(twins) - found} twins missing"
                raise ValueError(msg)
            tx.run(
                f"UNWIND $rows AS r MATCH (:{ns}_Twin {{id: r.twin}}) "
                f"MERGE (s:{ns}_Signal {{key: r.key}}) "
                "ON CREATE SET s.twin = r.twin, s.signal = r.signal "
                "WITH s, r WHERE s.t IS NULL OR s.t <= r.t "
                "SET s.value = r.value, s.t = r.t, s.time = r.time, s.batch = r.batch",
                rows=rows,
            ).consume()
            tx.run(
                f"MERGE (m:{ns}_Meta {{key: 'signals'}}) ON CREATE SET m.version = 0 "
                "SET m.version = m.version + 1"
            ).consume()

        with self.driver.session(database=DATABASE) as session:
            session.execute_write(work)


def _text(text: str | None, t: int) -> str:
    """A signal's time as ISO text: the node's ``time`` if it has one (an offset other than
    UTC's), else from ``t`` (µs since the epoch), as the store reads it."""
    if text is not None:
        return text
    return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=t)).isoformat()


def cases(
    store: Neo4jStore, plain: Plain, plant_ids: dict[str, str], twins: list[str]
) -> list[Case]:
    machine, subtree = plant_ids["machine"], plant_ids["subtree"]
    parent, three = plant_ids["with_children"], plant_ids["three_levels"]

    def values(found: Any) -> dict[str, tuple[Any, str]]:
        return {k: (v.value, v.time.isoformat()) for k, v in found.items()}

    def live() -> Answer:
        (found,) = store.twins_with_signals([machine])
        store.model_set()
        assert found is not None
        twin, signals = found
        return twin.id, twin.model, dict(twin.properties), values(signals)

    def live_plain() -> Answer:
        return (*plain.twin(machine), plain.signals(machine))

    def rolled() -> Answer:
        (found,) = store.twins_with_signals([subtree])
        store.model_set()
        count = store.count_descendants(subtree)
        names = [r.name for r in store.rollups()]
        assert found is not None
        return count, names, found[1][ROLLUP.name].value

    def rolled_plain() -> Answer:
        plain.twin(subtree)
        ids: list[str] = []
        while True:
            got = plain.descendants(subtree, ids[-1] if ids else None)
            ids.extend(got[:MAX_PAGE])
            if len(got) <= MAX_PAGE:
                break
        names = plain.rollups()
        return len(ids), names, plain.signals(subtree)[ROLLUP.name][0]

    def kids() -> Answer:
        found = store.children_with_signals(parent, first=MAX_PAGE)
        store.model_set()
        assert found is not None
        return {twin.id: (twin.model, values(signals)) for twin, signals in found.page}

    def kids_plain() -> Answer:
        return plain.twins_with_signals(plain.tree(parent, 1)[parent])

    now = datetime.now(UTC)
    rounds = iter(range(1, 10**9))

    def updates() -> list[SignalUpdate]:
        k = next(rounds)
        at = now + timedelta(seconds=k)
        return [SignalUpdate(t, SIGNAL, float(i + k), at, f"b{k}") for i, t in enumerate(twins)]

    def written(batch: list[SignalUpdate]) -> Answer:
        """How many of the keys hold what was written (each call writes other values)."""
        got = store.signals_of([u.twin for u in batch])
        pairs = zip(batch, got, strict=True)
        return sum(s[SIGNAL].value == u.value and s[SIGNAL].batch == u.batch for u, s in pairs)

    def write() -> Answer:
        batch = updates()
        store.set_signals(batch)
        return batch

    def write_plain() -> Answer:
        batch = updates()
        plain.set_signals(batch)
        return batch

    return [
        Case("live state of one twin", live, live_plain),
        Case(f"descendants + rollups of {plant_ids['size']}", rolled, rolled_plain),
        Case("a twin, its children and their signals", kids, kids_plain),
        Case(
            "three levels of descendants",
            lambda: dict(store.children_below([three], 3)),
            lambda: plain.tree(three, 3),
        ),
        Case(
            f"set_signals of {len(twins):,} keys (write)",
            write,
            write_plain,
            calls=3,
            answer=written,
        ),
    ]


def neo4j_cpu(pid: int | None) -> float:
    """CPU seconds of process ``pid`` so far (0 without a pid)."""
    if pid is None:
        return 0.0
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:  # noqa: PTH123 (procfs)
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Figures:
    cpu: list[float]
    neo: list[float]
    walls: list[float]

    def text(self, with_neo4j: bool) -> str:
        cpu = f"CPU {min(self.cpu):6.2f} / {statistics.median(self.cpu):6.2f} ms"
        wall = f"wall p50 {statistics.median(self.walls):7.2f} ms"
        neo = (
            f", Neo4j {min(self.neo):6.1f} / {statistics.median(self.neo):6.1f}"
            if with_neo4j
            else ""
        )
        return f"{cpu}{neo}, {wall}"


def measure(
    works: Sequence[Callable[[], Answer]], calls: int, repeat: int, pid: int | None
) -> list[Figures]:
    """``repeat`` rounds of ``calls`` calls of each of ``works``, taking turns round by round
    (so a change of the machine's load between rounds falls on each alike)."""
    figures = [Figures([], [], []) for _ in works]
    for _ in range(repeat):
        for work, into in zip(works, figures, strict=True):
            neo, cpu = neo4j_cpu(pid), time.process_time()
            for _ in range(calls):
                start = time.perf_counter()
                work()
                into.walls.append((time.perf_counter() - start) * 1e3)
            into.cpu.append((time.process_time() - cpu) / calls * 1e3)
            into.neo.append((neo4j_cpu(pid) - neo) / calls * 1e3)
    return figures


def run(args: argparse.Namespace, ns: str, fresh: bool) -> int:
    plant = generate_plant(args.twins)
    data = choose(plant, args.subtree)
    settings = Neo4jStoreSettings(uri=args.neo4j_uri, namespace=ns)
    store = Neo4jStore(settings)
    driver = neo4j.GraphDatabase.driver(args.neo4j_uri, auth=None)
    try:
        if fresh:
            print(f"loading {len(plant.twins):,} twins into namespace {ns} ...", flush=True)
            fill_graph(store, plant)
        twins = list(store.descendants(data.subtree, first=MAX_PAGE).items[:WRITE_KEYS])
        ids = {
            "machine": data.machine,
            "subtree": data.subtree,
            "with_children": data.with_children,
            "three_levels": data.three_levels,
            "size": f"{data.subtree_size:,} twins",
        }
        plain = Plain(driver, ns)
        print(
            f"store calls per request, {args.repeat} rounds x {args.calls} calls, warm; CPU of "
            "this process per request min / median of the rounds"
            + (f"; Neo4j (pid {args.neo4j_pid}) CPU per request" if args.neo4j_pid else "")
        )
        for case in cases(store, plain, ids, twins):
            same(case.label, case.answer(case.store()), case.answer(case.baseline()))
            calls = case.calls or args.calls
            ours, theirs = measure([case.store, case.baseline], calls, args.repeat, args.neo4j_pid)
            same(case.label, case.answer(case.store()), case.answer(case.baseline()))
            with_neo = args.neo4j_pid is not None
            print(f"  {case.label}")
            print(f"    store     {ours.text(with_neo)}")
            print(f"    baseline  {theirs.text(with_neo)}  (managed transactions, plain Cypher)")
    finally:
        store.close()
        if fresh:
            from benchmarks._neo4j_raw import drop_namespace

            drop_namespace(driver, ns)
        driver.close()
    print("answers equal to the baselines")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.neo4j_reads", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--twins", type=int, default=20_000, help="twins in the plant (20000)")
    parser.add_argument("--subtree", type=int, default=10_000, help="descendants subtree size")
    parser.add_argument("--calls", type=int, default=100, help="requests per round (100)")
    parser.add_argument("--repeat", type=int, default=DEFAULT_REPEAT + 2, help="rounds (5)")
    parser.add_argument("--neo4j-uri", default="bolt://127.0.0.1:17687", help="Bolt URI (auth off)")
    parser.add_argument("--neo4j-pid", type=int, help="the Neo4j server's pid: its CPU too")
    parser.add_argument(
        "--namespace", help="a namespace this plant was loaded into before (kept at the end)"
    )
    args = parser.parse_args(argv)
    if args.twins < 100 or min(args.calls, args.repeat) < 1:
        parser.error("--twins must be >= 100; --calls and --repeat >= 1")
    ns = args.namespace or f"bench_{uuid.uuid4().hex[:12]}"
    return checked(lambda: run(args, ns, args.namespace is None))


if __name__ == "__main__":
    sys.exit(main())
