"""Sections (c) and (e) of ``benchmarks/ingest.py``: ours beside the peers; Neo4j + QuestDB.

Every implementation reads the same records from one fresh topic, writes its
own stores of the same kind, then reads them back through the contracts
(``_workload.digest``); the section fails unless every digest equals ours.
Figures are warm: from the first records to the last store write (ours from
the start of the fetch that brought them, the peers from the first record they
process; group join and store opening are not counted), wall seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import neo4j
import orjson
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from benchmarks._ingest_peers._ours import OursResult, run_ours
from benchmarks._ingest_peers._peer import Job
from benchmarks._ingest_peers._stores import StoreSpec
from benchmarks._ingest_peers._venv import ROOT
from benchmarks._ingest_peers._workload import (
    PRE_TWINS,
    SIGNALS,
    Digest,
    Workload,
    differences,
    expected,
)
from benchmarks._neo4j_raw import drop_namespace
from ingest.worker import WorkerSettings
from ontology.history import QuestDBHistoryStore

PEERS = {"faust agent": "faust_agent", "quix job": "quix_job"}
TARGETS = {"faust agent": 30.0, "quix job": 5.0}
EXIT_GRACE_S = 60.0


@dataclass(frozen=True, slots=True)
class PeerResult:
    seconds: float
    samples: int
    store_seconds: float
    digest: Digest


class Topic:
    """A fresh one-partition topic holding the workload's records; removed by :meth:`drop`."""

    def __init__(self, bootstrap: str, work: Workload) -> None:
        self.bootstrap = bootstrap
        self.run_id = f"bench{uuid.uuid4().hex[:10]}"
        self.name = f"{self.run_id}-telemetry"
        asyncio.run(self._fill(work))

    async def _fill(self, work: Workload) -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
        await admin.start()
        try:
            await admin.create_topics([NewTopic(self.name, 1, 1)])
        finally:
            await admin.close()
        producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, acks="all", linger_ms=20)
        await producer.start()
        try:
            for key, value in work.payloads():
                await producer.send(self.name, value, key=key.encode())
            await producer.flush()
        finally:
            await producer.stop()

    def drop(self) -> None:
        """The topic, the peers' internal topics, and the consumer groups of this run."""

        async def main() -> None:
            admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
            await admin.start()
            try:
                # ours, and the peers' internal ones (faust's assignor, quix's changelogs)
                mine = [t for t in await admin.list_topics() if self.run_id in t]
                if mine:
                    await admin.delete_topics(mine)
                groups = [g[0] for g in await admin.list_consumer_groups()]
                ours = [g for g in groups if str(g).startswith(self.run_id)]
                if ours:
                    with contextlib.suppress(Exception):  # best effort: groups expire anyway
                        await admin.delete_consumer_groups(ours)
            finally:
                await admin.close()

        asyncio.run(main())


def _drop_stores(spec: StoreSpec) -> None:
    if spec.kind == "embedded":
        return
    driver = neo4j.GraphDatabase.driver(spec.neo4j_uri, auth=None)
    try:
        drop_namespace(driver, spec.namespace)
    finally:
        driver.close()
    store = QuestDBHistoryStore(spec.questdb())
    try:
        store.drop_tables()
    finally:
        store.close()


def _ours(
    topic: Topic,
    work: Workload,
    spec: StoreSpec,
    n: int,
    max_records: int,
    grow_limit: int = 1,
    *,
    prewrite: bool = False,
) -> OursResult:
    mine = spec.renamed(f"ours{n}")
    try:
        group = f"{topic.run_id}-ours{n}"
        return run_ours(
            topic.bootstrap,
            topic.name,
            work,
            mine,
            group,
            max_records,
            grow_limit,
            prewrite=prewrite,
        )
    finally:
        _drop_stores(mine)


def _peer(
    python: Path, module: str, topic: Topic, work: Workload, spec: StoreSpec, timeout_s: float
) -> PeerResult:
    mine = spec.renamed(module.split("_")[0])
    with tempfile.TemporaryDirectory(prefix="ingest-peer-") as folder:
        result = Path(folder) / "result.json"
        run_id = f"{topic.run_id}{uuid.uuid4().hex[:6]}"  # a consumer group of its own
        job = Job(topic.bootstrap, topic.name, work, mine, result, run_id)
        job_file = Path(folder) / "job.json"
        job_file.write_bytes(orjson.dumps(job.to_json()))
        command = [str(python), "-m", f"benchmarks._ingest_peers.{module}", "--job", str(job_file)]
        log = Path(folder) / "log.txt"
        try:
            with log.open("wb") as out:
                process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
                try:
                    deadline = time.monotonic() + timeout_s
                    while not result.exists() and process.poll() is None:
                        if time.monotonic() > deadline:
                            msg = f"{module} did not finish within {timeout_s:.0f} s"
                            raise TimeoutError(msg)
                        time.sleep(0.2)
                    process.wait(EXIT_GRACE_S)
                finally:
                    if process.poll() is None:
                        process.kill()
                        process.wait()
            if not result.exists():
                tail = log.read_text(errors="replace").strip().splitlines()[-15:]
                msg = f"{module} exited {process.returncode} without a result:\n" + "\n".join(tail)
                raise RuntimeError(msg)
            doc = orjson.loads(result.read_bytes())
        finally:
            _drop_stores(mine)
    return PeerResult(
        float(doc["seconds"]),
        int(doc["samples"]),
        float(doc["store_seconds"]),
        Digest.from_json(doc["digest"]),
    )


def _rates(samples: int, seconds: Sequence[float]) -> tuple[float, float, float]:
    """Best, median and worst samples/s."""
    return samples / min(seconds), samples / statistics.median(seconds), samples / max(seconds)


def peers_section(
    bootstrap: str,
    work: Workload,
    faust_records: int,
    spec: StoreSpec,
    runs: int,
    python: Path,
    timeout_s: float,
) -> bool:
    """(c): ours, the faust agent and the quix job on the same topic and records."""
    faust_work = Workload(min(faust_records, work.records), work.per_record, work.twins)
    print(
        f"(c) peers on one Kafka topic ({bootstrap}): {work.records:,} records x "
        f"{work.per_record} samples = {work.samples:,} samples over {work.twins} twins "
        f"(the faust agent: the first {faust_work.records:,} records, {faust_work.samples:,} "
        f"samples), each into its own {spec.kind} stores; warm (first records to last store "
        "write; ours counts the fetch that brought them), wall seconds"
    )
    topic = Topic(bootstrap, work)
    truth = {work.records: expected(work), faust_work.records: expected(faust_work)}
    ok = True
    try:
        # ours and the quix job take turns, so a change of the machine's load meets both;
        # ours batches as `twinweave ingest` does by default, as the peers do by theirs
        ours: list[OursResult] = []
        results: dict[str, list[PeerResult]] = {name: [] for name in PEERS}
        failed: dict[str, str] = {}
        for n in range(runs):
            default = WorkerSettings()
            ours.append(_ours(topic, work, spec, n, default.max_records, default.grow_limit))
            for name, module in PEERS.items():
                mine = faust_work if name == "faust agent" else work
                if name in failed or (name == "faust agent" and n):
                    continue  # the faust agent runs once (it is slow)
                try:
                    results[name].append(_peer(python, module, topic, mine, spec, timeout_s))
                except (RuntimeError, TimeoutError) as error:
                    failed[name] = str(error)
        best, median, worst = _rates(work.samples, [r.seconds for r in ours])
        same = _same("ours", [r.digest for r in ours], truth[work.records])
        ok = ok and same
        print(
            f"  ours:        {median:>12,.0f} samples/s median ({best:,.0f} best, {worst:,.0f} "
            f"worst of {runs} runs); as the records imply: {'yes' if same else 'NO'}"
        )
        _print_steps(ours)
        for name in PEERS:
            if name in failed:
                print(f"  {name + ':':12} FAILED: {failed[name]}")
                ok = False
                continue
            mine = faust_work if name == "faust agent" else work
            done = results[name]
            p_best, p_median, _ = _rates(mine.samples, [r.seconds for r in done])
            share = statistics.median(r.store_seconds / r.seconds for r in done)
            same = _same(name, [r.digest for r in done], truth[mine.records])
            ok = ok and same
            print(
                f"  {name + ':':12} {p_median:>12,.0f} samples/s median ({p_best:,.0f} best of "
                f"{len(done)}); {share:.0%} of its time in store calls; ours / {name} = "
                f"{median / p_median:,.1f}x (target >= {TARGETS[name]:.0f}x); as the records "
                f"imply: {'yes' if same else 'NO'}"
            )
            if name == "quix job" and share > 0:
                # it writes a checkpoint's rows per call, as ours writes a fetch's: alike calls
                print(
                    f"    its store calls (one write per checkpoint, like ours per batch) take "
                    f"{share:.0%} of its time: writing the same rows to the same kind of "
                    f"stores, ours / {name} stays under about {1 / share:,.1f}x unless those "
                    "writes get cheaper"
                )
        want = truth[work.records]
        print(
            f"  checked: state, {want.rows:,} history rows and {want.event_count:,} mode events "
            "read back through the store contracts against the generator's"
        )
    finally:
        topic.drop()
    return ok


def _print_steps(runs: Sequence[OursResult]) -> None:
    """Where the median run of ours spent its wall time (a breakdown: no baseline)."""
    run = sorted(runs, key=lambda r: r.seconds)[len(runs) // 2]
    steps = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in run.steps.items())
    print(
        f"    ours' median run, {run.seconds:.2f} s in {run.batches} batches: {steps} (summed "
        "over the batches; history runs in a thread beside the state write: state rows = "
        "built and sent in the open transaction, state wait = waiting for history, state "
        "commit = after history; the next batch is fetched, decoded and fused beside both)"
    )


def _same(name: str, got: Sequence[Digest], want: Digest) -> bool:
    same = True
    for n, digest in enumerate(got):
        for line in differences(f"{name} run {n + 1}", digest, want):
            same = False
            print(f"  DIFFERENT: {line}")
    return same


def neo4j_questdb_section(
    bootstrap: str,
    work: Workload,
    spec: StoreSpec,
    runs: int,
    sizes: Sequence[int],
    *,
    fresh: bool = False,
) -> bool:
    """(e): ours into Neo4j + QuestDB, beside ours into the embedded stores, same records.

    ``sizes``: the worker's records per batch at most; several are taken in turns (run 1 of
    each, then run 2, ...), so a change of the machine's load meets each alike. Each run has
    history tables of its own; unless ``fresh``, both sides first write ``Workload.prewrite``'s
    rows of other twins into them, untimed, so the timed batches write as a running worker
    does (``fresh``: into the tables' first commits).
    """
    print(
        f"(e) Kafka ({bootstrap}) into Neo4j ({spec.neo4j_uri}) + QuestDB ({spec.questdb_host}:"
        f"{spec.questdb_http}): {work.records:,} records x {work.per_record} samples = "
        f"{work.samples:,} samples over {work.twins} twins, up to "
        f"{' / '.join(f'{size:,}' for size in sizes)} records per batch; warm (from the fetch "
        "that brought the first records to the last commit), wall seconds"
    )
    if fresh:
        print(
            "  history: each run's tables freshly created and empty (--fresh-tables): the timed "
            "batches are their first commits"
        )
    else:
        print(
            f"  history: before each run's timed window (untimed, both sides), one batch of "
            f"{PRE_TWINS * len(SIGNALS) * 2} samples of {PRE_TWINS} other twins (the minute before "
            "the records' first time and that time), a mode event and an offset of another "
            "topic, written and applied: the timed batches write into tables holding rows, as "
            "a running worker does (--fresh-tables: into empty ones)"
        )
    topic = Topic(bootstrap, work)
    ok = True
    try:
        ours: dict[int, list[OursResult]] = {size: [] for size in sizes}
        for n in range(runs):
            for i, size in enumerate(sizes):
                n_run = n * len(sizes) + i
                ours[size].append(_ours(topic, work, spec, n_run, size, prewrite=not fresh))
        embedded = _ours(topic, work, StoreSpec(), runs * len(sizes), sizes[0], prewrite=not fresh)
        for size, done in ours.items():
            best, median, worst = _rates(work.samples, [r.seconds for r in done])
            batches = sorted(r.batches for r in done)[len(done) // 2]
            print(
                f"  Neo4j + QuestDB: {median:>10,.0f} samples/s median ({best:,.0f} best, "
                f"{worst:,.0f} worst of {runs} runs), up to {size:,} records a batch "
                f"({batches} batches)   (target >= 300k/s)"
            )
            _print_steps(done)
        print(
            f"  embedded stores: {work.samples / embedded.seconds:>10,.0f} samples/s (MemoryStore "
            f"+ DuckDB, same records, up to {sizes[0]:,} records a batch, 1 run)"
        )
        every = [r.digest for done in ours.values() for r in done]
        ok = _same("ours", [*every, embedded.digest], expected(work))
        print(f"  state and history as the records imply, every run: {'yes' if ok else 'NO'}")
        for done in ours.values():
            ok = _neo4j_writes(done[0]) and ok
    finally:
        topic.drop()
    return ok


def _neo4j_writes(run: OursResult) -> bool:
    """Print and check: per batch one write transaction, of at most its distinct changed keys."""
    calls, batches, updates = run.neo4j_calls, run.per_batch, run.updates
    # a batch whose values all equal the state writes nothing: no call
    one_call_each = [passed for passed, _ in calls] == [u for u in updates if u]
    distinct = all(passed == unique for passed, unique in calls)
    # each (twin, signal) of the batch at most once, plus each of its twins' mode
    within = all(u <= k + t for u, (_, k, t) in zip(updates, batches, strict=True))
    keys, samples = sum(updates), sum(s for s, _, _ in batches)
    bound = sum(k + t for _, k, t in batches)
    ok = one_call_each and distinct and within and len(updates) == len(batches)
    print(
        f"  Neo4j writes: {len(calls)} set_signals calls (one write transaction each) for "
        f"{len(batches)} batches; {keys:,} keys written for {samples:,} samples "
        f"({keys / max(len(batches), 1):,.0f} keys and {samples / max(len(batches), 1):,.0f} "
        f"samples per batch); the batches' distinct (twin, signal) keys plus their twins' "
        f"modes: {bound:,}; every call = its batch's changed keys, each once, within that "
        f"bound: {'yes' if ok else 'NO'}"
    )
    return ok
