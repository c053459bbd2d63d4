"""The worker prepares batch N+1 (decode, fuse) while batch N is being written.

The guarantees stay those of one batch at a time: each batch is acknowledged
only after its own write, in order; a write that fails is retried without
fusing its batch again, so the mode machine and the state come out as a
serial run's; a worker stopped while a store is down acknowledges nothing and
its committer takes no further batch.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import pytest

from ingest import IngestError
from ingest.pipeline import Pipeline
from ingest.sources import MemorySource
from ingest.worker import Worker, WorkerSettings
from ontology import GraphStore, MemoryStore, StoreUnavailableError
from ontology.history import DuckDBHistoryStore, Event, HistoryStore, SeriesKey
from tests.ingest.conftest import build_plant
from tests.ingest.worker.test_worker import END, START, committer, run_all, sample

WAIT_S = 30.0
"""A guard against a test that hangs, not a timing."""


class GatedHistory:
    """A real history store whose ``write_batch`` of the first batch waits until ``gate`` is
    set; then the first ``failures`` writes raise as a store that is down would."""

    def __init__(self, store: HistoryStore, failures: int = 0) -> None:
        self._store = store
        self.failures = failures
        self.gate = threading.Event()
        self.writes: list[str] = []
        """The id of each batch whose write succeeded, in order."""

    def write_batch(self, batch: Any, *args: Any, **kwargs: Any) -> None:
        if not self.writes:
            assert self.gate.wait(WAIT_S), "the gate was never opened"
        if self.failures:
            self.failures -= 1
            msg = "history down (test)"
            raise StoreUnavailableError(msg)
        self._store.write_batch(batch, *args, **kwargs)
        self.writes.append(batch.id)

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)


def payloads() -> list[bytes]:
    """Three batches of two records: machine/m1 runs, faults, recovers; m2 turns."""
    return [
        sample("machine/m1", "speed", 0, 1200),
        sample("machine/m2", "speed", 1, 300),
        sample("machine/m1", "faultCode", 10, 7),
        sample("machine/m2", "speed", 11, 0),
        sample("machine/m1", "faultCode", 20, 0),
        sample("machine/m1", "speed", 21, 900),
    ]


def fuse_watch(work: Any, seen: list[int], gate: threading.Event) -> None:
    """Count each ``fuse``; the second one (batch 2, prepared ahead) opens ``gate``."""
    fuse: Callable[..., Any] = work.fusion.fuse

    def watched(*args: Any, **kwargs: Any) -> Any:
        fused = fuse(*args, **kwargs)
        seen.append(len(seen) + 1)
        if len(seen) == 2:
            gate.set()
        return fused

    work.fusion.fuse = watched


def mode_events(history: HistoryStore) -> list[tuple[str, str]]:
    page = history.events(None, START, END, kinds=["mode"], first=100)
    return [(e.twin, e.code) for e in page.items if isinstance(e, Event)]


def m1_state(graph: GraphStore) -> dict[str, Any]:
    return {s: v.value for s, v in graph.get_signals("machine/m1").items()}


async def assert_as_serial(pipeline: Pipeline, history: HistoryStore, graph: GraphStore) -> None:
    """The mode events and machine/m1's state equal those of one batch of all six records."""
    want_events, want_state = await serial_answer(pipeline)
    assert want_events  # the records move the mode machine: the comparison means something
    assert mode_events(history) == want_events
    assert m1_state(graph) == want_state


async def serial_answer(pipeline: Pipeline) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    """The same records one batch of all six: the answer any batching must give."""
    graph = build_plant(MemoryStore())
    history = DuckDBHistoryStore()
    try:
        source = MemorySource("plant")
        worker = Worker(source, committer(pipeline, graph, history, None))
        await run_all(worker, source, payloads())
        return mode_events(history), m1_state(graph)
    finally:
        history.close()


async def test_the_next_batch_is_fused_while_the_last_one_is_written(
    pipeline: Pipeline, plant_store: GraphStore, history: HistoryStore
) -> None:
    gated = GatedHistory(history)
    store: HistoryStore = gated  # type: ignore[assignment]
    work = committer(pipeline, plant_store, store, None)
    fused: list[int] = []
    fuse_watch(work, fused, gated.gate)
    acked: list[int] = []
    source = MemorySource("plant")

    def watch(outcome: object, stats: object) -> None:
        acked.append(source.acked)

    # three batches of two records (grow_limit=1: one-sample records would grow the second)
    settings = WorkerSettings(max_records=2, grow_limit=1)
    worker = Worker(source, work, settings, on_batch=watch)
    await run_all(worker, source, payloads())
    # the first write waited until batch 2 was fused: it was, beside it
    assert fused == [1, 2, 3]
    assert len(gated.writes) == 3
    # each batch is acknowledged after its write, in order: none before its own
    assert acked == [-1, 1, 3]
    assert source.acked == 5
    assert worker.stats.acked_batches == 3
    await assert_as_serial(pipeline, history, plant_store)


async def test_a_failed_write_is_retried_without_fusing_its_batch_again(
    pipeline: Pipeline, plant_store: GraphStore, history: HistoryStore
) -> None:
    gated = GatedHistory(history, failures=2)
    store: HistoryStore = gated  # type: ignore[assignment]
    work = committer(pipeline, plant_store, store, None)
    fused: list[int] = []
    fuse_watch(work, fused, gated.gate)
    source = MemorySource("plant")
    settings = WorkerSettings(
        max_records=2, grow_limit=1, backoff_initial_s=0.01, backoff_max_s=0.02
    )
    worker = Worker(source, work, settings)
    await run_all(worker, source, payloads())
    assert worker.stats.retries == 2
    assert fused == [1, 2, 3]  # batch 1 fused once, though written three times
    assert source.acked == 5
    raw = history.raw(SeriesKey("machine/m1", "faultCode"), START, END)
    assert raw.value.tolist() == [7.0, 0.0]  # every sample once
    await assert_as_serial(pipeline, history, plant_store)


async def test_stopping_with_a_batch_prepared_ahead_acknowledges_nothing_and_ends_the_committer(
    pipeline: Pipeline, plant_store: GraphStore, history: HistoryStore
) -> None:
    gated = GatedHistory(history, failures=10**6)
    store: HistoryStore = gated  # type: ignore[assignment]
    work = committer(pipeline, plant_store, store, None)
    fused: list[int] = []
    fuse_watch(work, fused, gated.gate)
    source = MemorySource("plant")
    settings = WorkerSettings(max_records=2, grow_limit=1, backoff_initial_s=0.01)
    worker = Worker(source, work, settings)
    source.put(payloads()[:4])
    running = asyncio.ensure_future(worker.run())
    async with asyncio.timeout(WAIT_S):
        while worker.stats.retries < 2:
            await asyncio.sleep(0.01)
    worker.stop()
    await asyncio.wait_for(running, WAIT_S)
    assert fused == [1, 2]  # batch 2 was prepared ahead of batch 1's write
    assert source.acked == -1
    assert gated.writes == []
    # its kernel remembers batches no store holds: it takes no more
    source.put(payloads()[4:])
    later = await source.fetch(2, 1.0)
    assert later is not None
    with pytest.raises(IngestError, match="never written"):
        work.prepare(later)
