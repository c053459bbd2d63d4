"""(d) Sample-to-visible latency at a paced rate: produced to Kafka -> committed and published.

A producer in its own process sends records of ``per_record`` samples (JSON
columns) paced to ``rate`` samples/s for ``seconds``; the worker (Kafka source,
the stores of (b), an in-process change feed) runs in this process. A record's
produce time is its Kafka timestamp (set by the producer when it sends); it is
visible when the batch that holds it has been committed: history, state and
the change feed written (``BatchCommitter.commit`` returned). Latency is the
difference, in wall milliseconds on one machine. Baseline: a plain consumer in
the same process that only notes when each record arrives (Kafka's own
delivery latency here, under the same load). Warm: records produced from
``warmup`` seconds on (the consumer group joined, the stores' first batch
done); cold: all records.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import orjson

T0_MS = 1_767_225_600_000


def paced_records(
    rate: int, per_record: int, seconds: float, twins: int
) -> list[tuple[str, bytes, float]]:
    """(key, payload, last value) of each record; the same for the same arguments."""
    rng = np.random.default_rng(17)
    count = max(1, round(rate * seconds / per_record))
    out = []
    for r in range(count):
        twin = f"t{r % twins}"
        values = np.round(6 + rng.standard_normal(per_record), 3).tolist()
        times = [T0_MS + r * per_record + j for j in range(per_record)]
        doc = {"columns": {"twin": twin, "signal": ["pressure"] * per_record, "time": times,
                           "value": values}}  # fmt: skip
        out.append((twin, orjson.dumps(doc), values[-1]))
    return out


def _produce(
    bootstrap: str, topic: str, rate: int, per_record: int, seconds: float, twins: int
) -> None:
    """The producer process: send the records paced to ``rate`` samples/s."""
    from aiokafka import AIOKafkaProducer

    records = paced_records(rate, per_record, seconds, twins)

    async def main() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
        await producer.start()
        try:
            started = time.monotonic()
            for i, (key, payload, _) in enumerate(records):
                due = started + i * per_record / rate
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                await producer.send(topic, payload, key=key.encode())
            await producer.flush()
        finally:
            await producer.stop()

    asyncio.run(main())


def latency_section(
    bootstrap: str,
    *,
    rate: int,
    per_record: int,
    seconds: float,
    twins: int,
    runs: int,
    plant: Callable[[Any, int], Any],
    topic_of: Callable[[str], str],
    drop_topic: Callable[[str, str], None],
    make_worker: Callable[..., Any],
) -> bool:
    warmup = min(2.0, seconds / 3)
    print(
        f"(d) sample-to-visible latency: {rate:,} samples/s paced for {seconds:g} s "
        f"({per_record} samples a record, JSON columns, producer in its own process) -> "
        f"committed to MemoryStore + DuckDB and published on the in-process change feed; "
        f"warm = produced after {warmup:g} s; {runs} runs"
    )
    records = paced_records(rate, per_record, seconds, twins)
    _commit_costs(bootstrap, records, twins, plant, make_worker)
    expected = {(key, "pressure"): last for key, _, last in records}
    p99s: list[float] = []
    floor: list[float] = []
    ok = True
    for _ in range(runs):
        topic = topic_of(bootstrap)
        try:
            warm, cold, transport, right = _one_run(
                bootstrap, topic, rate, per_record, seconds, twins, warmup, plant, make_worker,
                expected, len(records),
            )  # fmt: skip
        finally:
            drop_topic(bootstrap, topic)
        ok = ok and right
        if not (warm.size and transport.size):
            ok = False
            print("  run: no warm records measured")
            continue
        p99s.append(float(np.percentile(warm, 99)))
        floor.append(float(np.percentile(transport, 99)))
        print(
            f"  run: warm p50 {np.percentile(warm, 50):6.0f} ms, p99 {np.percentile(warm, 99):6.0f}"
            f" ms, max {warm.max():6.0f} ms; cold p99 {np.percentile(cold, 99):6.0f} ms, max "
            f"{cold.max():6.0f} ms; baseline (a plain consumer in this process, receiving only): "
            f"warm p99 {floor[-1]:.0f} ms; state as the generator says: {'yes' if right else 'NO'}"
        )
    if p99s:
        print(
            f"  warm p99: {statistics.median(p99s):.0f} ms median, {min(p99s):.0f} ms best of "
            f"{len(p99s)}; baseline {statistics.median(floor):.0f} ms median   "
            "(target <= 500 ms at 100 k samples/s)"
        )
    return ok


def _commit_costs(
    bootstrap: str,
    records: list[tuple[str, bytes, float]],
    twins: int,
    plant: Callable[[Any, int], Any],
    make_worker: Callable[..., Any],
) -> None:
    """The commit's CPU time per batch by batch size, without Kafka (the committer the
    worker uses, fed the same records), and the history store's ``write_batch`` share:
    a batch's fixed cost bounds how many batches a second the worker can commit."""
    from datetime import UTC, datetime

    from ingest.codecs import RawRecord
    from ingest.sources import SourceBatch
    from ontology import MemoryStore
    from ontology.history import DuckDBHistoryStore, SourceKind, SourcePosition

    parts = []
    for size in (1, 10, 100, 1000):
        history: Any = DuckDBHistoryStore()
        _, committer, _ = make_worker(bootstrap, "unused", plant(MemoryStore(), twins), history)
        write, spent = history.write_batch, list[float]()

        def timed(*args: Any, write: Any = write, spent: list[float] = spent) -> None:
            started = time.process_time()
            write(*args)
            spent.append(time.process_time() - started)

        history.write_batch = timed
        took = []
        batches = min(30, len(records) // size)
        for b in range(batches):
            first = b * size
            raw = tuple(
                RawRecord(first + i, payload, key)
                for i, (key, payload, _) in enumerate(records[first : first + size])
            )
            where = SourcePosition(
                kind=SourceKind.KAFKA, topic="t", partition=0, first_offset=first,
                last_offset=first + size - 1,
            )  # fmt: skip
            started = time.process_time()
            committer.commit(SourceBatch(raw, where, datetime.now(UTC)))
            took.append(time.process_time() - started)
        history.close()
        if batches > 4:  # the first batches (series created, tiers empty) not counted
            commit, write_ms = statistics.median(took[4:]), statistics.median(spent[4:])
            parts.append(f"{size} records {commit * 1000:.1f} ms ({write_ms / commit:.0%})")
    print(
        "  commit CPU per batch by size, no Kafka, median (history write_batch's share): "
        + ", ".join(parts)
    )


def _one_run(
    bootstrap: str,
    topic: str,
    rate: int,
    per_record: int,
    seconds: float,
    twins: int,
    warmup: float,
    plant: Callable[[Any, int], Any],
    make_worker: Callable[..., Any],
    expected: dict[tuple[str, str], float],
    count: int,
) -> tuple[Any, Any, Any, bool]:
    from aiokafka import AIOKafkaConsumer

    from ingest import IngestError
    from ontology import MemoryStore
    from ontology.changefeed.memory import MemoryChangeFeed, MemoryChangeFeedSettings
    from ontology.history import DuckDBHistoryStore

    graph = plant(MemoryStore(), twins)
    history = DuckDBHistoryStore()
    feed = MemoryChangeFeed(MemoryChangeFeedSettings(capacity=1000, max_signals=100_000))
    worker, committer, source = make_worker(bootstrap, topic, graph, history, feed)
    visible: dict[int, float] = {}
    received: dict[int, float] = {}
    stages: dict[int, tuple[float, float]] = {}
    """offset -> (fetched by the worker, its batch's commit started), wall ms"""
    batches: list[tuple[int, float]] = []
    """(records, commit ms) of each batch"""
    commit = committer.commit

    def timed(batch: Any) -> Any:
        started = time.time() * 1000
        outcome = commit(batch)
        done = time.time() * 1000
        fetched = batch.received_at.timestamp() * 1000
        batches.append((len(batch.records), done - started))
        for record in batch.records:
            visible[record.position] = done
            stages[record.position] = (fetched, started)
        return outcome

    committer.commit = timed

    async def main() -> None:
        running = asyncio.ensure_future(worker.run())
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # until the group is joined: partitions assigned
            if running.done():
                running.result()
            await asyncio.sleep(0.05)
            try:
                if await source.lag() is not None:
                    break
            except IngestError:  # not started yet
                continue
        plain = AIOKafkaConsumer(
            topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest"
        )
        await plain.start()
        reading = asyncio.ensure_future(_read_only(plain, received, count))
        producer = multiprocessing.get_context("spawn").Process(
            target=_produce, args=(bootstrap, topic, rate, per_record, seconds, twins)
        )
        producer.start()
        deadline = time.monotonic() + seconds + 120
        while len(visible) < count and time.monotonic() < deadline:
            if running.done():
                running.result()
            await asyncio.sleep(0.02)
        worker.stop()
        await running
        await asyncio.wait_for(reading, 30)
        await plain.stop()
        await asyncio.to_thread(producer.join, 30)

    asyncio.run(main())
    history.close()
    feed.close()

    async def stamps() -> dict[int, int]:
        consumer = AIOKafkaConsumer(
            topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest"
        )
        await consumer.start()
        out: dict[int, int] = {}
        try:
            while len(out) < count:
                batch = await consumer.getmany(timeout_ms=1000)
                if not batch:
                    break
                for messages in batch.values():
                    for m in messages:
                        out[m.offset] = m.timestamp
        finally:
            await consumer.stop()
        return out

    produced = asyncio.run(stamps())
    offsets = sorted(produced)
    sent = np.array([produced[o] for o in offsets], dtype=np.float64)
    seen = np.array([visible.get(o, np.nan) for o in offsets], dtype=np.float64)
    got = np.array([received.get(o, np.nan) for o in offsets], dtype=np.float64)
    latency, transport = seen - sent, got - sent
    first = sent.min() if sent.size else 0.0
    is_warm = sent >= first + warmup * 1000
    right = len(visible) >= count and all(
        graph.get_signals(t)[s].value == v for (t, s), v in expected.items()
    )
    ok = right and not np.isnan(latency).any() and not np.isnan(transport).any()
    _print_stages(sent, seen, [stages.get(o, (np.nan, np.nan)) for o in offsets], is_warm, batches)
    return latency[is_warm], latency, transport[is_warm], ok


def _print_stages(
    sent: Any,
    seen: Any,
    stages: list[tuple[float, float]],
    is_warm: Any,
    batches: list[tuple[int, float]],
) -> None:
    """Where a warm record's latency goes: produced -> fetched by the worker -> its batch's
    commit started -> committed; and the batches' sizes and commit times."""
    if not stages or not is_warm.any():
        return
    fetched, started = np.array(stages, dtype=np.float64).T
    parts = {
        "to fetch": fetched - sent,
        "fetch to commit": started - fetched,
        "commit": seen - started,
    }
    size = np.array([n for n, _ in batches], dtype=np.float64)
    took = np.array([ms for _, ms in batches], dtype=np.float64)
    where = ", ".join(
        f"{name} p50 {np.nanpercentile(v[is_warm], 50):.0f} / p99 "
        f"{np.nanpercentile(v[is_warm], 99):.0f} ms"
        for name, v in parts.items()
    )
    print(
        f"    where (warm records): {where}; {len(batches)} batches of "
        f"{np.median(size):.0f} records median ({size.max():.0f} max), commit "
        f"{np.median(took):.0f} ms median, {np.percentile(took, 99):.0f} ms p99"
    )


async def _read_only(consumer: Any, received: dict[int, float], count: int) -> None:
    """The baseline: a plain consumer that only notes when each record arrives."""
    while len(received) < count:
        batch = await consumer.getmany(timeout_ms=200)
        now = time.time() * 1000
        for messages in batch.values():
            for message in messages:
                received[message.offset] = now
