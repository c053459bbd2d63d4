"""Events, batches, rejects, Kafka offsets and watermarks in QuestDB (rows over ILP)."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from typing import Any

from questdb import Sender

from ontology import NotFoundError, Page
from ontology.history._records import (
    batch_from,
    batch_json,
    decode_cursor,
    encode_cursor,
    event_from,
    kafka_offsets,
    position_json,
    raw_prefix,
    reject_from,
    reject_key,
)
from ontology.history._tiers import from_us
from ontology.history._values import Batch, Event, Reject
from ontology.history.questdb._wire import Wire


def add_events(sender: Sender, table: str, events: Sequence[Event], data: Sequence[str]) -> None:
    for event, text in zip(events, data, strict=True):
        columns: dict[str, Any] = {"code": event.code, "message": event.message, "data": text}
        if event.batch is not None:
            columns["batch_id"] = event.batch
        sender.row(
            table,
            symbols={"twin": event.twin, "kind": event.kind},
            columns=columns,
            at=event.time,
        )


def add_rejects(sender: Sender, table: str, rejects: Sequence[Reject]) -> None:
    for seq, reject in enumerate(rejects):
        columns: dict[str, Any] = {
            "batch_id": reject.batch,
            "seq": seq,
            "source": json.dumps(position_json(reject.source)),
            "detail": reject.detail,
            "raw": base64.b64encode(raw_prefix(reject)).decode(),
        }
        if reject.offset is not None:
            columns["off"] = reject.offset
        sample = reject_key(reject)
        if sample is not None:
            columns["item"] = reject.item
            columns["sample_key"] = sample
        sender.row(
            table,
            symbols={"feed": reject.feed, "reason": reject.reason},
            columns=columns,
            at=reject.time,
        )


def add_batch(sender: Sender, prefix: str, batch: Batch) -> None:
    at = batch.received_at
    for (topic, part), offset in kafka_offsets(batch).items():
        sender.row(
            f"{prefix}_offsets",
            symbols={"topic": topic},
            columns={"part": part, "last_offset": offset},
            at=at,
        )
    sender.row(f"{prefix}_batches", columns={"id": batch.id, "record": batch_json(batch)}, at=at)


def _after(order: Sequence[str], cursor: tuple[Any, ...] | None, params: dict[str, Any]) -> str:
    """Keyset condition with named placeholders (each may appear more than once)."""
    if cursor is None:
        return ""
    names = [f"a{i}" for i in range(len(order))]
    values = [from_us(v) if c == "ts" else v for c, v in zip(order, cursor, strict=True)]
    params.update(zip(names, values, strict=True))
    condition = f"{order[-1]} > %({names[-1]})s"
    for column, name in zip(order[-2::-1], names[-2::-1], strict=True):
        condition = f"({column} > %({name})s OR ({column} = %({name})s AND {condition}))"
    return " AND " + condition


def _in(column: str, values: Sequence[str], params: dict[str, Any]) -> str:
    names = [f"{column}{i}" for i in range(len(values))]
    params.update(zip(names, values, strict=True))
    return f" AND {column} IN ({', '.join(f'%({n})s' for n in names)})" if names else " AND false"


class RecordReader:
    def __init__(self, wire: Wire, prefix: str) -> None:
        self._wire = wire
        self._prefix = prefix

    def events(
        self,
        twins: Sequence[str] | None,
        window: tuple[int, int],
        kinds: Sequence[str] | None,
        first: int,
        after: str | None,
    ) -> Page[Event]:
        params: dict[str, Any] = {"start": from_us(window[0]), "end": from_us(window[1])}
        sql = (
            "SELECT twin, cast(ts AS long), kind, code, message, data, batch_id FROM "
            f"{self._prefix}_events WHERE ts >= %(start)s AND ts < %(end)s"
        )
        if twins is not None:
            sql += _in("twin", twins, params)
        if kinds is not None:
            sql += _in("kind", kinds, params)
        cursor = decode_cursor(after, (int, str, str, str))
        order = ("ts", "twin", "kind", "code")
        sql += _after(order, cursor, params) + f" ORDER BY {', '.join(order)} LIMIT %(limit)s"
        rows = self._wire.execute(sql, {**params, "limit": first + 1})
        events = [event_from(row) for row in rows[:first]]
        last = rows[first - 1] if len(rows) > first else None
        next_cursor = encode_cursor(int(last[1]), last[0], last[2], last[3]) if last else None
        return Page(items=tuple(events), next_cursor=next_cursor)

    def get_batch(self, batch_id: str) -> Batch:
        rows = self._wire.execute(
            f"SELECT cast(ts AS long), record FROM {self._prefix}_batches WHERE id = %s LIMIT 1",
            [batch_id],
        )
        if not rows:
            kind = "batch"
            raise NotFoundError(kind, batch_id)
        return batch_from(batch_id, int(rows[0][0]), rows[0][1])

    def batches(self, window: tuple[int, int], first: int, after: str | None) -> Page[Batch]:
        params: dict[str, Any] = {"start": from_us(window[0]), "end": from_us(window[1])}
        cursor = decode_cursor(after, (int, str))
        sql = (
            f"SELECT id, cast(ts AS long), record FROM {self._prefix}_batches "
            "WHERE ts >= %(start)s AND ts < %(end)s"
            + _after(("ts", "id"), cursor, params)
            + " ORDER BY ts, id LIMIT %(limit)s"
        )
        rows = self._wire.execute(sql, {**params, "limit": first + 1})
        more = len(rows) > first
        next_cursor = encode_cursor(int(rows[first - 1][1]), rows[first - 1][0]) if more else None
        return Page(
            items=tuple(batch_from(i, int(ts), record) for i, ts, record in rows[:first]),
            next_cursor=next_cursor,
        )

    def rejects(
        self,
        window: tuple[int, int],
        feed: str | None,
        reason: str | None,
        first: int,
        after: str | None,
    ) -> Page[Reject]:
        params: dict[str, Any] = {"start": from_us(window[0]), "end": from_us(window[1])}
        sql = (
            "SELECT batch_id, feed, reason, cast(ts AS long), source, off, detail, raw, item, "
            f"seq FROM ({self._latest(feed, params)}) WHERE true"
        )
        if reason is not None:
            sql += _in("reason", [reason], params)
        cursor = decode_cursor(after, (int, str, int))
        sql += _after(("ts", "batch_id", "seq"), cursor, params)
        sql += " ORDER BY ts, batch_id, seq LIMIT %(limit)s"
        rows = self._wire.execute(sql, {**params, "limit": first + 1})
        items = [
            reject_from((*row[:7], base64.b64decode(row[7] or ""), row[8])) for row in rows[:first]
        ]
        last = rows[first - 1] if len(rows) > first else None
        next_cursor = encode_cursor(int(last[3]), last[0], int(last[9])) if last else None
        return Page(items=tuple(items), next_cursor=next_cursor)

    def reject_counts(self, window: tuple[int, int], feed: str | None) -> Mapping[str, int]:
        params: dict[str, Any] = {"start": from_us(window[0]), "end": from_us(window[1])}
        sql = f"SELECT reason, count() FROM ({self._latest(feed, params)})"
        rows = self._wire.execute(sql + " ORDER BY reason", params)
        return {str(reason): int(count) for reason, count in rows}

    def _latest(self, feed: str | None, params: dict[str, Any]) -> str:
        """The reject rows in ``[start, end)`` (of ``feed``), one of each refused sample: the
        latest row of each ``sample_key`` (a refused sample two runs wrote, see ``_schema``), and
        every row that names none (known by batch and position only). A row in the window
        whose sample was written again after ``end`` is not kept, so the answer is the one
        of a store that keeps the later write only (DuckDB's; two rows of one time: the one
        of the greater batch id, as QuestDB keeps no order of writes). The reason is filtered
        after this: the row kept says why the sample was refused."""
        rows = f"SELECT * FROM {self._prefix}_rejects WHERE ts >= %(start)s" + (
            _in("feed", [feed], params) if feed is not None else ""
        )
        return (
            "SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY coalesce(sample_key, "
            f"concat(batch_id, '#', seq)) ORDER BY ts DESC, batch_id DESC) rn FROM ({rows})) "
            "WHERE rn = 1 AND ts < %(end)s"
        )

    def committed_offsets(self, topic: str) -> Mapping[int, int]:
        rows = self._wire.execute(
            f"SELECT part, max(last_offset) FROM {self._prefix}_offsets WHERE topic = %s "
            "ORDER BY part",
            [topic],
        )
        return {int(part): int(offset) for part, offset in rows}
