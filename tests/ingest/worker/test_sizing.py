"""The worker's batch size: larger while it is behind on records of few samples per key."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

import orjson

from ingest.pipeline import Pipeline
from ingest.sources import BackloggedSource, MemorySource, SourceBatch
from ingest.worker import Worker, WorkerSettings
from ingest.worker._sizing import MAX_GROWN_SAMPLES, BatchSizer
from ontology import GraphStore
from ontology.history import HistoryStore
from tests.ingest.conftest import T0_US
from tests.ingest.worker.test_worker import committer


def test_full_batches_of_one_sample_a_key_double_up_to_the_limit() -> None:
    sizer = BatchSizer(max_records=100, grow_limit=10)
    asked = []
    for _ in range(6):
        asked.append(sizer.records)
        sizer.observe(sizer.records, sizer.records, sizer.records, sizer.records)
    assert asked == [100, 200, 400, 800, 1000, 1000]


def test_batches_of_many_samples_a_key_or_short_ones_do_not_grow() -> None:
    sizer = BatchSizer(max_records=100, grow_limit=10)
    sizer.observe(100, 100, 400, 100)  # four samples a key: the keys are paid once already
    assert sizer.records == 100
    sizer.observe(100, 99, 99, 99)  # the source had less than asked
    assert sizer.records == 100


def test_a_batch_under_half_of_what_was_asked_puts_the_size_back() -> None:
    sizer = BatchSizer(max_records=100, grow_limit=10)
    sizer.observe(100, 100, 100, 100)
    sizer.observe(200, 200, 200, 200)
    assert sizer.records == 400
    sizer.observe(400, 300, 300, 300)  # a fetch may bring less than is ready: kept
    assert sizer.records == 400
    sizer.observe(400, 150, 150, 150)  # caught up
    assert sizer.records == 100


def test_growth_stops_near_the_sample_budget_and_a_limit_of_one_never_grows() -> None:
    sizer = BatchSizer(max_records=1000, grow_limit=1000)
    per_record = 100  # 100 samples a record over 100 keys each: few per key
    for _ in range(20):
        asked = sizer.records
        sizer.observe(asked, asked, asked * per_record, asked * per_record)
    assert sizer.records * per_record <= MAX_GROWN_SAMPLES
    assert sizer.records > 1000
    fixed = BatchSizer(max_records=100, grow_limit=1)
    fixed.observe(100, 100, 100, 100)
    assert fixed.records == 100


def test_a_known_backlog_is_taken_at_once_within_the_same_bounds() -> None:
    sizer = BatchSizer(max_records=100, grow_limit=10)
    sizer.observe(100, 100, 100, 100, backlog=650)
    assert sizer.records == 650  # not 200: the ready records in one batch
    sizer.observe(650, 650, 650, 650, backlog=50_000)
    assert sizer.records == 1000  # grow_limit times max_records at most
    short = BatchSizer(max_records=100, grow_limit=10)
    short.observe(100, 100, 100, 100, backlog=30)
    assert short.records == 200  # a small backlog still doubles
    many = BatchSizer(max_records=100, grow_limit=10)
    many.observe(100, 100, 400, 100, backlog=5000)  # four samples a key: no gain
    assert many.records == 100
    budget = BatchSizer(max_records=1000, grow_limit=1000)
    budget.observe(1000, 1000, 100_000, 100_000, backlog=900_000)
    assert budget.records * 100 <= MAX_GROWN_SAMPLES


class _Counting(MemorySource):
    """A memory source noting the records asked and taken by each fetch that brought some."""

    def __init__(self) -> None:
        super().__init__("plant")
        self.fetches: list[tuple[int, int]] = []

    async def fetch(self, max_records: int, timeout_s: float) -> SourceBatch | None:
        batch = await super().fetch(max_records, timeout_s)
        if batch is not None:
            self.fetches.append((max_records, len(batch.records)))
        return batch


class _Lagging(_Counting):
    """A counting memory source that tells its backlog, as the Kafka sources do."""

    def __init__(self) -> None:
        super().__init__()
        self.ready = 0

    def put(self, payloads: Iterable[bytes], *, twin: str | None = None) -> None:
        payloads = list(payloads)
        self.ready += len(payloads)
        super().put(payloads, twin=twin)

    async def lag(self) -> int | None:
        return self.ready - sum(n for _, n in self.fetches)


async def _backlog(
    pipeline: Pipeline,
    plant_store: GraphStore,
    history: HistoryStore,
    *,
    repeat: bool,
    source: _Counting | None = None,
    grow_limit: int = 4,
) -> tuple[list[int], Worker]:
    """70 one-sample records over 4 keys, all ready: each fetch's records asked, and the
    worker. ``repeat``: every value is 1 (no state changes after the first), else ``i``."""
    source = source or _Counting()
    keys = [(t, s) for t in ("machine/m1", "machine/m2") for s in ("speed", "faultCode")]
    records = [
        orjson.dumps(
            {
                "twin": keys[i % 4][0],
                "signal": keys[i % 4][1],
                "time": T0_US // 1000 + i,
                "value": 1 if repeat else i,
            }
        )
        for i in range(70)
    ]
    source.put(records)
    source.close()
    worker = Worker(
        source,
        committer(pipeline, plant_store, history, None),
        WorkerSettings(max_records=5, grow_limit=grow_limit),
    )
    await asyncio.wait_for(worker.run(), 30)
    assert sum(n for _, n in source.fetches) == 70
    assert worker.stats.samples_in == 70
    return [a for a, _ in source.fetches], worker


async def test_the_worker_takes_larger_batches_of_a_backlog_of_one_sample_records(
    pipeline: Pipeline, plant_store: GraphStore, history: HistoryStore
) -> None:
    asked, _ = await _backlog(pipeline, plant_store, history, repeat=False)
    # the second is fetched while the first is written, sized by the first once prepared
    assert asked[:3] == [5, 10, 20]
    assert max(asked) == 20


async def test_a_backlog_whose_values_repeat_grows_by_the_keys_it_touches(
    pipeline: Pipeline, plant_store: GraphStore, history: HistoryStore
) -> None:
    """Values that never change update no state after the first batch; their keys still
    cost history a tier row each, so the batches grow as for changing values."""
    asked, worker = await _backlog(pipeline, plant_store, history, repeat=True)
    assert max(asked) == 20
    assert worker.stats.state_updates <= 8  # the first batch's, and the modes at most


async def test_a_source_that_tells_its_backlog_gets_it_in_one_batch(
    pipeline: Pipeline, plant_store: GraphStore, history: HistoryStore
) -> None:
    source = _Lagging()
    assert isinstance(source, BackloggedSource)
    asked, _ = await _backlog(pipeline, plant_store, history, repeat=False, source=source)
    # the first, then the 65 records left, at most grow_limit x 5 = 20 a batch
    assert asked[:2] == [5, 20]
    assert len(asked) == 5  # 5 + 20 + 20 + 20 + 5 (doubling: 5 + 10 + 20 + 20 + 15)


async def test_a_backlog_within_the_bounds_is_written_in_two_batches(
    pipeline: Pipeline, plant_store: GraphStore, history: HistoryStore
) -> None:
    """The second batch is fetched while the first is written: sized by the first once it
    is prepared, it takes the whole backlog left (not a batch of ``max_records`` more)."""
    source = _Lagging()
    _, worker = await _backlog(
        pipeline, plant_store, history, repeat=False, source=source, grow_limit=20
    )
    assert source.fetches == [(5, 5), (65, 65)]
    assert worker.stats.batches == 2
