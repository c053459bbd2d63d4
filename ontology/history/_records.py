"""Events, batches and rejects: their checks, their JSON columns and page cursors.

Shared by the stores so that both refuse the same input with the same words
and read back the same values.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from ontology import MAX_PAGE
from ontology.history._columns import SampleColumns, sample_columns
from ontology.history._errors import HistoryInputError
from ontology.history._tiers import from_us, to_us
from ontology.history._values import (
    MAX_RAW_BYTES,
    Batch,
    Event,
    Reject,
    Samples,
    SourceKind,
    SourcePosition,
)

MAX_EVENTS_PER_CALL = 100_000
MAX_REJECTS_PER_BATCH = 100_000
MAX_SHORT = 256
"""Ids, kinds, codes, reasons, feeds, principals."""
MAX_MESSAGE = 4096
MAX_DATA_BYTES = 65_536


def _short(owner: str, name: str, value: object) -> None:
    if not isinstance(value, str) or not 0 < len(value) <= MAX_SHORT:
        message = f"{owner}.{name} is {value!r}; expected a non-empty string of at most {MAX_SHORT}"
        raise HistoryInputError(message)


def _long_text(owner: str, name: str, text: str, time: datetime) -> None:
    """A message or detail of at most ``MAX_MESSAGE`` characters, and an aware time."""
    to_us(time, f"{owner}.time")
    if len(text) > MAX_MESSAGE:
        message = f"{owner}.{name} has {len(text)} characters; expected <= {MAX_MESSAGE}"
        raise HistoryInputError(message)


def check_events(events: Sequence[Event], batch: str | None = None) -> list[str]:
    """Check events; return each one's ``data`` as JSON text."""
    if len(events) > MAX_EVENTS_PER_CALL:
        message = f"got {len(events)} events; expected at most {MAX_EVENTS_PER_CALL} per call"
        raise HistoryInputError(message)
    data: list[str] = []
    for i, event in enumerate(events):
        owner = f"events[{i}]"
        twin, kind, code = event.twin, event.kind, event.code
        # The usual event passes at the cost of these tests (an ingest batch has thousands);
        # any other goes through the checks that name what is wrong.
        if not (
            type(twin) is str
            and 0 < len(twin) <= MAX_SHORT
            and type(kind) is str
            and 0 < len(kind) <= MAX_SHORT
            and type(code) is str
            and 0 < len(code) <= MAX_SHORT
            and type(event.message) is str
            and len(event.message) <= MAX_MESSAGE
            and isinstance(event.time, datetime)
            and event.time.tzinfo is not None
        ):
            _short(owner, "twin", twin)
            _short(owner, "kind", kind)
            _short(owner, "code", code)
            _long_text(owner, "message", event.message, event.time)
        if event.batch is not None and batch is not None and event.batch != batch:
            message = f"{owner}.batch is {event.batch!r}; expected {batch!r}, the batch written"
            raise HistoryInputError(message)
        if not event.data and isinstance(event.data, Mapping):
            data.append("{}")  # most events carry none (a mode event's): no encoder call
            continue
        try:
            text = json.dumps(event.data, allow_nan=False, separators=(",", ":"))
        except (TypeError, ValueError) as error:
            message = f"{owner}.data is not JSON ({error}); expected JSON values only"
            raise HistoryInputError(message) from None
        if len(text) > MAX_DATA_BYTES:
            message = f"{owner}.data is {len(text)} bytes of JSON; expected <= {MAX_DATA_BYTES}"
            raise HistoryInputError(message)
        data.append(text)
    return data


def check_batch(batch: Batch, rejects: Sequence[Reject]) -> None:
    _short("Batch", "id", batch.id)
    _short("Batch", "principal", batch.principal)
    _short("Batch", "pipeline_version", batch.pipeline_version)
    to_us(batch.received_at, "Batch.received_at")
    for name in ("count_in", "accepted"):
        count = getattr(batch, name)
        if not isinstance(count, int) or count < 0:
            message = f"Batch.{name} is {count!r}; expected a count >= 0"
            raise HistoryInputError(message)
    if len(rejects) > MAX_REJECTS_PER_BATCH:
        message = (
            f"batch {batch.id!r} has {len(rejects)} rejects; expected <= {MAX_REJECTS_PER_BATCH}"
        )
        raise HistoryInputError(message)
    for i, reject in enumerate(rejects):
        owner = f"rejects[{i}]"
        if reject.batch != batch.id:
            message = f"{owner}.batch is {reject.batch!r}; expected {batch.id!r}, the batch written"
            raise HistoryInputError(message)
        _short(owner, "feed", reject.feed)
        _short(owner, "reason", reject.reason)
        _long_text(owner, "detail", reject.detail, reject.time)


def raw_prefix(reject: Reject) -> bytes:
    return bytes(reject.raw[:MAX_RAW_BYTES])


def position_json(position: SourcePosition) -> dict[str, Any]:
    return {
        "kind": str(position.kind),
        "topic": position.topic,
        "partition": position.partition,
        "first_offset": position.first_offset,
        "last_offset": position.last_offset,
        "topics": list(position.topics),
        "path": position.path,
    }


def position_from(data: Mapping[str, Any]) -> SourcePosition:
    return SourcePosition(
        kind=SourceKind(data["kind"]),
        topic=data["topic"],
        partition=data["partition"],
        first_offset=data["first_offset"],
        last_offset=data["last_offset"],
        topics=tuple(data["topics"]),
        path=data["path"],
    )


def kafka_offsets(batch: Batch) -> dict[tuple[str, int], int]:
    """The last offset per (topic, partition) among the batch's Kafka sources."""
    offsets: dict[tuple[str, int], int] = {}
    for source in batch.sources:
        if source.kind is SourceKind.KAFKA and source.topic and source.last_offset is not None:
            key = (source.topic, source.partition or 0)
            offsets[key] = max(offsets.get(key, source.last_offset), source.last_offset)
    return offsets


# ------------------------------------------------------------------ cursors


def check_first(first: int) -> None:
    if not 1 <= first <= MAX_PAGE:
        message = f"first is {first!r}; expected a page size from 1 to {MAX_PAGE}"
        raise HistoryInputError(message)


def encode_cursor(*parts: int | str) -> str:
    raw = json.dumps(list(parts), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, shape: tuple[type, ...]) -> tuple[Any, ...] | None:
    """The parts of a cursor made by :func:`encode_cursor`, checked against ``shape``."""
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        parts = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        parts = None
    if (
        not isinstance(parts, list)
        or len(parts) != len(shape)
        or not all(type(p) is t for p, t in zip(parts, shape, strict=True))
    ):
        message = (
            f"after is {cursor[:80]!r}; expected a cursor from a previous page of this listing"
        )
        raise HistoryInputError(message)
    return tuple(parts)


def after_condition(columns: Sequence[str], placeholders: Sequence[str]) -> str:
    """SQL that is true for rows after the cursor in ``ORDER BY columns`` (keyset paging)."""
    column, placeholder = columns[-1], placeholders[-1]
    condition = f"{column} > {placeholder}"
    for column, placeholder in zip(columns[-2::-1], placeholders[-2::-1], strict=True):
        condition = f"({column} > {placeholder} OR ({column} = {placeholder} AND {condition}))"
    return condition


def batch_json(batch: Batch) -> str:
    return json.dumps(
        {
            "sources": [position_json(p) for p in batch.sources],
            "pipeline_version": batch.pipeline_version,
            "model_versions": list(batch.model_versions),
            "principal": batch.principal,
            "count_in": batch.count_in,
            "accepted": batch.accepted,
            "rejected": dict(batch.rejected),
        },
        separators=(",", ":"),
    )


def batch_from(batch_id: str, received_us: int, record: str) -> Batch:
    data = json.loads(record)
    return Batch(
        id=batch_id,
        sources=tuple(position_from(p) for p in data["sources"]),
        received_at=from_us(received_us),
        pipeline_version=data["pipeline_version"],
        model_versions=tuple(data["model_versions"]),
        principal=data["principal"],
        count_in=data["count_in"],
        accepted=data["accepted"],
        rejected=data["rejected"],
    )


def event_from(row: Sequence[Any]) -> Event:
    """An ``Event`` from ``(twin, ts µs, kind, code, message, data JSON, batch)``."""
    twin, ts, kind, code, message, data, batch = row
    return Event(
        twin=twin,
        time=from_us(int(ts)),
        kind=kind,
        code=code,
        message=message,
        data=json.loads(data),
        batch=batch,
    )


def reject_from(row: Sequence[Any]) -> Reject:
    """A ``Reject`` from ``(batch, feed, reason, ts µs, source JSON, offset, detail, raw,
    item)``."""
    batch, feed, reason, ts, source, offset, detail, raw, item = row
    return Reject(
        batch=batch,
        feed=feed,
        reason=reason,
        time=from_us(int(ts)),
        source=position_from(json.loads(source)),
        offset=offset,
        detail=detail,
        raw=bytes(raw),
        item=None if item is None else int(item),
    )


def reject_key(reject: Reject) -> str | None:
    """What names ``reject``'s refused sample whatever batch it came in (``Reject.item``):
    its feed, its source's place, the record's offset and the item; ``None`` when it has no
    offset or no item (known by its batch and position in it only)."""
    if reject.offset is None or reject.item is None:
        return None
    p = reject.source
    place = [reject.feed, str(p.kind), p.topic, p.partition, p.path, reject.offset, reject.item]
    return json.dumps(place, separators=(",", ":"))


def check_write(
    batch: Batch, samples: Samples, events: Sequence[Event], rejects: Sequence[Reject]
) -> tuple[SampleColumns, list[Event], list[str]]:
    """Everything ``write_batch`` checks before it writes: the samples' columns, the events
    (those without a batch get this one's id, for lineage) and their data as JSON."""
    check_batch(batch, rejects)
    data = check_events(events, batch.id)
    mine = [e if e.batch is not None else replace(e, batch=batch.id) for e in events]
    return sample_columns(samples), mine, data
