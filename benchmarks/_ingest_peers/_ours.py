"""Our worker over the peers' topic, timed from the fetch that brought its first records to
its last write (the peers: from their first record; their first fetch is not counted).

The composition is ``twinweave ingest``'s: a ``KafkaSource`` in a consumer
group, ``JsonCodec``, the fusion kernel, ``BatchCommitter`` (history, then the
changed keys' state), offsets committed after each batch.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from benchmarks._ingest_peers._stores import CountingNeo4jStore, StoreSpec, open_stores
from benchmarks._ingest_peers._workload import Digest, Workload, digest, pipeline
from ingest.codecs import Decoded, JsonCodec, RawRecord
from ingest.pipeline import Fusion
from ingest.sources import KafkaSource, KafkaSourceSettings, SourceBatch
from ingest.worker import BatchCommitter, BatchOutcome, Worker, WorkerSettings, WorkerStats
from ontology.history import HistoryStore

WAIT_S = 600.0
"""A guard against a run that never ends, not a timing."""
STATE_STEPS = ("state rows", "state wait", "state commit")


class _TimedSource(KafkaSource):
    """The Kafka source, noting when the fetch that brought the first records began."""

    def __init__(self, settings: KafkaSourceSettings, history: HistoryStore) -> None:
        super().__init__(settings, history)
        self.first = 0.0
        self.fetching = 0.0
        """Wall seconds in fetches that brought records."""

    async def fetch(self, max_records: int, timeout_s: float) -> SourceBatch | None:
        called = time.perf_counter()
        batch = await super().fetch(max_records, timeout_s)
        if batch is not None:
            if not self.first:
                self.first = called
            self.fetching += time.perf_counter() - called
        return batch


class _KeyCountingCodec(JsonCodec):
    """The JSON codec, noting each batch's samples, distinct (twin, signal) keys and twins:
    for (e)'s check of the Neo4j writes only. Its ``np.unique`` passes (about 3 ms per 100k
    samples) would be counted in ours' decode, so (c)'s embedded runs use ``JsonCodec``."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[tuple[int, int, int]] = []

    def decode(self, records: Sequence[RawRecord]) -> Decoded:
        decoded = super().decode(records)
        frame = decoded.frame
        keys = np.unique(frame.twin.astype(np.int64) << 32 | frame.signal.astype(np.int64))
        self.batches.append((len(frame), len(keys), len(np.unique(frame.twin))))
        return decoded


@dataclass(slots=True)
class OursResult:
    seconds: float
    digest: Digest
    batches: int
    per_batch: list[tuple[int, int, int]] = field(default_factory=list)
    """``(samples, distinct (twin, signal) keys, distinct twins)`` of each batch, as decoded
    (Neo4j stores only)."""
    neo4j_calls: list[tuple[int, int]] = field(default_factory=list)
    """``(keys passed, distinct keys)`` of each ``set_signals`` (Neo4j stores only)."""
    updates: list[int] = field(default_factory=list)
    """State updates (keys passed to ``set_signals``) of each batch."""
    steps: dict[str, float] = field(default_factory=dict)
    """Wall seconds in each step of the commit path, summed over the batches."""


class _Steps:
    """Wall seconds of the commit path's steps: the fetch, decode, fuse, the history write (in
    its thread) and the state write (which waits for history before it commits)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def wrap(self, name: str, call: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                spent = time.perf_counter() - started
                self.seconds[name] = self.seconds.get(name, 0.0) + spent

        return timed

    def wrap_state(self, call: Callable[..., Any]) -> Callable[..., Any]:
        """``set_signals``, split where it calls ``before_commit`` (the wait for history):
        ``state rows`` until then (the rows built and sent in the open transaction), ``state
        wait`` in it, ``state commit`` after it (the counter and the commit: beyond history)."""

        def timed(*args: Any, before_commit: Callable[[], None] | None = None) -> Any:
            marks = [time.perf_counter()]

            def waited() -> None:
                marks.append(time.perf_counter())
                try:
                    if before_commit is not None:
                        before_commit()
                finally:
                    marks.append(time.perf_counter())

            try:
                return call(*args, before_commit=waited)
            finally:
                marks.append(time.perf_counter())
                if len(marks) == 4:  # the store called before_commit (it had rows to write)
                    for name, (start, end) in zip(
                        STATE_STEPS, itertools.pairwise(marks), strict=True
                    ):
                        self.seconds[name] = self.seconds.get(name, 0.0) + end - start

        return timed


def run_ours(
    bootstrap: str,
    topic: str,
    work: Workload,
    stores: StoreSpec,
    group: str,
    max_records: int,
    grow_limit: int,
    *,
    prewrite: bool = False,
) -> OursResult:
    """``grow_limit``: ``WorkerSettings.grow_limit`` (1: batches of ``max_records`` at most);
    ``prewrite``: write ``Workload.prewrite``'s rows of other twins first (not timed)."""
    graph, history = open_stores(stores)
    try:
        work.plant(graph)
        if prewrite:
            work.prewrite(history)
        source = _TimedSource(KafkaSourceSettings(bootstrap, topic, group=group), history)
        codec = _KeyCountingCodec() if isinstance(graph, CountingNeo4jStore) else JsonCodec()
        committer = BatchCommitter(
            fusion=Fusion(pipeline(), graph),
            graph=graph,
            history=history,
            feed=None,
            codec=codec,
            feed_name=source.feed,
            principal="bench",
        )
        steps = _Steps()
        codec.decode = steps.wrap("decode", codec.decode)  # type: ignore[method-assign]
        fusion = committer.fusion
        fusion.fuse = steps.wrap("fuse", fusion.fuse)  # type: ignore[method-assign]
        history.write_batch = steps.wrap("history", history.write_batch)  # type: ignore[method-assign]
        graph.set_signals = steps.wrap_state(graph.set_signals)  # type: ignore[method-assign]
        finished = 0.0
        updates: list[int] = []

        def on_batch(outcome: BatchOutcome, stats: WorkerStats) -> None:
            nonlocal finished
            updates.append(outcome.state_updates)
            if stats.samples_in >= work.samples and not finished:
                finished = time.perf_counter()

        settings = WorkerSettings(
            max_records=max_records, grow_limit=grow_limit, fetch_timeout_s=0.05
        )
        worker = Worker(source, committer, settings, on_batch=on_batch)

        async def main() -> WorkerStats:
            running = asyncio.ensure_future(worker.run())
            async with asyncio.timeout(WAIT_S):
                while not finished:
                    if running.done():
                        running.result()
                        msg = f"the worker stopped after {worker.stats.samples_in} samples"
                        raise RuntimeError(msg)
                    await asyncio.sleep(0.005)
            worker.stop()
            return await running

        if isinstance(graph, CountingNeo4jStore):
            graph.calls.clear()  # the plant's writes
        stats = asyncio.run(main())
        result = OursResult(
            seconds=finished - source.first,
            digest=digest(work, graph, history),
            batches=stats.batches,
            per_batch=codec.batches if isinstance(codec, _KeyCountingCodec) else [],
            updates=updates,
            steps={"fetch": source.fetching, **steps.seconds},
        )
        if isinstance(graph, CountingNeo4jStore):
            result.neo4j_calls = list(graph.calls)
        return result
    finally:
        graph.close()
        history.close()
