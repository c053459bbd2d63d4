"""Feed health as signals of a feed twin, and events when a feed goes silent and resumes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import orjson

from ingest.pipeline import Pipeline
from ingest.sources import MemorySource
from ingest.worker import FEED_MODEL, FeedHealth, Worker, WorkerSettings, feed_twin_id
from ingest.worker._commit import BatchOutcome
from ontology import GraphStore
from ontology.history import HistoryStore
from tests.ingest.conftest import T0_US
from tests.ingest.worker.test_worker import END, START, committer


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def outcome(count: int, rejected: int) -> BatchOutcome:
    return BatchOutcome("b", 1, count, count - rejected, {"malformed": rejected}, 0, 0, None, False)


def test_the_feed_twin_carries_rate_rejects_and_staleness(plant_store: GraphStore) -> None:
    clock = Clock()
    health = FeedHealth(plant_store, "kafka:plant/a", freshness_s=10, principal="t", clock=clock)
    health.ensure_twin()
    health.ensure_twin()  # idempotent
    twin = plant_store.get_twin(feed_twin_id("kafka:plant/a"))
    assert twin.model == FEED_MODEL
    assert twin.properties == {"feed": "kafka:plant/a", "freshness": 10}  # its limit, for readers
    health.observe(outcome(100, 10))
    clock.now += timedelta(seconds=2)
    health.observe(outcome(100, 0))
    clock.now += timedelta(seconds=3)
    report = health.report()
    values = {u.signal: u.value for u in report.updates}
    assert values["rate"] == 200 / 5
    assert values["rejectRate"] == 10 / 200
    assert values["interArrival"] == 2.0
    assert values["staleness"] == 3.0
    assert report.events == ()
    clock.now += timedelta(seconds=20)
    silent = health.report()
    assert [(e.kind, e.code) for e in silent.events] == [("feed", "silent")]
    assert health.report().events == ()  # said once
    health.observe(outcome(5, 0))
    assert [e.code for e in health.report().events] == ["resumed"]


async def test_the_worker_writes_the_feed_twins_signals(
    pipeline: Pipeline, plant_store: GraphStore, history: HistoryStore
) -> None:
    source = MemorySource("plant")
    health = FeedHealth(plant_store, source.feed, freshness_s=3600, principal="t")
    worker = Worker(
        source,
        committer(pipeline, plant_store, history, None),
        WorkerSettings(health_interval_s=3600),  # one report, when the run ends
        health=health,
    )
    payload = {"twin": "machine/m1", "signal": "faultCode", "time": T0_US // 1000, "value": 1}
    source.put([orjson.dumps(payload), b"junk"])
    source.close()
    await asyncio.wait_for(worker.run(), 30)
    signals = plant_store.get_signals(feed_twin_id("plant"))
    assert signals["rejectRate"].value == 0.5
    assert signals["rate"].value is not None and float(signals["rate"].value) > 0  # type: ignore[arg-type]
    assert history.events([feed_twin_id("plant")], START, END).items == ()
