"""The change feed on a Kafka topic: the worker publishes, any number of servers subscribe.

One partition keeps change sets in publish order; a change set's cursor is its
offset (zero-padded, so cursors sort as they were published). Subscribing
reads the topic without a consumer group: from the offset after a cursor, or
from the end. A cursor older than the topic still holds (retention deleted
it) raises ``CursorExpiredError``. Change sets travel as JSON.

``publish`` is synchronous (the worker commits from a thread); it hands the
record to a producer running on this feed's own event-loop thread and waits
until the broker has it, so the cursor it returns is durable.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError, OffsetOutOfRangeError

from ontology import InvalidError, JsonValue, StoreUnavailableError
from ontology.changefeed import ChangeSet, CursorExpiredError, SignalChange
from ontology.history import Event

PARTITION = 0
MAX_MESSAGE_BYTES = 8 << 20
_DIGITS = 20


@dataclass(frozen=True, slots=True)
class KafkaChangeFeedSettings:
    bootstrap: str
    topic: str = "twinweave.changes"
    timeout_s: float = 30.0
    """How long ``publish`` waits for the broker before it raises."""

    def __post_init__(self) -> None:
        if not self.bootstrap or not self.topic or len(self.topic) > 249:
            msg = (
                f"KafkaChangeFeedSettings bootstrap={self.bootstrap!r} topic={self.topic!r}; "
                "expected host:port and a topic name of 1 to 249 characters"
            )
            raise InvalidError(msg)


class KafkaChangeFeed:
    """A ``ChangeFeed`` on one Kafka topic partition (see the module docstring)."""

    def __init__(self, settings: KafkaChangeFeedSettings) -> None:
        self._settings = settings
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._producer: AIOKafkaProducer | None = None
        self._closed = False

    # ---------------------------------------------------------------- publish
    def publish(
        self,
        batch: str | None,
        signals: Sequence[SignalChange],
        events: Sequence[Event],
    ) -> str:
        if self._closed:
            msg = f"change feed on {self._settings.topic!r} is closed; expected an open feed"
            raise StoreUnavailableError(msg)
        body = json.dumps(
            {
                "batch": batch,
                "at": datetime.now(UTC).isoformat(),
                "signals": [_signal_json(s) for s in signals],
                "events": [_event_json(e) for e in events],
            },
            separators=(",", ":"),
        ).encode()
        future = asyncio.run_coroutine_threadsafe(self._send(body), self._loop)
        try:
            offset = future.result(self._settings.timeout_s)
        except (KafkaError, OSError, TimeoutError) as error:
            msg = f"change feed topic {self._settings.topic!r} cannot be written: {error}"
            raise StoreUnavailableError(msg) from None
        return _cursor(offset)

    async def _send(self, body: bytes) -> int:
        if self._producer is None:
            producer = AIOKafkaProducer(
                bootstrap_servers=self._settings.bootstrap,
                acks="all",
                max_request_size=MAX_MESSAGE_BYTES,
            )
            await producer.start()
            self._producer = producer
        meta = await self._producer.send_and_wait(self._settings.topic, body, partition=PARTITION)
        return int(meta.offset)

    # -------------------------------------------------------------- subscribe
    def subscribe(self, after: str | None = None) -> AsyncIterator[ChangeSet]:
        """From the offset after ``after``; with None, from the end as it is now (asked of the
        broker here, so a change published after this call returns is never missed)."""
        if after is None:
            future = asyncio.run_coroutine_threadsafe(self._end(), self._loop)
            try:
                start = future.result(self._settings.timeout_s)
            except (KafkaError, OSError, TimeoutError) as error:
                msg = f"change feed topic {self._settings.topic!r} cannot be read: {error}"
                raise StoreUnavailableError(msg) from None
        else:
            start = _offset(after) + 1
        return self._follow(after, start)

    async def _end(self) -> int:
        tp = TopicPartition(self._settings.topic, PARTITION)
        consumer = AIOKafkaConsumer(bootstrap_servers=self._settings.bootstrap, group_id=None)
        await consumer.start()
        try:
            return int((await consumer.end_offsets([tp]))[tp])
        finally:
            await consumer.stop()

    async def _follow(self, after: str | None, start: int) -> AsyncIterator[ChangeSet]:
        tp = TopicPartition(self._settings.topic, PARTITION)
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._settings.bootstrap,
            enable_auto_commit=False,
            group_id=None,
            auto_offset_reset="none",
            max_partition_fetch_bytes=MAX_MESSAGE_BYTES,
        )
        await consumer.start()
        try:
            consumer.assign([tp])
            oldest = (await consumer.beginning_offsets([tp]))[tp]
            if start < oldest:
                raise CursorExpiredError(after or "", _cursor(oldest))
            consumer.seek(tp, start)
            position = start
            while True:
                closed = self._closed
                try:
                    batches = await consumer.getmany(tp, timeout_ms=200)
                except OffsetOutOfRangeError:  # retention deleted what this reader had not read
                    oldest = (await consumer.beginning_offsets([tp]))[tp]
                    raise CursorExpiredError(_cursor(position - 1), _cursor(oldest)) from None
                messages = batches.get(tp, ())
                for message in messages:
                    position = message.offset + 1
                    yield _change_set(message.offset, message.value)
                if closed and not messages:  # closed: what was published is read, then the end
                    return
        finally:
            await consumer.stop()

    # ------------------------------------------------------------------ close
    def close(self) -> None:
        if self._closed:
            return
        self._closed = True

        async def stop() -> None:
            if self._producer is not None:
                await self._producer.stop()

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(self._settings.timeout_s)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(self._settings.timeout_s)
        self._loop.close()


def _cursor(offset: int) -> str:
    return f"{offset:0{_DIGITS}d}"


def _offset(cursor: str) -> int:
    if not isinstance(cursor, str) or not cursor.isascii() or not cursor.isdigit():
        msg = f"change-feed cursor {cursor!r:.80} is malformed; expected digits (a Kafka offset)"
        raise InvalidError(msg)
    if len(cursor) > _DIGITS:
        msg = f"change-feed cursor {cursor[:40]!r}... is too long; expected {_DIGITS} digits"
        raise InvalidError(msg)
    return int(cursor)


def _signal_json(change: SignalChange) -> dict[str, Any]:
    return {
        "twin": change.twin,
        "signal": change.signal,
        "value": change.value,
        "time": change.time.isoformat(),
        "quality": change.quality,
        "batch": change.batch,
    }


def _event_json(event: Event) -> dict[str, Any]:
    return {
        "twin": event.twin,
        "time": event.time.isoformat(),
        "kind": event.kind,
        "code": event.code,
        "message": event.message,
        "data": dict(event.data),
        "batch": event.batch,
    }


def _change_set(offset: int, body: bytes | None) -> ChangeSet:
    doc = json.loads(body or b"{}")
    signals = tuple(
        SignalChange(
            twin=s["twin"],
            signal=s["signal"],
            value=_json(s["value"]),
            time=datetime.fromisoformat(s["time"]),
            quality=int(s["quality"]),
            batch=s["batch"],
        )
        for s in doc.get("signals", ())
    )
    events = tuple(
        Event(
            twin=e["twin"],
            time=datetime.fromisoformat(e["time"]),
            kind=e["kind"],
            code=e["code"],
            message=e["message"],
            data=e["data"],
            batch=e["batch"],
        )
        for e in doc.get("events", ())
    )
    return ChangeSet(
        cursor=_cursor(offset),
        batch=doc.get("batch"),
        at=datetime.fromisoformat(doc["at"]) if "at" in doc else datetime.now(UTC),
        signals=signals,
        events=events,
    )


def _json(value: Any) -> JsonValue:
    result: JsonValue = value
    return result
