"""The Kafka source: a consumer group member (aiokafka), records keyed by twin, manual commits.

Where a partition starts and what is replayed:

- The group's committed offset is acknowledged work: the worker commits it
  only after every store (the graph store flushed, if it needs a flush) holds
  the records before it. Reading resumes there (the earliest offset if the
  group never committed).
- History's ``committed_offsets(topic)`` is what history holds (it commits
  offsets with the data). Records between the two are history's already but
  maybe not the graph state's (a crash between the two commits): they come as
  ``state_only`` batches, which update state and never write history again.

So a restart, a rebalance or a crash never doubles a sample and never leaves
state behind history. A record's key, when it is UTF-8, is the default twin of
its samples; its ``content-type`` header, if any, is the payload's media type.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from itertools import repeat
from operator import attrgetter

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError

from ingest._errors import IngestError
from ingest.codecs import RawRecord
from ingest.sources._kafka_start import start_kafka
from ingest.sources._source import SourceBatch, SourceUnavailableError
from ontology.history import HistoryStore, SourceKind, SourcePosition

MAX_KEY_BYTES = 256
MAX_LINGER_MS = 1000
CONTENT_TYPE = "content-type"
"""The record header naming the payload's media type (the columnar codec's, or none: JSON)."""
_offset = attrgetter("offset")
_value = attrgetter("value")
_key = attrgetter("key")
_headers = attrgetter("headers")


@dataclass(frozen=True, slots=True)
class KafkaSourceSettings:
    bootstrap: str
    topic: str
    group: str = "twinweave-ingest"
    client_id: str = "twinweave-ingest"
    session_timeout_ms: int = 10_000
    heartbeat_interval_ms: int = 1_000
    max_partition_fetch_bytes: int = 16 << 20
    """Bytes one fetch takes from a partition at most (bigger fetches: bigger batches)."""
    fetch_linger_ms: int = 25
    """After records come, how long a fetch may wait once more for what the broker got
    since (0: never). The client holds one response per partition, taken while the
    last batch was committing; without this second ask, what came after it waits a
    whole batch more. Not when the records came in responses that arrived after the
    fetch was asked and reach their partitions' ends (``linger_wanted``)."""

    def __post_init__(self) -> None:
        for name in ("bootstrap", "topic", "group", "client_id"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value or len(value) > 249:
                msg = f"KafkaSourceSettings.{name}={value!r}; expected 1 to 249 characters"
                raise IngestError(msg)
        fetch = self.max_partition_fetch_bytes
        if not isinstance(fetch, int) or not 1 << 16 <= fetch <= 1 << 30:
            msg = (
                f"KafkaSourceSettings.max_partition_fetch_bytes={fetch!r}; expected 64 KiB to 1 GiB"
            )
            raise IngestError(msg)
        linger = self.fetch_linger_ms
        if type(linger) is not int or not 0 <= linger <= MAX_LINGER_MS:
            msg = (
                f"KafkaSourceSettings.fetch_linger_ms={linger!r}; expected 0 to "
                f"{MAX_LINGER_MS} milliseconds"
            )
            raise IngestError(msg)


class _Listener(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, source: KafkaSource) -> None:
        self._source = source

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        self._source._revoked(revoked)

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        await self._source._assigned(assigned)


class KafkaSource:
    """See the module docstring."""

    def __init__(
        self,
        settings: KafkaSourceSettings,
        history: HistoryStore,
        *,
        on_rebalance: Callable[[str, frozenset[int]], None] | None = None,
    ) -> None:
        """``on_rebalance("revoked" | "assigned", partitions)`` is told of each rebalance."""
        self._settings = settings
        self._history = history
        self._on_rebalance = on_rebalance
        self._consumer: AIOKafkaConsumer | None = None
        self._buffer: deque[SourceBatch] = deque()
        self._history_offsets: dict[int, int] = {}
        self._loaded: set[int] = set()
        """Partitions whose history offsets were read since they were assigned."""
        self._owned: frozenset[int] = frozenset()
        """The partitions of the last assignment."""
        self.takeovers = 0
        """Assignments that gave this member partitions it did not hold just before (see
        ``HandedOverSource``): another member may have moved their twins' state meanwhile."""

    @property
    def feed(self) -> str:
        return f"kafka:{self._settings.topic}"

    @property
    def exhausted(self) -> bool:
        return False

    async def start(self) -> None:
        s = self._settings
        consumer = AIOKafkaConsumer(
            bootstrap_servers=s.bootstrap,
            group_id=s.group,
            client_id=s.client_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=s.session_timeout_ms,
            heartbeat_interval_ms=s.heartbeat_interval_ms,
            max_partition_fetch_bytes=s.max_partition_fetch_bytes,
            fetch_max_bytes=max(s.max_partition_fetch_bytes, 50 << 20),
        )
        await start_kafka(
            consumer.start,
            bootstrap=s.bootstrap,
            doing=f"read topic {s.topic!r} as group {s.group!r}",
            on_failure=consumer.stop,
        )
        consumer.subscribe([s.topic], listener=_Listener(self))
        self._consumer = consumer

    async def _assigned(self, assigned: set[TopicPartition]) -> None:
        partitions = frozenset(tp.partition for tp in assigned)
        if partitions - self._owned:  # held by another member meanwhile, or never by this one
            self.takeovers += 1
        self._owned = partitions
        await self._load_offsets(set(partitions))
        if self._on_rebalance is not None:
            self._on_rebalance("assigned", frozenset(tp.partition for tp in assigned))

    async def _load_offsets(self, partitions: set[int]) -> None:
        """What history holds of the topic, read before any record of ``partitions`` is used."""
        offsets = await asyncio.to_thread(self._history.committed_offsets, self._settings.topic)
        self._history_offsets = dict(offsets)
        self._loaded |= partitions

    def _revoked(self, revoked: set[TopicPartition]) -> None:
        gone = frozenset(tp.partition for tp in revoked)
        self._buffer = deque(b for b in self._buffer if b.position.partition not in gone)
        self._loaded -= gone
        if self._on_rebalance is not None:
            self._on_rebalance("revoked", gone)

    async def fetch(self, max_records: int, timeout_s: float) -> SourceBatch | None:
        if not self._buffer:
            consumer = self._require()
            asked_ms = int(time.time() * 1000)  # the client's clock for its responses
            fetched = await consumer.getmany(
                timeout_ms=round(timeout_s * 1000), max_records=max_records
            )
            if fetched and linger_wanted(_ends(consumer, fetched), asked_ms):
                await self._linger(consumer, fetched, max_records)
                # a rebalance while it lingered: what this member no longer owns is read
                # again from the group's offset by whoever owns it now
                assigned = consumer.assignment()
                fetched = {tp: m for tp, m in fetched.items() if tp in assigned}
            now = datetime.now(UTC)
            unknown = {tp.partition for tp in fetched} - self._loaded
            if unknown:  # records may come before the assignment listener has read them
                await self._load_offsets(unknown)
            for tp, messages in fetched.items():
                self._buffer.extend(self._batches(tp, messages, now))
        return self._buffer.popleft() if self._buffer else None

    async def _linger(
        self,
        consumer: AIOKafkaConsumer,
        fetched: dict[TopicPartition, list[object]],
        max_records: int,
    ) -> None:
        """Ask once more, for at most ``fetch_linger_ms``: the client answered from the one
        response it held per partition (fetched while the last batch committed); the
        records the broker got since come now, in this batch, not a batch later."""
        room = max_records - sum(map(len, fetched.values()))
        linger = self._settings.fetch_linger_ms
        if room <= 0 or not linger:
            return
        more = await consumer.getmany(timeout_ms=linger, max_records=room)
        for tp, messages in more.items():
            fetched.setdefault(tp, []).extend(messages)

    def _batches(
        self, tp: TopicPartition, messages: list[object], now: datetime
    ) -> list[SourceBatch]:
        done = self._history_offsets.get(tp.partition, -1)
        return [
            replace(batch, state_only=held)
            for batch, held in split_at_held(tp, messages, done, now)
        ]

    async def ack(self, batch: SourceBatch) -> None:
        position = batch.position
        if position.partition is None or position.last_offset is None or position.topic is None:
            return
        tp = TopicPartition(position.topic, position.partition)
        try:
            await self._require().commit({tp: position.last_offset + 1})
        except (CommitFailedError, IllegalStateError):
            # the partition moved to another worker meanwhile: it resumes from the
            # group's offset, and history's offsets keep it from writing these again
            return
        except KafkaError as error:  # the broker or the group coordinator is away for now
            msg = f"Kafka offset commit for {tp} failed ({type(error).__name__}: {error})"
            raise SourceUnavailableError(msg) from None

    async def lag(self) -> int | None:
        """Records in the assigned partitions not yet fetched; None while that is unknown
        (no partition assigned yet, or one not fetched from yet)."""
        consumer = self._require()
        assigned = consumer.assignment()
        if not assigned:
            return None
        total = 0
        for tp in assigned:
            high = consumer.highwater(tp)
            if high is None:
                return None
            try:
                total += max(0, high - await consumer.position(tp))
            except IllegalStateError:  # not positioned yet (mid-rebalance)
                return None
        return total

    async def stop(self) -> None:
        if self._consumer is not None:
            consumer, self._consumer = self._consumer, None
            await consumer.stop()

    def _require(self) -> AIOKafkaConsumer:
        if self._consumer is None:
            msg = f"Kafka source for {self._settings.topic!r} is not started; call start() first"
            raise IngestError(msg)
        return self._consumer


def linger_wanted(ends: Iterable[tuple[int, int | None, int | None]], asked_ms: int) -> bool:
    """Whether a fetch lingers (asks once more): not when every partition it got records
    from answered after the fetch was asked and those records reach the partition's end.

    ``ends``: per partition, the offset after its last record fetched, its high
    watermark and when its last fetch response came (the client's wall clock, ms; the
    two ``None`` before any response). A response that came after the fetch was asked
    was not held while the last batch committed, and at the partition's end it already
    holds all the broker had: a second ask would only wait out the linger for records
    produced since (an idle topic: the whole linger).
    """
    return not all(
        high is not None and polled is not None and after >= high and polled >= asked_ms
        for after, high, polled in ends
    )


def _ends(
    consumer: AIOKafkaConsumer, fetched: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]]
) -> list[tuple[int, int | None, int | None]]:
    """``linger_wanted``'s ends of each partition with records (the client's public API;
    a partition no longer assigned is left out: its records are dropped after the fetch)."""
    assigned = consumer.assignment()
    return [
        (messages[-1].offset + 1, consumer.highwater(tp), consumer.last_poll_timestamp(tp))
        for tp, messages in fetched.items()
        if messages and tp in assigned
    ]


def split_at_held(
    tp: TopicPartition, messages: list[object], held: int, now: datetime
) -> list[tuple[SourceBatch, bool]]:
    """Consumed messages of one partition as batches: those at offsets up to ``held``
    (history has them) and those after, each with whether it is the held part."""
    records = records_of(messages)
    if not records or records[0].position > held:  # the common case: nothing held
        parts: tuple[tuple[list[RawRecord], bool], ...] = (([], True), (records, False))
    else:
        parts = (
            ([r for r in records if r.position <= held], True),
            ([r for r in records if r.position > held], False),
        )
    return [
        (
            SourceBatch(
                records=tuple(part),
                position=SourcePosition(
                    kind=SourceKind.KAFKA,
                    topic=tp.topic,
                    partition=tp.partition,
                    first_offset=part[0].position,
                    last_offset=part[-1].position,
                ),
                received_at=now,
            ),
            is_held,
        )
        for part, is_held in parts
        if part
    ]


def records_of(messages: Sequence[object]) -> list[RawRecord]:
    """Consumed Kafka messages as raw records: offset, value, (UTF-8) key as twin and the
    ``content-type`` header; each distinct key is decoded once (keys repeat: one a twin).

    The client's records (``ConsumerRecord``, every one with a ``bytes`` value) are read a
    column at a time, each pass a ``map`` in C, and the records made by ``tuple.__new__``
    (a named tuple's own constructor is a Python call per record): the fetch's Python per
    record was a quarter of ours' wall time at one sample a record. Anything else takes
    :func:`_each_record`, with the same result."""
    if not messages or set(map(type, messages)) != {ConsumerRecord}:
        return _each_record(messages)
    values = list(map(_value, messages))
    if set(map(type, values)) != {bytes}:
        return _each_record(messages)
    keys = list(map(_key, messages))
    names = {key: _twin(key) if type(key) is bytes else None for key in set(keys)}
    headers = list(map(_headers, messages))
    contents = map(_content_type, headers) if any(headers) else repeat(None)
    return list(
        map(
            tuple.__new__,
            repeat(RawRecord),
            zip(
                map(_offset, messages),
                values,
                map(names.__getitem__, keys),
                repeat(None),
                repeat(None),
                contents,
                strict=False,
            ),
        )
    )


def _each_record(messages: Sequence[object]) -> list[RawRecord]:
    """:func:`records_of`, message by message (any object; a missing attribute is none)."""
    twins: dict[bytes, str | None] = {}
    out: list[RawRecord] = []
    append = out.append
    for message in messages:
        key = getattr(message, "key", None)
        twin = None
        if type(key) is bytes:
            if key in twins:
                twin = twins[key]
            else:
                twin = twins[key] = _twin(key)
        value = getattr(message, "value", None)
        headers = getattr(message, "headers", None)
        append(
            RawRecord(
                int(getattr(message, "offset", -1)),
                value if type(value) is bytes else b"",
                twin,
                None,
                None,
                _content_type(headers) if headers else None,
            )
        )
    return out


def _twin(key: bytes) -> str | None:
    """A record key as the default twin: UTF-8 of 1 to ``MAX_KEY_BYTES`` bytes, else none."""
    if not 0 < len(key) <= MAX_KEY_BYTES:
        return None
    try:
        return key.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _content_type(headers: object) -> str | None:
    """The record's ``content-type`` header (its media type; the codec is chosen by it)."""
    if not isinstance(headers, list | tuple):
        return None
    for item in headers:
        if isinstance(item, tuple) and len(item) == 2 and item[0] == CONTENT_TYPE:
            raw = item[1]
            if isinstance(raw, bytes) and len(raw) <= MAX_KEY_BYTES:
                try:
                    return raw.decode("ascii")
                except UnicodeDecodeError:
                    return None
    return None
