"""A source of payloads handed to it in this process (the simulator in-process, tests)."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterable
from datetime import UTC, datetime

from ingest.codecs import RawRecord
from ingest.sources._source import SourceBatch
from ontology.history import SourceKind, SourcePosition


class MemorySource:
    """Payloads put in with ``put``; positions count from 0; ``close`` ends it once drained."""

    def __init__(self, feed: str = "memory", kind: SourceKind = SourceKind.SIMULATOR) -> None:
        self._feed = feed
        self._kind = kind
        self._queue: deque[RawRecord] = deque()
        self._next = 0
        self._closed = False
        self._arrived = asyncio.Event()
        self.acked = -1
        """The last position acknowledged."""

    @property
    def feed(self) -> str:
        return self._feed

    @property
    def exhausted(self) -> bool:
        return self._closed and not self._queue

    def put(self, payloads: Iterable[bytes], *, twin: str | None = None) -> None:
        for payload in payloads:
            self._queue.append(RawRecord(self._next, payload, twin=twin))
            self._next += 1
        self._arrived.set()

    def close(self) -> None:
        self._closed = True
        self._arrived.set()

    async def start(self) -> None:
        return None

    async def fetch(self, max_records: int, timeout_s: float) -> SourceBatch | None:
        if not self._queue and not self._closed:
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), timeout_s)
            except TimeoutError:
                return None
        if not self._queue:
            return None
        taken = [self._queue.popleft() for _ in range(min(max_records, len(self._queue)))]
        return SourceBatch(
            records=tuple(taken),
            position=SourcePosition(
                kind=self._kind,
                topic=self._feed,
                first_offset=taken[0].position,
                last_offset=taken[-1].position,
            ),
            received_at=datetime.now(UTC),
        )

    async def ack(self, batch: SourceBatch) -> None:
        if batch.position.last_offset is not None:
            self.acked = max(self.acked, batch.position.last_offset)

    async def stop(self) -> None:
        self.close()
