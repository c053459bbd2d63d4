"""The ingest fusion kernel and the worker end to end, each beside a baseline doing the same work.

    python -m benchmarks.ingest [--samples 1000000] [--twins 100000] [--runs 3] [--clock cpu]
    python -m benchmarks.ingest --kafka 127.0.0.1:19092 [--records 2000]

(a) **Kernel**, in-memory frames: ``FusionKernel.fuse`` + ``commit`` (validate,
    order by event time, deduplicate, last value per key, deadband, the mode
    machine, events) over batches of nearly time-ordered samples (1 % out of
    order, 0.1 % duplicated, 0.1 % out of range), warm (after one batch).
    Baseline: the same rules written as a plain Python loop per sample (a dict
    of state per key, a dict transition table). Both must end with the same
    state, the same history row count, the same rejects and the same number of
    mode events, else the exit code is 1. Target: >= 20 M samples/s.
(b) **End to end from the real Kafka** (with ``--kafka``): records of 100
    samples (JSON columns) produced to a fresh topic, then the worker
    (``KafkaSource`` -> decode -> fuse -> DuckDB history + in-process graph
    store -> commit offsets), cold start included. Baseline: the per-event
    agent pattern (for each sample: lock the twin, get its state, transition,
    set the state, append to history) on plain aiokafka into the same kind of
    stores, over a prefix of the records (it is slow). Both must end with the
    state the generator says, else the exit code is 1. Target: >= 1 M
    samples/s.
(c) **Peers** (with ``--kafka`` and ``--peers``): ours, the faust-streaming
    per-event agent of article 001 and an idiomatic quixstreams job on one
    topic, each into its own stores; all must read back the same state and
    history. (e) **Neo4j + QuestDB** (``--stores neo4j+questdb``): ours into
    the real servers, with the Neo4j writes per batch counted. See
    ``benchmarks/_ingest_peers``.

Figures are wall seconds (min and median of ``--runs``) on a shared machine;
``--clock cpu`` times (a) in this process's CPU seconds instead, steadier when
other jobs load the machine. (b) is always wall time.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

from benchmarks._ingest_peers import add_options as add_peer_options
from benchmarks._ingest_peers import run_sections as run_peer_sections
from ingest.frame import Frame
from ingest.pipeline import (
    FusionKernel,
    FusionState,
    Pipeline,
    SignalTable,
    commit,
    pipeline_from_document,
)

T0_US = 1_767_225_600_000_000
CLOCKS: dict[str, Callable[[], float]] = {"wall": time.perf_counter, "cpu": time.process_time}
"""Clocks for (a): wall seconds, or this process's CPU seconds (steadier on a loaded machine)."""
SIGNALS = ("speed", "temperature", "faultCode", "pressure", "vibration")
PIPELINE: dict[str, Any] = {
    "version": "bench-1",
    "time": {"max_future": 10 * 365 * 86400, "allowed_lateness": 10 * 365 * 86400},
    "signals": {
        "speed": {"range": [0, 10000]},
        "temperature": {"range": [-50, 400], "deadband": 0.05},
        "faultCode": {"range": [0, 1000]},
        "pressure": {"range": [0, 100]},
        "vibration": {"range": [0, 100]},
    },
    "mode": {
        "signal": "mode",
        "states": ["STOP", "IDLE", "RUNNING", "FAULT"],
        "initial": "STOP",
        "rules": [
            {"when": "faultCode", "op": "ne", "value": 0, "symbol": "fault"},
            {"when": "faultCode", "op": "eq", "value": 0, "symbol": "clear"},
            {"when": "speed", "op": "gt", "value": 0, "symbol": "turning"},
            {"when": "speed", "op": "le", "value": 0, "symbol": "still"},
        ],
        "transitions": [
            {"from": "*", "symbol": "fault", "to": "FAULT"},
            {"from": "FAULT", "symbol": "clear", "to": "IDLE"},
            {"from": ["STOP", "IDLE"], "symbol": "turning", "to": "RUNNING"},
            {"from": "RUNNING", "symbol": "still", "to": "IDLE"},
        ],
    },
}


# ------------------------------------------------------------------ the data
@dataclass(frozen=True, slots=True)
class Columns:
    twin: npt.NDArray[np.int32]
    signal: npt.NDArray[np.int32]
    time: npt.NDArray[np.int64]
    value: npt.NDArray[np.float64]


def make_batches(samples: int, twins: int, batches: int, seed: int = 1) -> list[Columns]:
    """Nearly time-ordered samples: 1 % late by up to 1 s, 0.1 % duplicated, 0.1 % impossible."""
    rng = np.random.default_rng(seed)
    per = samples // batches
    out = []
    for b in range(batches):
        twin = rng.integers(0, twins, per).astype(np.int32)
        signal = rng.integers(0, len(SIGNALS), per).astype(np.int32)
        time = T0_US + (b * per + np.arange(per)) * 10
        late = rng.random(per) < 0.01
        time[late] -= rng.integers(1, 1_000_000, int(late.sum()))
        value = np.where(signal == 0, rng.choice([0.0, 1500.0], per, p=[0.02, 0.98]), 0.0)
        value = np.where(signal == 1, 60 + rng.standard_normal(per), value)
        value = np.where(signal == 2, rng.choice([0.0, 7.0], per, p=[0.995, 0.005]), value)
        value = np.where(signal == 3, 6 + 0.1 * rng.standard_normal(per), value)
        value = np.where(signal == 4, np.abs(1 + 0.2 * rng.standard_normal(per)), value)
        value[rng.random(per) < 0.001] = 1e9  # impossible physics
        dup = np.flatnonzero(rng.random(per) < 0.001)
        twin[dup[1:]], signal[dup[1:]], time[dup[1:]] = (
            twin[dup[:-1]],
            signal[dup[:-1]],
            time[dup[:-1]],
        )
        value[dup[1:]] = value[dup[:-1]]
        out.append(Columns(twin, signal, time.astype(np.int64), value))
    return out


def as_frame(c: Columns, twin_names: tuple[str, ...]) -> Frame:
    n = int(c.time.shape[0])
    return Frame(
        twin=c.twin,
        signal=c.signal,
        time=c.time,
        value=c.value,
        kind=np.zeros(n, dtype=np.uint8),
        text=np.empty(n, dtype=object),
        quality=np.zeros(n, dtype=np.uint8),
        position=np.arange(n, dtype=np.int64),
        twins=twin_names,
        signals=SIGNALS,
    )


# ------------------------------------------------------------ (a) the kernel
@dataclass
class Answer:
    history_rows: int
    rejects: dict[str, int]
    events: int
    state: dict[tuple[int, int], float]


def run_kernel(
    pipeline: Pipeline, batches: list[Columns], twins: int, clock: str = "wall"
) -> tuple[list[float], Answer]:
    now = CLOCKS[clock]
    signals = SignalTable(pipeline)
    kernel = FusionKernel(pipeline, signals)
    state = FusionState(len(signals.names))
    state.ensure_twins(twins)
    names = tuple(f"t{i}" for i in range(twins))
    twin_map = np.arange(twins, dtype=np.int32)
    retired = np.zeros(twins, dtype=bool)
    signal_map = np.array([signals.index[s] for s in SIGNALS], dtype=np.int32)
    one, zero = np.ones(len(SIGNALS)), np.zeros(len(SIGNALS))
    frames = [as_frame(c, names) for c in batches]
    seconds: list[float] = []
    rows = events = 0
    rejects: dict[str, int] = {}
    for frame in frames:
        started = now()
        fused = kernel.fuse(frame, twin_map, retired, signal_map, one, zero, state, T0_US)
        commit(kernel, fused, state)
        seconds.append(now() - started)
        rows += len(fused.time)
        events += len(fused.events) + len(fused.moves)
        for reason, count in fused.reject_counts().items():
            rejects[reason] = rejects.get(reason, 0) + count
    keys = np.flatnonzero(state.state_time != np.iinfo(np.int64).min)
    final = {
        (int(k // state.signals), int(k % state.signals)): float(state.state_value[k])
        for k in keys
        if int(k % state.signals) < len(SIGNALS)
    }
    return seconds, Answer(rows, rejects, events, final)


def python_baseline(
    pipeline: Pipeline, batches: list[Columns], clock: str = "wall"
) -> tuple[list[float], Answer]:
    """The same rules, one sample at a time, in plain Python."""
    now = CLOCKS[clock]
    spec = pipeline.mode
    assert spec is not None
    low = [s.low for s in pipeline.signals]
    high = [s.high for s in pipeline.signals]
    band = [s.deadband for s in pipeline.signals]
    index = {s.name: i for i, s in enumerate(pipeline.signals)}
    rule_signal = [index[r.when] for r in spec.rules]
    symbol_of = {s: i for i, s in enumerate(spec.symbols)}
    table = spec.next_state
    seen: dict[tuple[int, int], int] = {}
    state: dict[tuple[int, int], tuple[int, float]] = {}
    mode: dict[int, int] = {}
    mode_time: dict[int, int] = {}
    watermark = -(2**63)
    rows = events = 0
    rejects: dict[str, int] = {}
    seconds = []
    lateness = round(pipeline.allowed_lateness_s * 1e6)
    for c in batches:
        started = now()
        twin, signal, at, value = (
            c.twin.tolist(),
            c.signal.tolist(),
            c.time.tolist(),
            c.value.tolist(),
        )
        ok = []
        for i in range(len(at)):
            s = signal[i]
            v = value[i]
            if v != v or v in (float("inf"), float("-inf")):
                rejects["not_finite"] = rejects.get("not_finite", 0) + 1
            elif v < low[s] or v > high[s]:
                rejects["out_of_range"] = rejects.get("out_of_range", 0) + 1
            else:
                ok.append(i)
        if ok:
            watermark = max(watermark, max(at[i] for i in ok))
        ordered = sorted(
            (i for i in ok if at[i] >= watermark - lateness),
            key=lambda i: (at[i], twin[i], signal[i]),
        )
        done: set[tuple[int, int, int]] = set()
        newest: dict[tuple[int, int], int] = {}
        for i in ordered:
            key3 = (twin[i], signal[i], at[i])
            if key3 in done:
                rejects["duplicate"] = rejects.get("duplicate", 0) + 1
                continue
            done.add(key3)
            rows += 1
            newest[(twin[i], signal[i])] = i
            for r, rule in enumerate(spec.rules):
                if signal[i] != rule_signal[r]:
                    continue
                hit = {
                    "ne": value[i] != rule.value,
                    "eq": value[i] == rule.value,
                    "gt": value[i] > rule.value,
                    "le": value[i] <= rule.value,
                }[rule.op]
                if hit:
                    t = twin[i]
                    if at[i] >= mode_time.get(t, -(2**63)):
                        before = mode.get(t, spec.states.index(spec.initial))
                        after = table[before][symbol_of[rule.symbol]]
                        mode[t] = after
                        if after != before:
                            events += 1
                            mode_time[t] = at[i]
                    break
        for key, i in newest.items():
            if at[i] > seen.get(key, -(2**63)):
                old = state.get(key)
                if old is None or abs(value[i] - old[1]) > band[key[1]]:
                    state[key] = (at[i], value[i])
                seen[key] = at[i]
        seconds.append(now() - started)
    final = {key: v for key, (_, v) in state.items()}
    return seconds, Answer(rows, rejects, events, final)


def kernel_section(samples: int, twins: int, runs: int, clock: str = "wall") -> bool:
    pipeline = pipeline_from_document(PIPELINE)
    print(
        f"(a) fusion kernel, in-memory frames: {samples:,} samples over {twins:,} twins x "
        f"{len(SIGNALS)} signals, batches of {samples // 5:,}; warm (first batch not counted); "
        f"{clock} seconds"
    )
    ours: list[float] = []
    theirs: list[float] = []
    same = True
    for run in range(runs):
        batches = make_batches(samples, twins, 6, seed=run + 1)
        k_seconds, k_answer = run_kernel(pipeline, batches, twins, clock)
        b_seconds, b_answer = (
            python_baseline(pipeline, batches, clock) if run == 0 else ([], k_answer)
        )
        ours.append(sum(k_seconds[1:]))
        if b_seconds:
            theirs.append(sum(b_seconds[1:]))
        if k_answer != b_answer:
            same = False
            print(
                f"  run {run}: kernel {k_answer.history_rows} rows, {k_answer.rejects}, "
                f"{k_answer.events} events; baseline {b_answer.history_rows} rows, "
                f"{b_answer.rejects}, {b_answer.events} events; "
                f"state equal: {k_answer.state == b_answer.state}"
            )
    counted = samples - samples // 6
    k_min, k_med = counted / max(ours), counted / statistics.median(ours)
    k_best = counted / min(ours)
    b_rate = counted / theirs[0]
    print(
        f"  kernel:   {k_best / 1e6:6.1f} M samples/s best, {k_med / 1e6:6.1f} M/s median, "
        f"{k_min / 1e6:6.1f} M/s worst of {runs} runs   (target >= 20 M/s)"
    )
    print(f"  baseline: {b_rate / 1e6:6.2f} M samples/s (plain Python loop, same rules, run 1)")
    print(f"  same answer (history rows, rejects, events, state): {'yes' if same else 'NO'}")
    return same


# ------------------------------------------------------- (b) end to end, Kafka
def kafka_section(bootstrap: str, records: int, per_record: int, twins: int) -> bool:
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    from ingest.codecs import JsonCodec
    from ingest.pipeline import Fusion
    from ingest.sources import KafkaSource, KafkaSourceSettings
    from ingest.worker import BatchCommitter, Worker, WorkerSettings
    from ontology import Lifecycle, MemoryStore, SignalUpdate, TwinSpec
    from ontology.history import DuckDBHistoryStore

    model = (
        '{"@context": "dtmi:dtdl:context;3", "@id": "dtmi:bench:Machine;1", '
        '"@type": "Interface", "contents": []}'
    )

    def plant() -> MemoryStore:
        store = MemoryStore()
        store.add_models([model], principal="bench")
        specs = [
            TwinSpec(f"t{i}", "dtmi:bench:Machine;1", lifecycle=Lifecycle.ACTIVE)
            for i in range(twins)
        ]
        store.upsert_twins(specs, principal="bench")
        return store

    rng = np.random.default_rng(7)
    payloads: list[tuple[str, bytes]] = []
    expected: dict[tuple[str, str], float] = {}
    for r in range(records):
        twin = f"t{r % twins}"
        names = ["pressure"] * per_record
        times = [T0_US // 1000 + r * per_record + j for j in range(per_record)]
        values = np.round(6 + rng.standard_normal(per_record), 3).tolist()
        doc = {"columns": {"twin": twin, "signal": names, "time": times, "value": values}}
        payloads.append((twin, orjson.dumps(doc)))
        expected[(twin, "pressure")] = values[-1]
    total = records * per_record
    topic = f"bench_{uuid.uuid4().hex[:12]}"

    async def setup() -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            await admin.create_topics([NewTopic(topic, 1, 1)])
        finally:
            await admin.close()
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=20)
        await producer.start()
        try:
            for key, value in payloads:
                await producer.send(topic, value, key=key.encode())
            await producer.flush()
        finally:
            await producer.stop()

    async def teardown() -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            await admin.delete_topics([topic])
        finally:
            await admin.close()

    asyncio.run(setup())
    print(
        f"(b) end to end from Kafka {bootstrap}: {records:,} records x {per_record} samples "
        f"(JSON columns) = {total:,} samples, {twins} twins; cold start included"
    )
    try:
        graph, history = plant(), DuckDBHistoryStore()
        pipeline = pipeline_from_document(PIPELINE)
        source = KafkaSource(KafkaSourceSettings(bootstrap, topic, group=f"{topic}-g"), history)
        committer = BatchCommitter(
            fusion=Fusion(pipeline, graph),
            graph=graph,
            history=history,
            feed=None,
            codec=JsonCodec(),
            feed_name="bench",
            principal="bench",
        )
        worker = Worker(source, committer, WorkerSettings(max_records=2000, fetch_timeout_s=0.05))

        async def ingest() -> tuple[float, float, int]:
            started = time.perf_counter()
            running = asyncio.ensure_future(worker.run())
            first_at, first_samples = 0.0, 0
            while worker.stats.samples_in < total:
                if running.done():
                    running.result()
                if not first_at and worker.stats.batches:
                    first_at, first_samples = time.perf_counter(), worker.stats.samples_in
                await asyncio.sleep(0.01)
            done = time.perf_counter()
            worker.stop()
            await running
            return done - started, done - (first_at or started), total - first_samples

        seconds, warm_seconds, warm_samples = asyncio.run(ingest())
        ours_ok = all(graph.get_signals(t)[s].value == v for (t, s), v in expected.items())
        warm = warm_samples / warm_seconds if warm_seconds > 0 else float("nan")
        print(
            f"  worker:   {total / seconds:,.0f} samples/s cold ({seconds:.2f} s, group "
            f"join included), {warm:,.0f}/s after the first batch   (target >= 1 M/s)"
        )

        # the per-event agent, over a prefix of the records
        prefix = max(1, min(records, 500 // per_record))
        agent_graph, agent_history = plant(), DuckDBHistoryStore()
        locks: dict[str, threading.Lock] = {}

        async def agent() -> float:
            consumer = AIOKafkaConsumer(
                topic,
                bootstrap_servers=bootstrap,
                group_id=None,
                auto_offset_reset="earliest",
                enable_auto_commit=False,
            )
            await consumer.start()
            started = time.perf_counter()
            seen = 0
            try:
                async for message in consumer:
                    doc = orjson.loads(message.value)["columns"]
                    twin = doc["twin"]
                    for name, at, value in zip(
                        doc["signal"], doc["time"], doc["value"], strict=True
                    ):
                        with locks.setdefault(twin, threading.Lock()):
                            current = agent_graph.get_signals(twin).get(name)
                            moment = _moment(at)
                            if current is None or current.time < moment:
                                agent_graph.set_signals([SignalUpdate(twin, name, value, moment)])
                            _append(agent_history, twin, name, at, value)
                    seen += 1
                    if seen >= prefix:
                        break
            finally:
                await consumer.stop()
            return time.perf_counter() - started

        agent_seconds = asyncio.run(agent())
        agent_samples = prefix * per_record
        want = {}
        for r in range(prefix):
            want[(f"t{r % twins}", "pressure")] = orjson.loads(payloads[r][1])["columns"]["value"][
                -1
            ]
        agent_ok = all(agent_graph.get_signals(t)[s].value == v for (t, s), v in want.items())
        print(
            f"  baseline: {agent_samples / agent_seconds:,.0f} samples/s (per-event "
            f"agent, plain aiokafka, {agent_samples:,} samples)"
        )
        print(
            f"  same answer as the generator (final state): worker {'yes' if ours_ok else 'NO'}, "
            f"agent {'yes' if agent_ok else 'NO'}"
        )
        history.close()
        agent_history.close()
        return ours_ok and agent_ok
    finally:
        asyncio.run(teardown())


def _moment(ms: int) -> Any:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ms / 1000, UTC)


def _append(history: Any, twin: str, signal: str, ms: int, value: float) -> None:
    from ontology.history import TIME_DTYPE, Batch, Samples

    names = np.array([twin], dtype=object)
    samples = Samples(
        twin=names,
        signal=np.array([signal], dtype=object),
        time=np.array([ms * 1000], dtype=np.int64).view(TIME_DTYPE),
        value=np.array([value]),
    )
    batch = Batch(
        id=uuid.uuid4().hex,
        sources=(),
        received_at=_moment(ms),
        pipeline_version="agent",
        model_versions=(),
        principal="agent",
        count_in=1,
        accepted=1,
    )
    history.write_batch(batch, samples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.ingest",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--twins", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--kafka", metavar="HOST:PORT", help="also run (b) against this broker")
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--per-record", type=int, default=100)
    parser.add_argument(
        "--clock",
        choices=sorted(CLOCKS),
        default="wall",
        help="(a) in wall seconds or in this process's CPU seconds (steadier under load)",
    )
    add_peer_options(parser)  # (c) and (e): benchmarks/_ingest_peers
    args = parser.parse_args(argv)
    if args.samples < 600 or args.twins < 1 or args.runs < 1 or args.records < 1:
        parser.error("--samples must be >= 600, --twins, --runs and --records >= 1")
    ok = kernel_section(args.samples, args.twins, args.runs, args.clock)
    if args.kafka:
        ok = kafka_section(args.kafka, args.records, args.per_record, min(args.twins, 1000)) and ok
    ok = run_peer_sections(parser, args, min(args.twins, 1000), args.runs) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
