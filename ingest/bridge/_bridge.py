"""The MQTT-to-Kafka bridge: MQTT JSON and Sparkplug B in, Kafka records keyed by twin out.

For plants that run both: the bridge subscribes to the MQTT broker (QoS 1),
decodes each batch of messages (plain JSON topics and Sparkplug B, with the
Sparkplug host's sessions: births, aliases, seq, rebirth requests, deaths),
resolves the twin names through the graph store's aliases (the pipeline's
identity namespaces), and publishes one JSON record per message and twin to
the Kafka topic, keyed by the twin id, so every sample of a twin lands in one
partition, in order. Only when Kafka has acknowledged every record of the
batch (``acks=all``) are the MQTT messages acknowledged (PUBACK): a bridge
that dies before that gets them again from its persistent session. A Kafka
that does not answer is retried with doubling waits and nothing is
acknowledged meanwhile; a batch sent twice is harmless (history keeps one
copy of a sample, and state takes the newest value).

Messages the codec refuses (not JSON, a broken Sparkplug payload, an unknown
alias) are counted by reason in ``BridgeStats.rejected``: they carry no sample
to forward; so are NaN and infinite numbers (``not_finite``), which JSON cannot
carry.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from ingest._errors import IngestError
from ingest.bridge._records import KeyedRecord, finite_only, keyed_records
from ingest.codecs import Codec
from ingest.pipeline import Fusion
from ingest.sources import Source, SourceBatch, start_kafka
from ontology import StoreUnavailableError

STOP_TIMEOUT_S = 5.0
"""How long stopping waits for the producer to flush (forever while Kafka is away)."""


@dataclass(frozen=True, slots=True)
class BridgeSettings:
    bootstrap: str
    topic: str
    max_records: int = 5000
    """MQTT messages per batch at most."""
    fetch_timeout_s: float = 0.2
    backoff_initial_s: float = 0.2
    backoff_max_s: float = 10.0
    request_timeout_ms: int = 10_000
    """How long Kafka may take to acknowledge a record before the batch is sent again."""

    def __post_init__(self) -> None:
        for name in ("bootstrap", "topic"):
            value = getattr(self, name)
            if not value or len(value) > 249:
                msg = f"BridgeSettings.{name}={value!r}; expected 1 to 249 characters"
                raise IngestError(msg)
        if not 1 <= self.max_records <= 1_000_000:
            msg = f"BridgeSettings.max_records={self.max_records!r}; expected 1 to 1000000"
            raise IngestError(msg)


@dataclass
class BridgeStats:
    batches: int = 0
    messages: int = 0
    samples: int = 0
    records: int = 0
    """Kafka records acknowledged by the broker."""
    unresolved: int = 0
    """Records keyed by a raw name no alias resolved (the worker refuses them)."""
    rejected: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    last_error: str | None = None

    def line(self) -> str:
        rejects = ", ".join(f"{k} {v}" for k, v in self.rejected.most_common()) or "none"
        retry = f", {self.retries} retries ({self.last_error})" if self.retries else ""
        return (
            f"{self.batches} batches, {self.messages} messages, {self.samples} samples -> "
            f"{self.records} Kafka records ({self.unresolved} of unresolved twins); "
            f"rejects: {rejects}{retry}"
        )


class Bridge:
    """See the module docstring. ``fusion`` supplies the identity (aliases, pipeline)."""

    def __init__(
        self, source: Source, codec: Codec, fusion: Fusion, settings: BridgeSettings
    ) -> None:
        self.source = source
        self.codec = codec
        self.fusion = fusion
        self.settings = settings
        self.stats = BridgeStats()
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        """Finish the batch in hand (unless Kafka is down), then return from ``run``."""
        self._stopping.set()

    async def run(self) -> BridgeStats:
        s = self.settings
        producer = AIOKafkaProducer(
            bootstrap_servers=s.bootstrap,
            acks="all",
            enable_idempotence=True,
            linger_ms=5,
            request_timeout_ms=s.request_timeout_ms,
        )
        await start_kafka(
            producer.start,
            bootstrap=s.bootstrap,
            doing=f"publish to topic {s.topic!r}",
            on_failure=producer.stop,
        )
        try:
            await self.source.start()
            try:
                await self._loop(producer)
            finally:
                await self.source.stop()
        finally:
            # stopping flushes what is still queued: with Kafka away that never ends, and
            # what is queued was not acknowledged on MQTT, so it comes again anyway
            try:
                await asyncio.wait_for(producer.stop(), STOP_TIMEOUT_S)
            except TimeoutError:
                await producer.client.close()
        return self.stats

    async def _loop(self, producer: AIOKafkaProducer) -> None:
        s = self.settings
        while not self._stopping.is_set():
            batch = await self.source.fetch(s.max_records, s.fetch_timeout_s)
            if batch is None:
                if self.source.exhausted:
                    return
                continue
            records = await self._resolve(batch)
            if records is None or not await self._send(producer, records):
                return  # stopped while a store or Kafka was down: not acknowledged
            await self.source.ack(batch)
            self.stats.batches += 1
            self.stats.messages += len(batch.records)
            self.stats.records += len(records)

    async def _resolve(self, batch: SourceBatch) -> list[KeyedRecord] | None:
        decoded = self.codec.decode(batch.records)
        for reject in decoded.rejects:
            self.stats.rejected[str(reject.reason)] += reject.count
        frame = decoded.frame
        frame, dropped = finite_only(frame)
        if dropped:
            self.stats.rejected["not_finite"] += dropped
        wait = self.settings.backoff_initial_s
        while True:
            try:
                found, _ = await asyncio.to_thread(self.fusion.identity.resolve, frame.twins)
                break
            except (StoreUnavailableError, OSError) as error:
                if not await self._backoff(error, wait):
                    return None
                wait = min(2 * wait, self.settings.backoff_max_s)
        names = self.fusion.twins.names()
        keys = [str(names[i]) if i >= 0 else raw for i, raw in zip(found, frame.twins, strict=True)]
        records = keyed_records(frame, keys)
        self.stats.samples += len(frame)
        unresolved = {raw for i, raw in zip(found, frame.twins, strict=True) if i < 0}
        self.stats.unresolved += sum(1 for key, _ in records if key in unresolved)
        return records

    async def _send(self, producer: AIOKafkaProducer, records: list[KeyedRecord]) -> bool:
        """Every record acknowledged by Kafka (True), or stopped while it was down (False)."""
        wait = self.settings.backoff_initial_s
        timeout = self.settings.request_timeout_ms / 1000
        delivery: asyncio.Future[Any] | None = None
        while True:
            if delivery is None:
                delivery = asyncio.ensure_future(self._deliver(producer, records))
            stopping: asyncio.Future[Any] = asyncio.ensure_future(self._stopping.wait())
            done, _ = await asyncio.wait(
                {delivery, stopping}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
            stopping.cancel()
            error: BaseException | None
            if delivery in done:
                error = delivery.exception()
                if error is None:
                    return True
                if not isinstance(error, KafkaError | OSError):
                    raise error
                delivery = None  # failed: sent again after the wait
            else:  # the producer keeps retrying what it queued; the bridge keeps waiting
                error = TimeoutError(f"Kafka acknowledged nothing for {timeout:g} s")
            if self._stopping.is_set() or not await self._backoff(error, wait):
                if delivery is not None:
                    delivery.cancel()
                return False
            wait = min(2 * wait, self.settings.backoff_max_s)

    async def _deliver(self, producer: AIOKafkaProducer, records: list[KeyedRecord]) -> None:
        sent = [
            await producer.send(self.settings.topic, payload, key=key.encode())
            for key, payload in records
        ]
        await asyncio.gather(*sent)

    async def _backoff(self, error: BaseException, wait: float) -> bool:
        """Wait before a retry; False when asked to stop meanwhile."""
        self.stats.retries += 1
        self.stats.last_error = f"{type(error).__name__}: {error}"[:200]
        try:
            await asyncio.wait_for(self._stopping.wait(), wait)
        except TimeoutError:
            return True
        return False
