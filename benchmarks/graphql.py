"""The GraphQL API under load: a live uvicorn server, 32 concurrent clients, both graph stores.

    python -m benchmarks.graphql [--twins 20000] [--subtree 10000] [--clients 32]
                                 [--requests 20] [--repeat 3] [--workers 2]
                                 [--skip-neo4j] [--skip-memory] [--skip-neo4j-graphql]
                                 [--only-side-by-side] [--only LABEL ...] [--with-unshared]
                                 [--neo4j-uri bolt://127.0.0.1:17687] [--neo4j-pid PID]
                                 [--questdb-pid PID] [--questdb-read-cache N]
                                 [--questdb-http 127.0.0.1:19000] [--questdb-pg 127.0.0.1:18812]

Builds a synthetic plant (``loaders.generate_plant``) with a ``power`` value on
every twin and a ``power_total`` rollup (sum over descendants) in the graph
store, and in a history store: 24 h of 1 Hz ``power`` samples of one machine,
and one sample a minute for an hour of 1,000 twins. Then, for the in-process
store with the embedded DuckDB history, and (unless ``--skip-neo4j``) Neo4j
with QuestDB history (a fresh label prefix and table prefix, dropped at the
end), it starts the server (``create_app`` under uvicorn; one process on the
in-process store, ``--workers`` processes sharing the port on Neo4j) and
measures, with ``--clients`` keep-alive connections of a lean HTTP/1.1 client
(``benchmarks/_http_load.py``: each request's bytes prepared once, no JSON work
while timing; a general-purpose client cost more CPU per request than the
server) sending ``--clients`` x ``--requests`` requests, warm (after one warm-up
round), the p50 and p99 of:

- the floor: ``{ __typename }``, which reads nothing: what HTTP and the GraphQL
  layer alone cost on this server;
- live state of one twin (``twin(id) { signals }``), target p99 <= 10 ms
  in-process, <= 25 ms on Neo4j;
- 24 h of history at 1-minute buckets from the 1 Hz data (``history``),
  target <= 30 ms; all clients ask for the same day, which the server answers
  with range calls shared by concurrent requests (``_range_batcher``), so the
  case runs again on a second server with ``share_history_reads`` off, where
  every request makes its own call (what clients asking different windows get);
- descendants with rollups of a subtree of about ``--subtree`` twins
  (``descendants { totalCount } rollups``), target <= 100 ms;
- ``signals(at:)`` of 1,000 twins, target <= 100 ms: once as a field of each
  twin of a listing, once as ``signalsAt`` (columns, one object); all clients
  ask for the same time, which the server answers with ``as_of`` calls shared
  by concurrent requests (``_range_batcher``), so the listing case also runs
  again on the server with ``share_history_reads`` off.

Each figure stands beside its baseline from the same run: the same read made
by calling the stores directly in one process, one at a time (no HTTP, no
GraphQL). Every answer through GraphQL is checked against the baseline's; a
mismatch or an error exits non-zero. ``--repeat`` rounds; the min and median
p99 of the rounds are printed (and each round's), with the server processes' CPU
time per request (``/proc``; on a loaded machine the p99 is mostly waiting for a
core) and, with ``--neo4j-pid`` and ``--questdb-pid``, the Neo4j and QuestDB servers'.

Side by side on Neo4j (unless ``--skip-neo4j-graphql``): ``@neo4j/graphql``
(``benchmarks/neo4j_graphql/``, installed with ``npm ci`` when missing), the
library a team would otherwise put on the same Neo4j, serving the same twins
(typeDefs mapping our labels) with as many Node processes as ours has
workers; the same clients send both servers the same two queries (a twin
with its children and their signals; three levels of descendants); both
answers must be equal, and ours should have a p99 at least 2x lower. Each
server's floor (``{ __typename }``) is printed beside them.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import orjson

from benchmarks import _neo4j_graphql as neo4j_graphql
from benchmarks._http_load import post_json, run, send_many
from loaders import SyntheticPlant, generate_plant
from ontology import (
    MAX_PAGE,
    Aggregate,
    GraphStore,
    MemoryStore,
    Neo4jStore,
    Neo4jStoreSettings,
    RollupSpec,
    SignalUpdate,
)
from ontology.history import (
    Agg,
    Batch,
    DuckDBHistorySettings,
    HistoryStore,
    QuestDBHistorySettings,
    QuestDBHistoryStore,
    Samples,
    SeriesKey,
    SourceKind,
    SourcePosition,
    open_history_store,
)

WHO = "benchmark"
SIGNAL = "power"
ROLLUP = RollupSpec("power_total", SIGNAL, Aggregate.SUM)
NOW = datetime.now(UTC).replace(second=0, microsecond=0)
DAY_START = NOW - timedelta(days=1)
AT_START = NOW - timedelta(hours=1)
AT = AT_START + timedelta(minutes=30, seconds=30)
AS_OF_TWINS = 1000
START_TIMEOUT_S = 120
Answer = Callable[[dict[str, Any]], Any]


# ------------------------------------------------------------------ the data


@dataclass(frozen=True, slots=True)
class Data:
    plant: SyntheticPlant
    machine: str
    """The twin with 24 h of 1 Hz history (and the one for live state)."""
    subtree: str
    """The twin whose subtree is closest to ``--subtree`` twins."""
    parent_1000: str
    """A twin with 1,000 descendants or more: the first 1,000 of them have as-of samples."""
    as_of_twins: tuple[str, ...]
    subtree_size: int
    with_children: str
    """A twin whose children are leaves (the side-by-side "children and their signals")."""
    three_levels: str
    """A twin three levels above leaves (the side-by-side "three levels of descendants")."""


def choose(plant: SyntheticPlant, subtree: int) -> Data:
    children: dict[str, list[str]] = {}
    for edge in plant.contains_edges:
        children.setdefault(edge.source, []).append(edge.target)
    sizes: dict[str, int] = {}

    def size(twin: str) -> int:
        if twin not in sizes:
            seen: set[str] = set()
            stack = list(children.get(twin, ()))
            while stack:
                node = stack.pop()
                if node not in seen:
                    seen.add(node)
                    stack.extend(children.get(node, ()))
            sizes[twin] = len(seen)
        return sizes[twin]

    inner = [t.id for t in plant.twins if t.id in children][:200]
    root = min(inner, key=lambda t: (abs(size(t) - subtree), t))
    big = min((t for t in inner if size(t) >= AS_OF_TWINS), key=size, default=plant.roots[0])
    leaf = plant.leaves[0]
    parent_of = {e.target: e.source for e in plant.contains_edges}
    above = parent_of[leaf]
    three = parent_of.get(parent_of.get(above, above), above)
    return Data(plant, leaf, root, big, (), size(root), above, three)


def fill_graph(store: GraphStore, plant: SyntheticPlant) -> None:
    store.add_models(plant.models, principal=WHO)
    store.upsert_twins(plant.twins, principal=WHO)
    store.add_edges(plant.edges, principal=WHO)
    updates = [
        SignalUpdate(t.id, SIGNAL, float(i % 97), NOW, "batch-live")
        for i, t in enumerate(plant.twins)
    ]
    for start in range(0, len(updates), MAX_PAGE):
        store.set_signals(updates[start : start + MAX_PAGE])
    store.define_rollup(ROLLUP, principal=WHO)
    store.recompute_rollups()


def _samples(
    twins: Sequence[str], times: np.ndarray[Any, Any], values: np.ndarray[Any, Any]
) -> Samples:
    n = len(times)
    return Samples(
        twin=np.array([t for t in twins for _ in range(n)], dtype=object),
        signal=np.array([SIGNAL] * (n * len(twins)), dtype=object),
        time=np.tile(times, len(twins)),
        value=np.tile(values, len(twins)),
    )


def fill_history(history: HistoryStore, machine: str, as_of_twins: Sequence[str]) -> None:
    source = (SourcePosition(SourceKind.FILE, path="benchmark", first_offset=0, last_offset=0),)

    def batch(batch_id: str, count: int) -> Batch:
        return Batch(batch_id, source, NOW, "bench", (), WHO, count, count)

    day = np.datetime64(DAY_START.replace(tzinfo=None), "us") + np.arange(86_400).astype(
        "timedelta64[s]"
    )
    values = np.sin(np.arange(86_400) / 600.0) * 10 + 50
    history.write_batch(batch("bench-day", 86_400), _samples([machine], day, values))
    hour = np.datetime64(AT_START.replace(tzinfo=None), "us") + (np.arange(60) * 60).astype(
        "timedelta64[s]"
    )
    minute_values = np.arange(60, dtype=np.float64)
    samples = _samples(as_of_twins, hour, minute_values)
    history.write_batch(batch("bench-hour", len(samples)), samples)


# --------------------------------------------------------------- the queries


@dataclass(frozen=True, slots=True)
class Case:
    label: str
    target_ms: float | None
    """None: the floor, which has no target."""
    query: str
    variables: dict[str, Any]
    answer: Answer
    """What to compare with the baseline's answer."""
    baseline: Callable[[], Any]
    baseline_label: str


HISTORY_LABEL = "24 h of 1 Hz history, 1-min buckets"
AS_OF_LABEL = "signals(at:) of"
"""The start of the ``signals(at:)`` case's label (then the number of twins)."""


def cases(data: Data, graph: GraphStore, history: HistoryStore, live_target: float) -> list[Case]:
    machine, subtree = data.machine, data.subtree
    as_of_keys = [SeriesKey(t, SIGNAL) for t in data.as_of_twins]

    def live() -> Any:
        graph.get_twin(machine)
        return graph.get_signals(machine)[SIGNAL].value

    def day() -> Any:
        (series,) = history.range(
            [SeriesKey(machine, SIGNAL)], DAY_START, NOW, timedelta(minutes=1), [Agg.MEAN]
        )
        return [round(float(v), 6) for v in series.values[Agg.MEAN]]

    def rolled() -> Any:
        total = 0
        after = None
        while True:
            page = graph.descendants(subtree, first=MAX_PAGE, after=after)
            total += len(page.items)
            after = page.next_cursor
            if after is None:
                break
        return total, graph.get_signals(subtree)[ROLLUP.name].value

    def as_of() -> Any:
        result = history.as_of(as_of_keys, AT)
        return sorted(zip([k.twin for k in as_of_keys], result.value.tolist(), strict=True))

    def as_of_answer(d: dict[str, Any]) -> Any:
        nodes = d["twins"]["nodes"]
        return sorted((n["id"], n["signals"][0]["value"]) for n in nodes)

    return [
        Case(
            "floor: { __typename } (no work)",
            None,
            "{ __typename }",
            {},
            lambda d: d["__typename"],
            lambda: "Query",
            "none (nothing to read)",
        ),
        Case(
            "live state of one twin",
            live_target,
            'query($id: ID!) { twin(id: $id) { id signals(names: ["power"]) { value time } } }',
            {"id": machine},
            lambda d: d["twin"]["signals"][0]["value"],
            live,
            "get_twin + get_signals",
        ),
        Case(
            HISTORY_LABEL,
            30.0,
            """query($id: ID!, $from: DateTime!, $to: DateTime!) { twin(id: $id) {
              history(signals: ["power"], from: $from, to: $to, interval: 60) { values } } }""",
            {"id": machine, "from": DAY_START.isoformat(), "to": NOW.isoformat()},
            lambda d: [round(v, 6) for v in d["twin"]["history"][0]["values"]["mean"]],
            day,
            "HistoryStore.range",
        ),
        Case(
            f"descendants + rollups of {data.subtree_size:,}",
            100.0,
            """query($id: ID!) { twin(id: $id) { descendants { totalCount }
              rollups { name value } } }""",
            {"id": subtree},
            lambda d: (d["twin"]["descendants"]["totalCount"], d["twin"]["rollups"][0]["value"]),
            rolled,
            "descendants pages + get_signals",
        ),
        Case(
            f"{AS_OF_LABEL} {len(as_of_keys):,} twins",
            100.0,
            """query($id: ID!, $at: DateTime!, $n: Int!) { twins(filter: {under: $id}, first: $n) {
              nodes { id signals(names: ["power"], at: $at) { value } } } }""",
            {"id": data.parent_1000, "at": AT.isoformat(), "n": len(as_of_keys)},
            as_of_answer,
            as_of,
            "HistoryStore.as_of",
        ),
        Case(
            f"signalsAt of {len(as_of_keys):,} twins (columns)",
            100.0,
            """query($twins: [ID!]!, $at: DateTime!) {
              signalsAt(twins: $twins, names: ["power"], at: $at) { twins signals { values } } }""",
            {"twins": [k.twin for k in as_of_keys], "at": AT.isoformat()},
            lambda d: sorted(
                zip(d["signalsAt"]["twins"], d["signalsAt"]["signals"][0]["values"], strict=True)
            ),
            as_of,
            "HistoryStore.as_of",
        ),
    ]


# ------------------------------------------------------------------- timing


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def baseline_ms(work: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    times: list[float] = []
    answer = None
    for _ in range(runs):
        start = time.perf_counter()
        answer = work()
        times.append((time.perf_counter() - start) * 1e3)
    return times, answer


async def load(
    url: str, body: dict[str, Any], answer: Answer, clients: int, requests: int
) -> tuple[list[float], list[Any], list[str]]:
    """``clients`` keep-alive connections of the lean client (``benchmarks/_http_load.py``),
    ``clients`` x ``requests`` POSTs of ``body`` in all: latencies (ms), answers, errors.

    Every response is checked: each distinct body is decoded once and stands for
    every response that had the same bytes.
    """
    where = urlsplit(url)
    host, port = where.hostname or "127.0.0.1", where.port or 80
    request = post_json(host, where.path, orjson.dumps(body))
    got = await send_many(host, port, [request] * (clients * requests), clients)
    answers: list[Any] = []
    errors: list[str] = []
    for status, count in got.statuses.items():
        if status != 200:
            errors += [f"HTTP status {status}"] * count
    for raw, count in got.bodies.get(request.key, {}).items():
        try:
            payload = orjson.loads(raw)
        except orjson.JSONDecodeError:
            errors += [f"not JSON: {raw[:80]!r}"] * count
            continue
        if payload.get("errors"):
            errors += [str(payload["errors"][0]["message"])] * count
        else:
            answers += [answer(payload["data"])] * count
    return [s * 1e3 for s in got.latencies], answers, errors


def _tree(pid: int) -> list[int]:
    """``pid`` and every process below it (Linux ``/proc``)."""
    out = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            out += _tree(int(child))
    return out


def cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU seconds of ``pids`` and their children so far (Linux ``/proc``)."""
    ticks = 0
    for pid in {p for root in pids for p in _tree(root)}:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class Rounds:
    p99: list[float]
    p50: list[float]
    answers: list[Any]
    errors: list[str]
    cpu_ms: float
    """The server processes' CPU time per request over the timed rounds (not Neo4j's)."""
    client_cpu_ms: float
    """The load client's own CPU time per request over the same rounds (this process: it
    shares the cores with the server)."""
    neo4j_cpu_ms: float | None = None
    """``--neo4j-pid``: the Neo4j server's CPU time per request over the same rounds."""
    questdb_cpu_ms: float | None = None
    """``--questdb-pid``: the QuestDB server's CPU time per request over the same rounds."""

    def p99_text(self) -> str:
        neo4j = "" if self.neo4j_cpu_ms is None else f", Neo4j CPU {self.neo4j_cpu_ms:6.2f} ms"
        if self.questdb_cpu_ms is not None:
            neo4j += f", QuestDB CPU {self.questdb_cpu_ms:6.2f} ms"
        rounds = ", ".join(f"{p:.1f}" for p in self.p99)
        return (
            f"p99 min {min(self.p99):7.1f} ms, median {statistics.median(self.p99):7.1f} ms "
            f"(rounds {rounds}; p50 {statistics.median(self.p50):6.1f} ms, "
            f"server CPU {self.cpu_ms:6.2f} ms/request, client CPU {self.client_cpu_ms:5.2f} ms"
            f"{neo4j})"
        )


def rounds(
    url: str, body: dict[str, Any], answer: Answer, args: argparse.Namespace, pids: Sequence[int]
) -> Rounds:
    """One warm-up round, then ``--repeat`` timed rounds of ``--clients`` x ``--requests``."""
    run(load(url, body, answer, args.clients, 1))
    neo4j = [args.neo4j_pid] if args.neo4j_pid is not None else []
    quest = [args.questdb_pid] if args.questdb_pid is not None else []
    cpu_before, neo4j_before = cpu_seconds(pids), cpu_seconds(neo4j)
    quest_before = cpu_seconds(quest)
    client_before = time.process_time()
    p99s: list[float] = []
    p50s: list[float] = []
    answers: list[Any] = []
    errors: list[str] = []
    for _ in range(args.repeat):
        latencies, got, failed = run(load(url, body, answer, args.clients, args.requests))
        p99s.append(percentile(latencies, 0.99))
        p50s.append(percentile(latencies, 0.50))
        answers += got
        errors += failed
    count = args.repeat * args.clients * args.requests
    client = (time.process_time() - client_before) * 1e3 / count
    cpu = (cpu_seconds(pids) - cpu_before) * 1e3 / count
    neo4j_cpu = (cpu_seconds(neo4j) - neo4j_before) * 1e3 / count if neo4j else None
    quest_cpu = (cpu_seconds(quest) - quest_before) * 1e3 / count if quest else None
    return Rounds(p99s, p50s, answers, errors, cpu, client, neo4j_cpu, quest_cpu)


# ------------------------------------------------------------------- server


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def start_server(
    kind: str,
    workdir: Path,
    history: str,
    neo4j: tuple[str, str] | None,
    workers: int,
    *,
    shared_reads: bool = True,
) -> tuple[list[subprocess.Popen[str]], str]:
    """``workers`` server processes sharing one port (``SO_REUSEPORT``), and their URL;
    ``shared_reads`` False: ``ServerSettings.share_history_reads`` off."""
    port = _free_port()
    args = [sys.executable, "-m", "benchmarks.graphql", "--serve", kind, "--port", str(port)]
    args += ["--snapshot", str(workdir / "graph.snapshot"), "--history", history]
    if not shared_reads:
        args.append("--unshared-history")
    if neo4j is not None:
        args += ["--neo4j-uri", neo4j[0], "--namespace", neo4j[1]]
    processes: list[subprocess.Popen[str]] = []
    for _ in range(workers):
        process = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        processes.append(process)
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        if not line.startswith("ready "):
            stop(processes)
            raise SystemExit(f"the {kind} server did not start: {line!r}")
    return processes, f"http://127.0.0.1:{port}/graphql"


def stop(processes: Sequence[subprocess.Popen[str]]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()


def _history_settings(text: str) -> DuckDBHistorySettings | QuestDBHistorySettings:
    """``--history``: a DuckDB file path, or QuestDB's settings as JSON."""
    if text.startswith("{"):
        return QuestDBHistorySettings(**json.loads(text))
    return DuckDBHistorySettings(path=Path(text))


def serve(args: argparse.Namespace) -> int:
    """One server process: open the stores the client filled and serve them."""
    import uvicorn

    from server import ServerSettings, create_app, uvicorn_options

    graph: GraphStore
    if args.serve == "memory":
        graph = MemoryStore(snapshot=Path(args.snapshot))
    else:
        graph = Neo4jStore(Neo4jStoreSettings(uri=args.neo4j_uri, namespace=args.namespace))
    history = open_history_store(_history_settings(args.history))
    settings = ServerSettings(
        version="bench", graph_store=args.serve, share_history_reads=not args.unshared_history
    )
    # create_app returns once a QuestDB store's open-time warm-up (about 0.3 s of CPU on a
    # thread of its own) ended, as under ``twinweave serve``: "ready" is a warm server
    app = create_app(settings, store=graph, history=history)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)  # workers share the port
    sock.bind(("127.0.0.1", args.port))
    sock.listen(1024)  # connections wait in the backlog until uvicorn accepts them
    print(f"ready {os.getpid()}", flush=True)
    # as ``twinweave serve`` runs it (its HTTP protocol and event loop, no access log)
    server = uvicorn.Server(uvicorn.Config(app, **uvicorn_options(log_level="warning")))
    server.run(sockets=[sock])
    return 0


# --------------------------------------------------------------------- main


def _report(label: str, got: Rounds, want: Any, what: str) -> bool:
    """Errors or answers unlike ``want``: print them and return False."""
    ok = True
    if got.errors:
        print(f"  ERRORS {label}: {len(got.errors)}, e.g. {got.errors[0]}")
        ok = False
    wrong = [a for a in got.answers if a != want]
    if wrong:
        shown, wanted = repr(wrong[0])[:200], repr(want)[:200]
        print(f"  MISMATCH {label}: GraphQL {shown} vs {what} {wanted}")
        ok = False
    return ok


def run_cases(
    url: str,
    chosen: list[Case],
    baselines: list[Any],
    args: argparse.Namespace,
    pids: Sequence[int],
) -> bool:
    ok = True
    for case, (base_times, base_answer) in zip(chosen, baselines, strict=True):
        body = {"query": case.query, "variables": case.variables}
        got = rounds(url, body, case.answer, args, pids)
        ok = _report(case.label, got, base_answer, "baseline") and ok
        if case.target_ms is None:
            verdict = "the HTTP + GraphQL floor"
        elif min(got.p99) <= case.target_ms:
            verdict = f"meets <= {case.target_ms:.0f} ms"
        else:
            verdict = f"misses <= {case.target_ms:.0f} ms"
        print(
            f"  {case.label:<38} {got.p99_text()}; {verdict}   "
            f"baseline {case.baseline_label}: p50 {statistics.median(base_times):6.2f} ms, "
            f"p99 {percentile(base_times, 0.99):6.2f} ms, one at a time"
        )
    return ok


def run_versus(
    url: str, data: Data, args: argparse.Namespace, namespace: str, pids: Sequence[int]
) -> bool:
    """Ours and ``@neo4j/graphql`` on the same Neo4j namespace, the same queries and clients."""
    processes, theirs_url = neo4j_graphql.start(args.neo4j_uri, namespace, args.workers)
    ok = True
    try:
        print(f"  side by side, @neo4j/graphql {theirs_url} ({args.workers} Node processes):")
        chosen = neo4j_graphql.versus(data.with_children, data.three_levels)
        for case in [neo4j_graphql.floor(), *chosen]:
            theirs = rounds(theirs_url, case.theirs, case.theirs_answer, args, [processes.pid])
            want = theirs.answers[0] if theirs.answers else None
            ok = _report(f"@neo4j/graphql {case.label}", theirs, want, "its first") and ok
            ours = rounds(url, case.ours, case.ours_answer, args, pids)
            ok = _report(case.label, ours, want, "@neo4j/graphql") and ok
            ratio = min(theirs.p99) / min(ours.p99)
            verdict = "meets >= 2" if ratio >= 2 else "misses >= 2"
            if case.label == neo4j_graphql.FLOOR:
                verdict = "the floor: no target"
            print(
                f"  {case.label:<38} ours {ours.p99_text()}   @neo4j/graphql "
                f"{theirs.p99_text()}; theirs / ours {ratio:.2f} ({verdict})"
            )
    finally:
        stop([processes])
    return ok


def run_store(
    kind: str,
    data: Data,
    graph: GraphStore,
    history: HistoryStore,
    history_arg: str,
    args: argparse.Namespace,
    workdir: Path,
    namespace: str | None,
) -> bool:
    fill_history(history, data.machine, data.as_of_twins)
    live_target = 10.0 if kind == "memory" else 25.0
    chosen = [
        c
        for c in cases(data, graph, history, live_target)
        if not args.only or any(o.lower() in c.label.lower() for o in args.only)
    ]
    skip = args.only_side_by_side
    baselines = [] if skip else [baseline_ms(c.baseline, max(args.requests, 5)) for c in chosen]
    history.close()
    if isinstance(graph, MemoryStore):
        graph.flush()
    graph.close()
    workers = 1 if kind == "memory" else args.workers
    neo4j = (args.neo4j_uri, namespace) if namespace is not None else None
    processes, url = start_server(kind, workdir, history_arg, neo4j, workers)
    try:
        print(
            f"\n{kind} graph store + {type(history).__name__}, server {url} ({workers} "
            f"process(es)), {args.clients} clients x {args.requests} requests per round, warm:"
        )
        pids = [p.pid for p in processes]
        ok = skip or run_cases(url, chosen, baselines, args, pids)
        if namespace is not None and not args.skip_neo4j_graphql:
            ok = run_versus(url, data, args, namespace, pids) and ok
    finally:
        stop(processes)
    if not skip and (not args.only or args.with_unshared):
        ok = run_unshared(kind, workdir, history_arg, neo4j, chosen, baselines, args) and ok
    return ok


def run_unshared(
    kind: str,
    workdir: Path,
    history_arg: str,
    neo4j: tuple[str, str] | None,
    chosen: list[Case],
    baselines: list[Any],
    args: argparse.Namespace,
) -> bool:
    """The history and ``signals(at:)`` cases again on a server whose requests each make
    their own store call (``share_history_reads`` off): the 32 clients all ask for the
    same day (the same time), which the default server answers with shared calls."""
    indices = [
        i
        for i, c in enumerate(chosen)
        if c.label == HISTORY_LABEL or c.label.startswith(AS_OF_LABEL)
    ]
    if not indices:
        return True
    cases = [dataclasses.replace(chosen[i], label=f"{chosen[i].label}, unshared") for i in indices]
    workers = 1 if kind == "memory" else args.workers
    processes, url = start_server(kind, workdir, history_arg, neo4j, workers, shared_reads=False)
    try:
        print(f"  the same on a server with share_history_reads off ({url}):")
        pids = [p.pid for p in processes]
        return run_cases(url, cases, [baselines[i] for i in indices], args, pids)
    finally:
        stop(processes)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.graphql", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--twins", type=int, default=20_000, help="twins in the plant (default 20000)"
    )
    parser.add_argument("--subtree", type=int, default=10_000, help="descendants subtree size")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (default 32)")
    parser.add_argument("--requests", type=int, default=20, help="requests per client per round")
    parser.add_argument("--repeat", type=int, default=3, help="rounds; min and median p99 printed")
    parser.add_argument(
        "--workers", type=int, default=2, help="server processes on Neo4j, ours and theirs (2)"
    )
    parser.add_argument("--neo4j-uri", default="bolt://127.0.0.1:17687", help="Bolt URI (auth off)")
    parser.add_argument(
        "--neo4j-pid",
        type=int,
        help="the Neo4j server's pid: its CPU per request too (/proc; a shared server's "
        "other clients count as well)",
    )
    parser.add_argument(
        "--questdb-pid",
        type=int,
        help="the QuestDB server's pid: its CPU per request too (/proc; a shared server's "
        "other clients count as well)",
    )
    parser.add_argument("--questdb-http", default="127.0.0.1:19000", help="QuestDB HTTP")
    parser.add_argument("--questdb-pg", default="127.0.0.1:18812", help="QuestDB PG wire")
    parser.add_argument(
        "--questdb-read-cache",
        type=int,
        default=QuestDBHistorySettings().read_cache,
        help="QuestDBHistorySettings.read_cache of the servers (0: off)",
    )
    parser.add_argument("--skip-neo4j", action="store_true", help="in-process store only")
    parser.add_argument("--skip-memory", action="store_true", help="Neo4j only")
    parser.add_argument(
        "--skip-neo4j-graphql", action="store_true", help="no @neo4j/graphql side by side"
    )
    parser.add_argument(
        "--only-side-by-side",
        action="store_true",
        help="on Neo4j, only ours beside @neo4j/graphql (with --skip-memory: that alone)",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="LABEL",
        help="only the cases whose label contains one of these (ignoring case; e.g. floor live), "
        "and not the unshared server's (unless --with-unshared)",
    )
    parser.add_argument(
        "--with-unshared",
        action="store_true",
        help="with --only: the chosen history and signals(at:) cases on the unshared server too",
    )
    parser.add_argument("--serve", choices=["memory", "neo4j"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--snapshot", help=argparse.SUPPRESS)
    parser.add_argument("--unshared-history", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--history", help=argparse.SUPPRESS)
    parser.add_argument("--namespace", help=argparse.SUPPRESS)
    return parser


def _neo4j(data: Data, plant: SyntheticPlant, args: argparse.Namespace, workdir: Path) -> bool:
    """The Neo4j run: a fresh label prefix and QuestDB table prefix, both dropped at the end."""
    namespace = f"bench_{uuid.uuid4().hex[:12]}"
    host, http = args.questdb_http.rsplit(":", 1)
    pg = int(args.questdb_pg.rsplit(":", 1)[1])
    quest = {"host": host, "http_port": int(http), "pg_port": pg, "prefix": namespace}
    # the baseline reads each time (no read cache); the servers keep ``--questdb-read-cache``
    history = QuestDBHistoryStore(QuestDBHistorySettings(**quest, read_cache=0))
    served = json.dumps({**quest, "read_cache": args.questdb_read_cache})
    neo = Neo4jStore(Neo4jStoreSettings(uri=args.neo4j_uri, namespace=namespace))
    try:
        fill_graph(neo, plant)
        return run_store("neo4j", data, neo, history, served, args, workdir, namespace)
    finally:
        _drop(args.neo4j_uri, namespace)
        dropper = QuestDBHistoryStore(QuestDBHistorySettings(**quest))
        dropper.drop_tables()
        dropper.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.serve:
        return serve(args)
    if args.twins < 100 or min(args.clients, args.requests, args.repeat, args.workers) < 1:
        parser.error("--twins must be >= 100; --clients, --requests, --repeat, --workers >= 1")

    plant = generate_plant(args.twins)
    data = choose(plant, args.subtree)
    ok = True
    with tempfile.TemporaryDirectory(prefix="bench-graphql-") as tmp:
        workdir = Path(tmp)
        memory = MemoryStore(snapshot=workdir / "graph.snapshot")
        fill_graph(memory, plant)
        first = memory.descendants(data.parent_1000, first=AS_OF_TWINS).items
        data = dataclasses.replace(data, as_of_twins=tuple(first))
        print(
            f"plant: {len(plant.twins):,} twins; history of {data.machine}; subtree "
            f"{data.subtree} ({data.subtree_size:,} twins); as-of twins under {data.parent_1000}; "
            f"side by side: children of {data.with_children}, 3 levels under {data.three_levels}"
        )
        if args.skip_memory:
            memory.close()
        else:
            path = workdir / "history-memory.duckdb"
            history = open_history_store(DuckDBHistorySettings(path=path))
            ok = run_store("memory", data, memory, history, str(path), args, workdir, None) and ok
        if not args.skip_neo4j:
            ok = _neo4j(data, plant, args, workdir) and ok
    print("answers equal to the baselines" if ok else "ERRORS or ANSWERS DIFFER (see above)")
    return 0 if ok else 1


def _drop(uri: str, namespace: str) -> None:
    import neo4j

    from benchmarks._neo4j_raw import drop_namespace

    with neo4j.GraphDatabase.driver(uri, auth=None) as driver:
        drop_namespace(driver, namespace)


if __name__ == "__main__":
    sys.exit(main())
