"""The demo's live part: the simulator through the embedded ingest worker, in this process.

The worker writes state to the graph store, history and lineage to the
history store, and what changed to the in-process change feed that the
GraphQL subscriptions read. A day of history is simulated first (one tick a
minute, as fast as it goes), then the simulator runs live, one tick a second, with
its feed's health reported on the feed twin ``feed/sim`` (the explorer's feed view).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import ontology
from ingest.codecs import JsonCodec
from ingest.pipeline import Fusion, default_pipeline
from ingest.sim import SimSettings, SimSource, Simulator, plant_assets
from ingest.worker import BatchCommitter, FeedHealth, Worker, WorkerSettings, WorkerStats
from ontology.changefeed import ChangeFeed
from ontology.history import HistoryStore
from twinweave.cli._slow_notice import KERNEL_NOTICE, notice_if_slow

SIM_PRINCIPAL = "twinweave-demo-simulator"
BACKFILL = timedelta(days=1)
BACKFILL_TICK = timedelta(minutes=1)
FRESHNESS_S = 60.0
"""The sim feed's freshness limit when the pipeline names none (as ``twinweave ingest``)."""


def _worker(
    graph: ontology.MemoryStore,
    history: HistoryStore,
    feed: ChangeFeed | None,
    source: SimSource,
) -> Worker:
    with notice_if_slow(f"twinweave demo: {KERNEL_NOTICE}"):
        fusion = Fusion(default_pipeline(), graph)
    committer = BatchCommitter(
        fusion=fusion,
        graph=graph,
        history=history,
        feed=feed,
        codec=JsonCodec(),
        feed_name=source.feed,
        principal=SIM_PRINCIPAL,
    )
    health = None
    if feed is not None:  # live: report the feed's health (the backfill is no feed)
        limit = default_pipeline().freshness_s.get(source.feed, FRESHNESS_S)
        health = FeedHealth(graph, source.feed, freshness_s=limit, principal=SIM_PRINCIPAL)
        health.ensure_twin()
    settings = WorkerSettings(principal=SIM_PRINCIPAL)
    return Worker(source, committer, settings, flush=graph.flush, health=health)


def _simulator(graph: ontology.GraphStore, start: datetime, tick: timedelta) -> Simulator:
    settings = SimSettings(
        seed=int(time.time()),
        start_ms=int(start.timestamp() * 1000),
        tick_ms=int(tick.total_seconds() * 1000),
    )
    return Simulator(plant_assets(graph), settings)


class DemoWorkers:
    """Backfills a day of history when the last day has none, then runs the simulator live.

    ``run`` and ``stop`` are what ``serve`` runs beside the server.
    """

    def __init__(
        self, graph: ontology.MemoryStore, history: HistoryStore, feed: ChangeFeed
    ) -> None:
        self._graph = graph
        self._history = history
        self._feed = feed
        self._current: Worker | None = None
        self._stopped = False

    async def run(self) -> None:
        now = datetime.now(UTC)
        if not self._history.batches(now - BACKFILL, now, first=1).items:
            start = now - BACKFILL
            ticks = int(BACKFILL / BACKFILL_TICK)
            source = SimSource(_simulator(self._graph, start, BACKFILL_TICK), ticks=ticks)
            await self._run(_worker(self._graph, self._history, None, source))
        simulator = _simulator(self._graph, datetime.now(UTC), timedelta(seconds=1))
        source = SimSource(simulator, ticks=None, tick_s=1.0)
        await self._run(_worker(self._graph, self._history, self._feed, source))

    async def _run(self, worker: Worker) -> WorkerStats | None:
        if self._stopped:
            return None
        self._current = worker
        return await worker.run()

    def stop(self) -> None:
        self._stopped = True
        if self._current is not None:
            self._current.stop()
