"""The ingest fusion kernel and the worker end to end, each beside a baseline doing the same work.

    python -m benchmarks.ingest [--samples 1000000] [--twins 100000] [--runs 3] [--clock cpu]
        [--kernel-threads 2]
    python -m benchmarks.ingest --kafka 127.0.0.1:19092 [--records 2000] [--kafka-runs 3]
    python -m benchmarks.ingest --split [--records 6000] [--singles 600000]
    python -m benchmarks.ingest --kafka 127.0.0.1:19092 --latency 100000
    python -m benchmarks.ingest --memory 50000

(a) **Kernel**, in-memory frames: ``FusionKernel.fuse`` + ``commit`` (validate,
    order by event time, deduplicate, last value per key, deadband, the mode
    machine, events) over batches of nearly time-ordered samples (1 % out of
    order, 0.1 % duplicated, 0.1 % out of range), warm (after one batch); the
    compiled loops on one thread, the same on ``--kernel-threads`` threads and
    the numpy steps (``compiled=False``), each run starting with the next of
    the three, and the compiled kernel's compile (or cache load) time. Each is
    timed by ``--clock`` (cpu: summed over the process's threads) and by the
    wall clock, the one that shows what threads gain (on a quiet machine).
    Baseline: the same rules written as a plain Python loop per sample (a dict
    of state per key, a dict transition table). Both must end with the same
    state, the same history row count, the same rejects and the same number of
    mode events, else the exit code is 1. Target: >= 20 M samples/s.
(b) **End to end from the real Kafka** (with ``--kafka``): three feeds, each
    produced to a fresh topic: records of 100 samples as JSON columns, the same
    samples as columnar records (Arrow IPC, ``content-type`` header), and one
    JSON sample a record (``--singles``); then the worker (``KafkaSource`` ->
    decode -> fuse -> DuckDB history + in-process graph store -> commit
    offsets), cold start included, ``--kafka-runs`` times. Baseline: the
    per-event agent pattern (for each sample: lock the twin, get its state,
    transition, set the state, append to history) on plain aiokafka into the
    same kind of stores, over a prefix of the records (it is slow). All must
    end with the state the generator says, else the exit code is 1. Targets:
    >= 1 M samples/s (100 a record), >= 200 k/s (one JSON sample a record).
    ``--split``: the same records committed without Kafka, CPU time per sample
    by step.
(d) ``--latency N`` (with ``--kafka``): sample-to-visible latency at N samples/s
    paced, beside a plain consumer's delivery latency (``_ingest_latency``).
(f) ``--memory TWINS``: memory per million keys, the kernel's state beside the
    plain-Python loop's dicts (``_ingest_memory``).
(c) **Peers** (with ``--kafka`` and ``--peers``): ours, the faust-streaming
    per-event agent of article 001 and an idiomatic quixstreams job on one
    topic, each into its own stores; all must read back the same state and
    history. (e) **Neo4j + QuestDB** (``--stores neo4j+questdb``): ours into
    the real servers, with the Neo4j writes per batch counted. See
    ``benchmarks/_ingest_peers``.

Figures are wall seconds (min and median of ``--runs``) on a shared machine;
``--clock cpu`` times (a) in this process's CPU seconds instead, steadier when
other jobs load the machine. (b) and (d) are always wall time.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import resource
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
from benchmarks._ingest_peers._stores import append_one
from benchmarks._ingest_peers._stores import moment as to_moment
from ingest.frame import Frame
from ingest.pipeline import (
    FusionKernel,
    FusionState,
    Pipeline,
    SignalTable,
    commit,
    pipeline_from_document,
)
from ingest.worker import tune_collector

T0_US = 1_767_225_600_000_000
CLOCKS: dict[str, Callable[[], float]] = {"wall": time.perf_counter, "cpu": time.process_time}
"""Clocks for (a): wall seconds, or this process's CPU seconds (steadier on a loaded machine)."""
BATCH_SAMPLES = 200_000
"""(b): the worker's records per fetch are set to take about this many samples."""
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


KERNEL_BATCHES = 6
"""(a)'s batches a run: the first warms the kernel and is not counted; the rates "from the
third batch on" leave the second out too."""


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
    pipeline: Pipeline,
    batches: list[Columns],
    twins: int,
    clock: str = "wall",
    keep: list[object] | None = None,
    compiled: bool = True,
    threads: int = 1,
    wall: list[float] | None = None,
    caller: list[float] | None = None,
    faults: list[int] | None = None,
) -> tuple[list[float], Answer]:
    """``keep``: the kernel's state is appended to it (for (f), which measures it);
    ``compiled``: the numba loops, else the numpy steps; ``threads``: the compiled loops'
    threads; ``wall``, ``caller``: each batch's wall seconds and CPU seconds of the calling
    thread alone are appended to them (whatever ``clock``); ``faults``: each batch's page
    faults (the process's, ``ru_minflt``: first touches of fresh memory)."""
    now = CLOCKS[clock]
    signals = SignalTable(pipeline)
    kernel = FusionKernel(pipeline, signals, compiled=compiled, threads=threads)
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
        faulted = _faults()
        started, wall_started, mine = now(), time.perf_counter(), time.thread_time()
        fused = kernel.fuse(frame, twin_map, retired, signal_map, one, zero, state, T0_US)
        commit(kernel, fused, state)
        seconds.append(now() - started)
        if wall is not None and caller is not None:
            wall.append(time.perf_counter() - wall_started)
            caller.append(time.thread_time() - mine)
        if faults is not None:
            faults.append(_faults() - faulted)
        rows += len(fused.time)
        events += len(fused.events) + len(fused.moves)
        for reason, count in fused.reject_counts().items():
            rejects[reason] = rejects.get(reason, 0) + count
    if keep is not None:  # (f) measures the state: the answer's is made after, by the caller
        keep.append(state)
        keep.append(kernel.mapped_bytes)  # mapped blocks: tracemalloc does not see them
        return seconds, Answer(rows, rejects, events, {})
    return seconds, Answer(rows, rejects, events, kernel_state(state))


def _faults() -> int:
    """This process's minor page faults so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def kernel_state(state: FusionState) -> dict[tuple[int, int], float]:
    """The kernel's state values as the baseline holds them: (twin, signal) -> value."""
    keys = np.flatnonzero(state.state_time != np.iinfo(np.int64).min)
    return {
        (int(k // state.signals), int(k % state.signals)): float(state.state_value[k])
        for k in keys
        if int(k % state.signals) < len(SIGNALS)
    }


def python_baseline(
    pipeline: Pipeline,
    batches: list[Columns],
    clock: str = "wall",
    keep: list[object] | None = None,
) -> tuple[list[float], Answer]:
    """The same rules, one sample at a time, in plain Python (``keep``: its state dicts)."""
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
    if keep is not None:  # (f): the answer's state is made after, by the caller
        keep.extend((state, seen, mode, mode_time))
        return seconds, Answer(rows, rejects, events, {})
    final = {key: v for key, (_, v) in state.items()}
    return seconds, Answer(rows, rejects, events, final)


@dataclass(frozen=True, slots=True)
class Variant:
    """One kernel of (a): how it is made, and what its lines say."""

    name: str
    compiled: bool
    threads: int
    note: str


def kernel_section(
    samples: int, twins: int, runs: int, clock: str = "wall", threads: int = 2
) -> bool:
    pipeline = pipeline_from_document(PIPELINE)
    print(
        f"(a) fusion kernel, in-memory frames: {samples:,} samples over {twins:,} twins x "
        f"{len(SIGNALS)} signals, batches of {samples // KERNEL_BATCHES:,}; "
        "warm (first batch not counted); "
        f"{clock} seconds (cpu: this process's, summed over its threads), and wall seconds"
    )
    started = time.perf_counter()
    compile_seconds = FusionKernel(pipeline, SignalTable(pipeline)).compile_seconds
    print(
        f"  compiled kernel: compiled or loaded from numba's cache in {compile_seconds:.2f} s "
        f"wall ({time.perf_counter() - started:.2f} s with the kernel's set-up), once per process"
    )
    variants = [
        Variant("kernel, 1 thread", True, 1, "compiled loops on one thread; target >= 20 M/s"),
        Variant(
            f"kernel, {threads} threads",
            True,
            threads,
            f"the same loops on {threads} threads (--kernel-threads)",
        ),
        Variant("numpy", False, 1, "the numpy steps, FusionKernel(compiled=False)"),
    ]
    if threads == 1:
        del variants[1]
    timed: dict[str, list[float]] = {v.name: [] for v in variants}
    walls: dict[str, list[float]] = {v.name: [] for v in variants}
    callers: dict[str, list[float]] = {v.name: [] for v in variants}
    steady: dict[str, list[tuple[float, float]]] = {v.name: [] for v in variants}
    faults: dict[str, list[list[int]]] = {v.name: [] for v in variants}
    theirs: list[float] = []
    same = True
    for run in range(runs):
        batches = make_batches(samples, twins, KERNEL_BATCHES, seed=run + 1)
        answers: dict[str, Answer] = {}
        for at in range(len(variants)):  # each run starts with the next variant
            v = variants[(run + at) % len(variants)]
            wall: list[float] = []
            caller: list[float] = []
            faulted: list[int] = []
            k_seconds, answers[v.name] = run_kernel(
                pipeline, batches, twins, clock, compiled=v.compiled, threads=v.threads,
                wall=wall, caller=caller, faults=faulted,
            )  # fmt: skip
            timed[v.name].append(sum(k_seconds[1:]))
            walls[v.name].append(sum(wall[1:]))
            callers[v.name].append(sum(caller[1:]))
            steady[v.name].append((sum(k_seconds[2:]), sum(wall[2:])))
            faults[v.name].append(faulted)
        k_answer = answers[variants[0].name]
        b_seconds, b_answer = (
            python_baseline(pipeline, batches, clock) if run == 0 else ([], k_answer)
        )
        if b_seconds:
            theirs.append(sum(b_seconds[1:]))
        for name, answer in answers.items():
            if answer != b_answer:
                same = False
                print(
                    f"  run {run}: {name} {answer.history_rows} rows, {answer.rejects}, "
                    f"{answer.events} events; baseline {b_answer.history_rows} rows, "
                    f"{b_answer.rejects}, {b_answer.events} events; "
                    f"state equal: {answer.state == b_answer.state}"
                )
    counted = samples - samples // KERNEL_BATCHES  # the first batch not counted
    for v in variants:
        rates = [counted / s / 1e6 for s in timed[v.name]]
        wall_rates = [counted / s / 1e6 for s in walls[v.name]]
        print(
            f"  {v.name + ':':20} {max(rates):6.1f} M samples/s best, "
            f"{statistics.median(rates):6.1f} M/s median, {min(rates):6.1f} M/s worst of {runs} "
            f"runs ({clock}); wall {max(wall_rates):.1f} best, "
            f"{statistics.median(wall_rates):.1f} median   ({v.note})"
        )
        if v.compiled:
            _print_steady(
                samples // KERNEL_BATCHES * (KERNEL_BATCHES - 2),
                steady[v.name],
                faults[v.name],
                clock,
            )
        if v.threads > 1:
            mine = [counted / s / 1e6 for s in callers[v.name]]
            print(
                f"  {'':20} the calling thread's CPU seconds alone: {max(mine):.1f} M/s best, "
                f"{statistics.median(mine):.1f} median (not a wall time: the other threads' "
                "work overlaps it, and no run's wall time is shorter)"
            )
    b_rate = counted / theirs[0]
    print(f"  baseline: {b_rate / 1e6:6.2f} M samples/s (plain Python loop, same rules, run 1)")
    print(f"  same answer (history rows, rejects, events, state): {'yes' if same else 'NO'}")
    return same


def _print_steady(
    samples: int, seconds: list[tuple[float, float]], faults: list[list[int]], clock: str
) -> None:
    """(a)'s rates from the third batch on, and the page faults of the second batch and of
    the later ones: a kernel hands out its blocks again once no batch holds them, but the
    benchmark holds a batch while it fuses the next (as the worker does while it writes
    one), so the second batch is the first to touch the kernel's second block."""
    rates = [samples / s / 1e6 for s, _ in seconds]
    wall_rates = [samples / w / 1e6 for _, w in seconds]
    second = statistics.median(f[1] for f in faults)
    later = statistics.median(n for f in faults for n in f[2:])
    print(
        f"  {'':20} from the third batch on: {max(rates):.1f} best, "
        f"{statistics.median(rates):.1f} median ({clock}); wall {max(wall_rates):.1f} best, "
        f"{statistics.median(wall_rates):.1f} median (page faults a batch, median: "
        f"{second:,.0f} the second, first to touch the kernel's second block; {later:,.0f} "
        "the later ones)"
    )


# ------------------------------------------------------- (b) end to end, Kafka
@dataclass(frozen=True, slots=True)
class Feed:
    """One variant of (b): the records to produce and the final state they must leave."""

    name: str
    records: list[tuple[str, bytes]]
    expected: dict[tuple[str, str], float]
    samples: int
    headers: tuple[tuple[str, bytes], ...] = ()


def make_feeds(records: int, per_record: int, twins: int, singles: int) -> list[Feed]:
    """JSON columns, the same samples as columnar records, and one JSON sample per record."""
    from ingest.codecs import ARROW_STREAM, columnar_record

    rng = np.random.default_rng(7)
    as_json: list[tuple[str, bytes]] = []
    as_arrow: list[tuple[str, bytes]] = []
    expected: dict[tuple[str, str], float] = {}
    for r in range(records):
        twin = f"t{r % twins}"
        names = ["pressure"] * per_record
        times = [T0_US // 1000 + r * per_record + j for j in range(per_record)]
        values = np.round(6 + rng.standard_normal(per_record), 3).tolist()
        doc = {"columns": {"twin": twin, "signal": names, "time": times, "value": values}}
        as_json.append((twin, orjson.dumps(doc)))
        as_arrow.append(
            (twin, columnar_record(twin=twin, signal=names, time_ms=times, value=values))
        )
        expected[(twin, "pressure")] = values[-1]
    single: list[tuple[str, bytes]] = []
    single_expected: dict[tuple[str, str], float] = {}
    values = np.round(6 + rng.standard_normal(singles), 3).tolist()
    for i, value in enumerate(values):
        twin = f"t{i % twins}"
        sample = {"signal": "pressure", "time": T0_US // 1000 + i, "value": value}
        single.append((twin, orjson.dumps(sample)))  # keyed by twin
        single_expected[(twin, "pressure")] = value
    total = records * per_record
    return [
        Feed(f"JSON columns, {per_record} samples a record", as_json, expected, total),
        Feed(
            f"columnar (Arrow IPC), {per_record} samples a record",
            as_arrow,
            expected,
            total,
            (("content-type", ARROW_STREAM.encode()),),
        ),
        Feed("JSON, one sample a record", single, single_expected, singles),
    ]


def kafka_section(
    bootstrap: str,
    records: int,
    per_record: int,
    twins: int,
    singles: int,
    runs: int = 1,
    batch_samples: int = BATCH_SAMPLES,
) -> bool:
    from ontology import MemoryStore

    feeds = make_feeds(records, per_record, twins, singles)
    print(
        f"(b) end to end from Kafka {bootstrap} into MemoryStore + DuckDB (in memory), "
        f"{twins} twins, 1 partition; cold = from start (consumer group join included), "
        f"warm = after the first batch; {runs} run(s) each, median (best)"
    )
    ok = True
    for feed in feeds:
        topic = _topic(bootstrap, feed)
        try:
            cold: list[float] = []
            warm: list[float] = []
            right = True
            for _ in range(runs):
                graph = _plant(MemoryStore(), twins)
                c, w, state_ok = _run_worker(bootstrap, topic, feed, graph, batch_samples)
                cold.append(c)
                warm.append(w)
                right = right and state_ok
            ok = ok and right
            print(
                f"  {feed.name}: {feed.samples:,} samples in {len(feed.records):,} records: "
                f"{statistics.median(cold):,.0f}/s cold ({max(cold):,.0f} best), "
                f"{statistics.median(warm):,.0f}/s warm ({max(warm):,.0f} best); "
                f"state as the generator says: {'yes' if right else 'NO'}"
            )
            if feed is feeds[0]:
                ok = _agent(bootstrap, topic, feed, per_record, twins) and ok
        finally:
            _drop_topic(bootstrap, topic)
    print("  targets: >= 1 M samples/s at 100 samples a record, >= 200 k/s at one JSON sample")
    return ok


def _plant(store: Any, twins: int) -> Any:
    from ontology import Lifecycle, TwinSpec

    model = (
        '{"@context": "dtmi:dtdl:context;3", "@id": "dtmi:bench:Machine;1", '
        '"@type": "Interface", "contents": []}'
    )
    store.add_models([model], principal="bench")
    specs = [
        TwinSpec(f"t{i}", "dtmi:bench:Machine;1", lifecycle=Lifecycle.ACTIVE) for i in range(twins)
    ]
    store.upsert_twins(specs, principal="bench")
    return store


def _create_topic(bootstrap: str) -> str:
    """A fresh topic of one partition."""
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    topic = f"bench_{uuid.uuid4().hex[:12]}"

    async def create() -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            await admin.create_topics([NewTopic(topic, 1, 1)])
        finally:
            await admin.close()

    asyncio.run(create())
    return topic


def _topic(bootstrap: str, feed: Feed) -> str:
    from aiokafka import AIOKafkaProducer

    topic = _create_topic(bootstrap)

    async def setup() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=20)
        await producer.start()
        try:
            for key, value in feed.records:
                await producer.send(topic, value, key=key.encode(), headers=list(feed.headers))
            await producer.flush()
        finally:
            await producer.stop()

    asyncio.run(setup())
    return topic


def _drop_topic(bootstrap: str, topic: str) -> None:
    from aiokafka.admin import AIOKafkaAdminClient

    async def teardown() -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            await admin.delete_topics([topic])
        finally:
            await admin.close()

    asyncio.run(teardown())


def worker_codec() -> Any:
    """What ``twinweave ingest`` decodes Kafka records with: by content type, else JSON."""
    from ingest.codecs import ARROW_STREAM, ColumnarCodec, ContentTypeCodec, JsonCodec

    return ContentTypeCodec({ARROW_STREAM: ColumnarCodec()}, JsonCodec())


def make_worker(
    bootstrap: str,
    topic: str,
    graph: Any,
    history: Any,
    change_feed: Any = None,
    max_records: int = 5000,
) -> tuple[Any, Any, Any]:
    """(worker, committer, source) as ``twinweave ingest`` composes them, on these stores."""
    from ingest.sources import KafkaSource, KafkaSourceSettings
    from ingest.worker import Worker, WorkerSettings

    group = f"{topic}-{uuid.uuid4().hex[:6]}"
    source = KafkaSource(KafkaSourceSettings(bootstrap, topic, group=group), history)
    committer = batch_committer(graph, history, change_feed)
    settings = WorkerSettings(max_records=max_records, fetch_timeout_s=0.02)
    return Worker(source, committer, settings), committer, source


def batch_committer(graph: Any, history: Any, change_feed: Any = None) -> Any:
    """The worker's ``BatchCommitter`` over these stores (the pipeline of (a), the codecs of
    ``twinweave ingest``)."""
    from ingest.pipeline import Fusion
    from ingest.worker import BatchCommitter

    return BatchCommitter(
        fusion=Fusion(pipeline_from_document(PIPELINE), graph),
        graph=graph,
        history=history,
        feed=change_feed,
        codec=worker_codec(),
        feed_name="bench",
        principal="bench",
    )


def _committer(twins: int) -> tuple[Any, Any, Any]:
    """(committer, graph, history) as ``make_worker`` composes them, without a source."""
    from ontology import MemoryStore
    from ontology.history import DuckDBHistoryStore

    graph, history = _plant(MemoryStore(), twins), DuckDBHistoryStore()
    return batch_committer(graph, history), graph, history


def _run_worker(
    bootstrap: str, topic: str, feed: Feed, graph: Any, batch_samples: int
) -> tuple[float, float, bool]:
    """One worker from the start of ``topic`` until every sample is in: (cold, warm, right)."""
    from ontology.history import DuckDBHistoryStore

    history = DuckDBHistoryStore()
    max_records = max(1, min(1_000_000, batch_samples * len(feed.records) // feed.samples))
    worker, _, _ = make_worker(bootstrap, topic, graph, history, max_records=max_records)
    total = feed.samples

    async def ingest() -> tuple[float, float, int]:
        started = time.perf_counter()
        running = asyncio.ensure_future(worker.run())
        first_at, first_samples = 0.0, 0
        while worker.stats.samples_in < total:
            if running.done():
                running.result()
            if not first_at and worker.stats.batches:
                first_at, first_samples = time.perf_counter(), worker.stats.samples_in
            await asyncio.sleep(0.005)
        done = time.perf_counter()
        worker.stop()
        await running
        return done - started, done - (first_at or started), total - first_samples

    try:
        seconds, warm_seconds, warm_samples = asyncio.run(ingest())
    finally:
        history.close()
    right = all(graph.get_signals(t)[s].value == v for (t, s), v in feed.expected.items())
    warm = warm_samples / warm_seconds if warm_seconds > 0 and warm_samples else float("nan")
    return total / seconds, warm, right


def _agent(bootstrap: str, topic: str, feed: Feed, per_record: int, twins: int) -> bool:
    """The per-event agent (lock the twin, get, transition, set, append) over a prefix."""
    from aiokafka import AIOKafkaConsumer

    from ontology import MemoryStore, SignalUpdate
    from ontology.history import DuckDBHistoryStore

    prefix = max(1, min(len(feed.records), 500 // per_record))
    agent_graph, agent_history = _plant(MemoryStore(), twins), DuckDBHistoryStore()
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
                for name, at, value in zip(doc["signal"], doc["time"], doc["value"], strict=True):
                    with locks.setdefault(twin, threading.Lock()):
                        current = agent_graph.get_signals(twin).get(name)
                        moment = to_moment(at)
                        if current is None or current.time < moment:
                            agent_graph.set_signals([SignalUpdate(twin, name, value, moment)])
                        append_one(agent_history, twin, name, at, value, who="agent")
                seen += 1
                if seen >= prefix:
                    break
        finally:
            await consumer.stop()
        return time.perf_counter() - started

    agent_seconds = asyncio.run(agent())
    agent_history.close()
    want = {}
    for r in range(prefix):
        want[(f"t{r % twins}", "pressure")] = orjson.loads(feed.records[r][1])["columns"]["value"][
            -1
        ]
    agent_ok = all(agent_graph.get_signals(t)[s].value == v for (t, s), v in want.items())
    print(
        f"  baseline: {prefix * per_record / agent_seconds:,.0f} samples/s (per-event agent on "
        f"plain aiokafka over the first {prefix * per_record:,} JSON-column samples, same kind "
        f"of stores); state as the generator says: {'yes' if agent_ok else 'NO'}"
    )
    return agent_ok


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
        "--singles", type=int, default=100_000, help="(b) one-sample records to produce (100000)"
    )
    parser.add_argument("--kafka-runs", type=int, default=1, help="(b) runs of each feed (1)")
    parser.add_argument(
        "--batch-samples",
        type=int,
        default=BATCH_SAMPLES,
        help=f"(b) about this many samples a batch ({BATCH_SAMPLES})",
    )
    parser.add_argument(
        "--split",
        action="store_true",
        help="(b) without Kafka: the commit path's CPU time per sample by step",
    )
    parser.add_argument(
        "--latency",
        type=int,
        metavar="SAMPLES_PER_S",
        help="(d) with --kafka: sample-to-visible latency at this paced rate (e.g. 100000)",
    )
    parser.add_argument(
        "--latency-seconds", type=float, default=8.0, help="(d) seconds of paced producing (8)"
    )
    parser.add_argument(
        "--memory",
        type=int,
        metavar="TWINS",
        help="(f) peak memory per million keys, over TWINS twins x 5 signals (e.g. 200000)",
    )
    parser.add_argument(
        "--clock",
        choices=sorted(CLOCKS),
        default="wall",
        help="(a) in wall seconds or in this process's CPU seconds (steadier under load)",
    )
    parser.add_argument(
        "--kernel-threads",
        type=int,
        default=2,
        help="(a) threads of the threaded kernel measured beside the one-thread one (2; 1: none)",
    )
    add_peer_options(parser)  # (c) and (e): benchmarks/_ingest_peers
    parser.add_argument(
        "--default-gc",
        action="store_true",
        help="keep CPython's collector thresholds instead of the worker's (tune_collector)",
    )
    args = parser.parse_args(argv)
    if args.samples < 600 or args.twins < 1 or args.runs < 1 or args.records < 1:
        parser.error("--samples must be >= 600, --twins, --runs and --records >= 1")
    if args.singles < 1 or args.kafka_runs < 1 or args.batch_samples < 1:
        parser.error("--singles, --kafka-runs and --batch-samples must be >= 1")
    if not 1 <= args.kernel_threads <= 64:
        parser.error("--kernel-threads must be 1 to 64")
    if args.default_gc:
        print("collector: CPython's default thresholds (--default-gc)")
    else:
        tune_collector()
        print(f"collector: twinweave ingest's setting, thresholds {gc.get_threshold()}")
    ok = kernel_section(args.samples, args.twins, args.runs, args.clock, args.kernel_threads)
    if args.memory:
        from benchmarks._ingest_memory import memory_section

        pipeline = pipeline_from_document(PIPELINE)
        ok = (
            memory_section(
                pipeline,
                run_kernel,
                kernel_state,
                python_baseline,
                make_batches,
                args.memory,
                len(SIGNALS),
                args.runs,
            )
            and ok
        )
    if args.kafka:
        ok = (
            kafka_section(
                args.kafka,
                args.records,
                args.per_record,
                min(args.twins, 1000),
                args.singles,
                args.kafka_runs,
                args.batch_samples,
            )
            and ok
        )
    if args.split:
        from benchmarks._ingest_split import split_section

        twins = min(args.twins, 1000)
        feeds = make_feeds(args.records, args.per_record, twins, args.singles)
        ok = split_section(feeds, args.batch_samples, lambda: _committer(twins)) and ok
    if args.kafka and args.latency:
        from benchmarks._ingest_latency import latency_section

        ok = (
            latency_section(
                args.kafka,
                rate=args.latency,
                per_record=args.per_record,
                seconds=args.latency_seconds,
                twins=min(args.twins, 1000),
                runs=args.runs,
                plant=_plant,
                topic_of=_create_topic,
                drop_topic=_drop_topic,
                make_worker=make_worker,
            )
            and ok
        )
    ok = run_peer_sections(parser, args, min(args.twins, 1000), args.runs) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
