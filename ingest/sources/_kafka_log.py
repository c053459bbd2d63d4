"""A Kafka topic read once from its beginning to its end, without a consumer group (rebuilds).

The log is the source of truth: ``twinweave ingest --rebuild`` reads every
partition of the topic from its first offset up to the end it had when the
read started, with explicit offsets (no group joins, nothing is committed, so
the workers' group offsets are untouched), then the source is exhausted.

Records at offsets history already holds (``committed_offsets(topic)``) come
as batches with ``rejects_held``: their samples and events are written again
(history keeps one copy of each), their reject records are not (history has
them under the batches that first wrote them).
"""

from __future__ import annotations

from collections import deque
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from ingest._errors import IngestError
from ingest.sources._kafka import KafkaSourceSettings, split_at_held
from ingest.sources._kafka_start import start_kafka, unreachable
from ingest.sources._source import SourceBatch
from ontology.history import HistoryStore


class KafkaLogSource:
    """See the module docstring. ``settings.group`` is not used: no group is joined."""

    def __init__(self, settings: KafkaSourceSettings, history: HistoryStore) -> None:
        self._settings = settings
        self._history = history
        self._consumer: AIOKafkaConsumer | None = None
        self._buffer: deque[SourceBatch] = deque()
        self._held: dict[int, int] = {}
        self._ends: dict[TopicPartition, int] = {}
        self._left: dict[TopicPartition, int] = {}
        self.total = 0
        """Records between the beginning and the end of every partition when the read started."""

    @property
    def feed(self) -> str:
        return f"kafka:{self._settings.topic}"

    @property
    def exhausted(self) -> bool:
        return not self._buffer and not any(self._left.values())

    async def start(self) -> None:
        s = self._settings
        doing = f"read topic {s.topic!r} from its beginning"
        numbers = await start_kafka(
            partial(_partitions, s.bootstrap, s.topic), bootstrap=s.bootstrap, doing=doing
        )
        if not numbers:
            msg = f"Kafka topic {s.topic!r} does not exist at {s.bootstrap!r}; expected a topic"
            raise IngestError(msg)
        consumer = AIOKafkaConsumer(
            bootstrap_servers=s.bootstrap,
            group_id=None,
            client_id=s.client_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        try:
            await consumer.start()
            partitions = [TopicPartition(s.topic, n) for n in numbers]
            consumer.assign(partitions)
            begins = await consumer.beginning_offsets(partitions)
            self._ends = dict(await consumer.end_offsets(partitions))
            await consumer.seek_to_beginning(*partitions)
        except (KafkaError, OSError) as error:
            await consumer.stop()
            raise IngestError(unreachable(s.bootstrap, doing, error)) from None
        self._left = {tp: max(0, self._ends[tp] - begins[tp]) for tp in partitions}
        self.total = sum(self._left.values())
        for tp, left in self._left.items():
            if not left:
                consumer.pause(tp)
        self._held = dict(self._history.committed_offsets(s.topic))
        self._consumer = consumer

    async def fetch(self, max_records: int, timeout_s: float) -> SourceBatch | None:
        consumer = self._consumer
        if consumer is None:
            msg = f"Kafka log source for {self._settings.topic!r} is not started; call start()"
            raise IngestError(msg)
        if not self._buffer and not self.exhausted:
            fetched = await consumer.getmany(
                timeout_ms=round(timeout_s * 1000), max_records=max_records
            )
            now = datetime.now(UTC)
            for tp, messages in fetched.items():
                end = self._ends[tp]
                wanted = [m for m in messages if int(m.offset) < end]
                if wanted:
                    self._buffer.extend(self._batches(tp, wanted, now))
                self._left[tp] = max(0, end - await consumer.position(tp))
                if not self._left[tp]:
                    consumer.pause(tp)  # what came after the start is not this rebuild's
        return self._buffer.popleft() if self._buffer else None

    def _batches(
        self, tp: TopicPartition, messages: list[object], now: datetime
    ) -> list[SourceBatch]:
        held = self._held.get(tp.partition, -1)
        return [
            replace(batch, rejects_held=is_held)
            for batch, is_held in split_at_held(tp, messages, held, now)
        ]

    async def ack(self, batch: SourceBatch) -> None:
        return None  # no group, nothing to commit: the log itself is not changed

    async def lag(self) -> int | None:
        """Records still to read before the end the rebuild started with."""
        return sum(self._left.values()) + sum(len(b.records) for b in self._buffer)

    async def stop(self) -> None:
        if self._consumer is not None:
            consumer, self._consumer = self._consumer, None
            await consumer.stop()


async def _partitions(bootstrap: str, topic: str) -> list[int]:
    """The topic's partition numbers (none if the topic does not exist)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics([topic])
    finally:
        await admin.close()
    return sorted(
        int(p["partition"])
        for t in described
        if t.get("topic") == topic and not t.get("error_code")
        for p in t.get("partitions", ())
    )
