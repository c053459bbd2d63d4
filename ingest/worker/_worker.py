"""The worker loop: fetch a batch, commit it (in a thread: the stores are synchronous), ack.

A store that is down (``StoreUnavailableError``, ``OSError``) is retried with
doubling waits; nothing is acknowledged meanwhile, so nothing is lost. An
acknowledgement the source cannot deliver for now (``SourceUnavailableError``:
a broker restarting) stays pending and is tried again on the next round. With a
``flush`` (the in-process graph store's snapshot), acknowledgements wait for
the next flush, so the source only forgets what is durable everywhere.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from ingest.sources import (
    BackloggedSource,
    HandedOverSource,
    Source,
    SourceBatch,
    SourceUnavailableError,
)
from ingest.worker._commit import BatchCommitter, BatchOutcome
from ingest.worker._health import FeedHealth
from ingest.worker._settings import WorkerSettings
from ingest.worker._sizing import BatchShape, BatchSizer
from ingest.worker._stats import WorkerStats
from ontology import StoreUnavailableError
from ontology.changefeed import SignalChange

RETRYABLE = (StoreUnavailableError, OSError)
_Writing = tuple[SourceBatch, "asyncio.Future[BatchOutcome | None]", int | None]
"""A batch, its write in flight and the records it was fetched with at most (None: the
sizer saw it once it was prepared)."""


class Worker:
    def __init__(
        self,
        source: Source,
        committer: BatchCommitter,
        settings: WorkerSettings | None = None,
        *,
        flush: Callable[[], None] | None = None,
        on_batch: Callable[[BatchOutcome, WorkerStats], None] | None = None,
        health: FeedHealth | None = None,
    ) -> None:
        self.source = source
        self._backlogged = source if isinstance(source, BackloggedSource) else None
        self._handing = source if isinstance(source, HandedOverSource) else None
        self._takeovers = 0
        self.committer = committer
        self.settings = settings or WorkerSettings()
        self.stats = WorkerStats()
        self._flush = flush
        self._on_batch = on_batch
        self._stopping = asyncio.Event()
        self._pending: list[SourceBatch] = []
        self._flushed_at = time.monotonic()
        self._health = health
        self._reported_at = time.monotonic()
        self._sizer = BatchSizer(self.settings.max_records, self.settings.grow_limit)

    def stop(self) -> None:
        """Finish the batch in hand, acknowledge what is committed, then return from ``run``."""
        self._stopping.set()

    async def run(self) -> WorkerStats:
        """Until ``stop()`` or a finite source is exhausted.

        One batch is written at a time, in order; while it is (history and state,
        in threads: their clients wait on the servers), the next one is fetched,
        decoded and fused. A batch is acknowledged only after its own write
        returned, after every batch before it.
        """
        settings = self.settings
        self._sizer = BatchSizer(settings.max_records, settings.grow_limit)  # this run's settings
        await self.source.start()
        writing: _Writing | None = None
        ahead = False  # the batch being written was prepared before its write began
        try:
            while not self._stopping.is_set():
                asked = self._sizer.records
                batch = await self.source.fetch(asked, settings.fetch_timeout_s)
                handed = self._handed_over()
                # beside the write in flight, and only once its batch is prepared: the kernel
                # remembers batches in their order; not after a takeover (reloaded below)
                ready = False
                if batch is not None and (writing is None or ahead) and not handed:
                    shape = await self._prepare(batch)
                    if shape is not None:  # the next fetch sized by it, not a write later
                        await self._size(asked, shape)
                        ready = True
                if writing is not None:
                    written, writing = writing, None
                    if not await self._settled(written):
                        break  # stopped while a store was down: neither batch is acknowledged
                if handed:  # every batch the kernel remembers is written: read the stores
                    self.committer.reload()
                if batch is None:
                    if self.source.exhausted:
                        break
                    await self._ack_due()
                    await self._report_due()
                    continue
                writing = (
                    batch,
                    asyncio.ensure_future(self._commit(batch)),
                    None if ready else asked,
                )
                ahead = ready
            if writing is not None:
                written, writing = writing, None
                await self._settled(written)
            await self._report_due(force=True)
            await self._ack_due(force=True)
        finally:
            if writing is not None:  # an error elsewhere: let the write end, acknowledge nothing
                await asyncio.wait([writing[1]])
            self.committer.discard()  # batches prepared and not written, if any
            await self.source.stop()
        return self.stats

    def _handed_over(self) -> bool:
        """Whether the source was given parts since the last call that it did not hold just
        before (``HandedOverSource``): their twins' state may have moved on another worker,
        so the kernel reads it from the stores again before it fuses their records."""
        if self._handing is None:
            return False
        seen, self._takeovers = self._takeovers, self._handing.takeovers
        return self._takeovers != seen

    async def _prepare(self, batch: SourceBatch) -> BatchShape | None:
        """Prepare ``batch`` ahead of its write; a store that fails now is retried by the write
        (None)."""
        try:
            return await asyncio.to_thread(self.committer.prepare, batch)
        except RETRYABLE:
            return None

    async def _size(self, asked: int, shape: BatchShape) -> None:
        """Size the next fetch by a batch fetched with ``asked`` records at most, and the
        backlog the source tells (if it is a ``BackloggedSource``, found once at start)."""
        backlog = await self._backlogged.lag() if self._backlogged is not None else None
        self._sizer.observe(asked, shape.records, shape.samples, shape.keys, backlog)

    async def _settled(self, writing: _Writing) -> bool:
        """Wait for a batch's write; count it and acknowledge what is due. False: it was not
        written (stopped while a store was down)."""
        batch, written, asked = writing
        outcome = await written
        if outcome is None:
            return False
        self.stats.add(outcome)
        if asked is not None:  # not seen prepared: sized by what its write did
            await self._size(asked, BatchShape(outcome.records, outcome.accepted, outcome.keys))
        if self._health is not None:
            self._health.observe(outcome)
        if self._on_batch is not None:
            self._on_batch(outcome, self.stats)
        self._pending.append(batch)
        await self._ack_due()
        await self._report_due()
        return True

    async def _commit(self, batch: SourceBatch) -> BatchOutcome | None:
        wait = self.settings.backoff_initial_s
        while True:
            try:
                return await asyncio.to_thread(self.committer.commit, batch)
            except RETRYABLE as error:
                self.stats.retries += 1
                self.stats.last_error = f"{type(error).__name__}: {error}"[:200]
                try:
                    await asyncio.wait_for(self._stopping.wait(), wait)
                except TimeoutError:
                    wait = min(2 * wait, self.settings.backoff_max_s)
                    continue
                return None

    async def _report_due(self, *, force: bool = False) -> None:
        """Write the feed twin's health signals (and silent/resumed events) every interval."""
        if self._health is None:
            return
        if not force and time.monotonic() - self._reported_at < self.settings.health_interval_s:
            return
        self._reported_at = time.monotonic()
        try:
            await asyncio.to_thread(self._report, self._health)
        except RETRYABLE as error:  # health is best effort: the next interval tries again
            self.stats.last_error = f"feed health: {type(error).__name__}: {error}"[:200]

    def _report(self, health: FeedHealth) -> None:
        health.ensure_twin()
        report = health.report()
        committer = self.committer
        committer.graph.set_signals(report.updates)
        if report.events:
            committer.history.append_events(report.events)
        if committer.feed is not None:
            changes = [
                SignalChange(u.twin, u.signal, u.value, u.time, 0, None) for u in report.updates
            ]
            committer.feed.publish(None, changes, report.events)

    async def _ack_due(self, *, force: bool = False) -> None:
        if not self._pending:
            return
        if self._flush is not None:
            due = time.monotonic() - self._flushed_at >= self.settings.flush_interval_s
            if not (due or force):
                return
            await asyncio.to_thread(self._flush)
            self._flushed_at = time.monotonic()
        while self._pending:
            try:
                await self.source.ack(self._pending[0])
            except SourceUnavailableError as error:
                # kept for the next round; a later acknowledgement covers it as well
                self.stats.retries += 1
                self.stats.last_error = f"ack: {error}"[:200]
                return
            self._pending.pop(0)
            self.stats.acked_batches += 1
