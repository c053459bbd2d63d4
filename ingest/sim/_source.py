"""The simulator as a worker source (in-process), or publishing to a Kafka topic."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer

from ingest.codecs import ARROW_STREAM, RawRecord
from ingest.sim._simulator import Record, Simulator
from ingest.sources import SourceBatch
from ontology.history import SourceKind, SourcePosition


class SimSource:
    """``ticks`` ticks of ``simulator`` (None: forever), one every ``tick_s`` seconds of wall
    time (None: as fast as the worker takes them)."""

    def __init__(
        self, simulator: Simulator, *, ticks: int | None = None, tick_s: float | None = None
    ) -> None:
        self.simulator = simulator
        self._ticks = ticks
        self._tick_s = tick_s
        self._held: list[Record] = []
        self._position = 0
        self._done = False
        self._next_at = time.monotonic()

    @property
    def feed(self) -> str:
        return "sim"

    @property
    def exhausted(self) -> bool:
        return self._done and not self._held

    async def start(self) -> None:
        self._next_at = time.monotonic()

    async def fetch(self, max_records: int, timeout_s: float) -> SourceBatch | None:
        while len(self._held) < max_records and not self._done:
            if self._tick_s is not None:
                wait = self._next_at - time.monotonic()
                if wait > 0:
                    if self._held:
                        break
                    await asyncio.sleep(min(wait, timeout_s))
                    if self._next_at > time.monotonic():
                        return None
                self._next_at += self._tick_s
            if self._ticks is not None and self.simulator.truth.ticks >= self._ticks:
                self._held.extend(self.simulator.drain())
                self._done = True
                break
            self._held.extend(self.simulator.tick())
        if not self._held:
            return None
        taken, self._held = self._held[:max_records], self._held[max_records:]
        first = self._position
        content_type = content_type_of(self.simulator)
        records = tuple(
            RawRecord(first + i, payload, twin=key, content_type=content_type)
            for i, (key, payload) in enumerate(taken)
        )
        self._position += len(records)
        return SourceBatch(
            records=records,
            position=SourcePosition(
                kind=SourceKind.SIMULATOR,
                topic="sim",
                first_offset=first,
                last_offset=self._position - 1,
            ),
            received_at=datetime.now(UTC),
        )

    async def ack(self, batch: SourceBatch) -> None:
        return None

    async def stop(self) -> None:
        self._done = True


def content_type_of(simulator: Simulator) -> str | None:
    """The media type of the simulator's records (None: JSON, the default)."""
    return ARROW_STREAM if simulator.settings.format == "arrow" else None


async def publish_to_kafka(
    simulator: Simulator,
    bootstrap: str,
    topic: str,
    *,
    ticks: int | None,
    tick_s: float | None = None,
    stop: asyncio.Event | None = None,
) -> int:
    """Send the simulator's records to ``topic`` keyed by twin; returns how many were sent.

    Columnar records carry a ``content-type`` header naming their media type."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    await producer.start()
    content_type = content_type_of(simulator)
    headers = [] if content_type is None else [("content-type", content_type.encode())]
    sent = 0
    try:
        while ticks is None or simulator.truth.ticks < ticks:
            if stop is not None and stop.is_set():
                break
            started = time.monotonic()
            for key, payload in simulator.tick():
                await producer.send(topic, payload, key=key.encode(), headers=headers)
                sent += 1
            if tick_s is not None:
                await asyncio.sleep(max(0.0, tick_s - (time.monotonic() - started)))
        for key, payload in simulator.drain():
            await producer.send(topic, payload, key=key.encode(), headers=headers)
            sent += 1
        await producer.flush()
    finally:
        await producer.stop()
    return sent
