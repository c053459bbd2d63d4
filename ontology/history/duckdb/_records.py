"""Events, batches, rejects and Kafka offsets in DuckDB (events in bulk; the rest row by row)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import duckdb
import pyarrow as pa

from ontology import NotFoundError, Page
from ontology.history._records import (
    after_condition,
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
from ontology.history._tiers import to_us
from ontology.history._values import Batch, Event, Reject

_EVENT_ORDER = ("ts", "twin", "kind", "code")
_REJECT_ORDER = ("ts", "batch", "seq")
_BATCH_ORDER = ("received", "id")


def write_events(
    con: duckdb.DuckDBPyConnection,
    events: Sequence[Event],
    data: list[str],
    latest: int,
    *,
    batch: str | None = None,
) -> int:
    """Insert events; one already held with the same (twin, kind, code, time) is replaced.

    ``latest``: no stored event is later (-1: none is stored). When every event
    is later than that, none can be held and the delete is skipped (an ingest
    batch's events follow the last batch's: one statement, not two). Returns
    the new bound (``latest`` or the latest event time written). ``batch``: the batch
    id of the events that name none (``None``: they keep none).

    The rows go in as one Arrow table (``executemany`` inserts row by row: 1.4 s
    for the 4,500 mode events of a 100k-sample ingest batch), read straight from
    Arrow: a temporary table between costs two statements a batch.
    """
    if not events:
        return latest
    times = [to_us(e.time, "event time") for e in events]
    twins = [e.twin for e in events]
    kinds = [e.kind for e in events]
    codes = [e.code for e in events]
    incoming = pa.table(
        {
            "twin": pa.array(twins, pa.string()),
            "ts": pa.array(times, pa.int64()),
            "kind": pa.array(kinds, pa.string()),
            "code": pa.array(codes, pa.string()),
            "message": pa.array([e.message for e in events], pa.string()),
            "data": pa.array(data, pa.string()),
            "batch": pa.array(
                [e.batch if e.batch is not None else batch for e in events], pa.string()
            ),
        }
    )
    # no event twice in the call (the usual case): a plain insert, not DISTINCT ON's
    # hash aggregate (about half the statement's CPU for an ingest batch's events)
    once = len(set(zip(twins, times, kinds, codes, strict=True))) == len(events)
    if once and min(times) > latest:
        # the ingest batch's case: inserted straight from Arrow, in the table's column order
        # (no registration, its removal, nor an ``INSERT ... SELECT``: about 1 ms of CPU each)
        con.from_arrow(incoming).insert_into("events")
        return max(latest, max(times))
    con.register("incoming_events", incoming)
    try:
        if min(times) <= latest:
            con.execute(
                "DELETE FROM events USING incoming_events ev WHERE events.twin = ev.twin "
                "AND events.ts = ev.ts AND events.kind = ev.kind AND events.code = ev.code"
            )
        con.execute(
            "INSERT INTO events SELECT * FROM incoming_events"
            if once
            else "INSERT INTO events SELECT DISTINCT ON (twin, ts, kind, code) * "
            "FROM incoming_events"
        )
    finally:
        con.unregister("incoming_events")
    return max(latest, max(times))


def write_batch_record(
    con: duckdb.DuckDBPyConnection, batch: Batch, rejects: Sequence[Reject]
) -> None:
    con.execute("DELETE FROM rejects WHERE batch = ?", [batch.id])
    if rejects:
        samples = [reject_key(r) for r in rejects]
        named = [s for s in samples if s is not None]
        if named:  # a refused sample another run wrote already: this write replaces it
            # (its copies share its offset: the bounds let DuckDB skip row groups by their
            # offsets' ranges before the keys are matched, a hash join)
            offsets = [r.offset for r in rejects if r.offset is not None]
            con.execute(
                'DELETE FROM rejects WHERE "offset" BETWEEN ? AND ? '
                "AND sample_key IN (SELECT unnest(?))",
                [min(offsets), max(offsets), named],
            )
        con.executemany(
            'INSERT INTO rejects (batch, seq, feed, reason, ts, source, "offset", detail, raw, '
            "item, sample_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    r.batch,
                    seq,
                    r.feed,
                    r.reason,
                    to_us(r.time, "reject time"),
                    json.dumps(position_json(r.source)),
                    r.offset,
                    r.detail,
                    raw_prefix(r),
                    r.item,
                    sample,
                )
                for seq, (r, sample) in enumerate(zip(rejects, samples, strict=True))
            ],
        )
    # An UPDATE, then an INSERT when it met no row, and a DELETE before a plain INSERT: each
    # about a third of the CPU of the ``ON CONFLICT`` / ``INSERT OR REPLACE`` they replace
    # (a small batch's fixed cost), with the same result.
    for (topic, part), offset in kafka_offsets(batch).items():
        row = con.execute(
            "UPDATE offsets SET last_offset = greatest(last_offset, ?) "
            "WHERE topic = ? AND part = ?",
            [offset, topic, part],
        ).fetchone()
        if not row or not row[0]:
            con.execute("INSERT INTO offsets VALUES (?, ?, ?)", [topic, part, offset])
    con.execute("DELETE FROM batches WHERE id = ?", [batch.id])
    con.execute(
        "INSERT INTO batches VALUES (?, ?, ?)",
        [batch.id, to_us(batch.received_at, "Batch.received_at"), batch_json(batch)],
    )


def _page_sql(
    table: str,
    columns: str,
    order: Sequence[str],
    where: list[str],
    after: tuple[Any, ...] | None,
    params: dict[str, Any],
) -> str:
    if after is not None:
        names = [f"a{i}" for i in range(len(order))]
        where.append(after_condition(order, [f"${n}" for n in names]))
        params.update(zip(names, after, strict=True))
    return (
        f"SELECT {columns} FROM {table} WHERE {' AND '.join(where)} "
        f"ORDER BY {', '.join(order)} LIMIT $limit"
    )


def read_events(
    con: duckdb.DuckDBPyConnection,
    twins: Sequence[str] | None,
    window: tuple[int, int],
    kinds: Sequence[str] | None,
    first: int,
    after: str | None,
) -> Page[Event]:
    params: dict[str, Any] = {"start": window[0], "end": window[1], "limit": first + 1}
    where = ["ts >= $start", "ts < $end"]
    if twins is not None:
        where.append("list_contains($twins, twin)")
        params["twins"] = list(twins)
    if kinds is not None:
        where.append("list_contains($kinds, kind)")
        params["kinds"] = list(kinds)
    cursor = decode_cursor(after, (int, str, str, str))
    columns = "twin, ts, kind, code, message, data, batch"
    rows = con.execute(_page_sql("events", columns, _EVENT_ORDER, where, cursor, params), params)
    events = [event_from(row) for row in rows.fetchall()]
    last = events[first - 1] if len(events) > first else None
    next_cursor = (
        encode_cursor(to_us(last.time, "time"), last.twin, last.kind, last.code) if last else None
    )
    return Page(items=tuple(events[:first]), next_cursor=next_cursor)


def get_batch(con: duckdb.DuckDBPyConnection, batch_id: str) -> Batch:
    row = con.execute("SELECT received, record FROM batches WHERE id = ?", [batch_id]).fetchall()
    if not row:
        kind = "batch"
        raise NotFoundError(kind, batch_id)
    return batch_from(batch_id, row[0][0], row[0][1])


def read_batches(
    con: duckdb.DuckDBPyConnection, window: tuple[int, int], first: int, after: str | None
) -> Page[Batch]:
    params: dict[str, Any] = {"start": window[0], "end": window[1], "limit": first + 1}
    cursor = decode_cursor(after, (int, str))
    where = ["received >= $start", "received < $end"]
    sql = _page_sql("batches", "id, received, record", _BATCH_ORDER, where, cursor, params)
    rows = con.execute(sql, params).fetchall()
    batches = [batch_from(*row) for row in rows[:first]]
    more = len(rows) > first
    next_cursor = encode_cursor(rows[first - 1][1], rows[first - 1][0]) if more else None
    return Page(items=tuple(batches), next_cursor=next_cursor)


def read_rejects(
    con: duckdb.DuckDBPyConnection,
    window: tuple[int, int],
    feed: str | None,
    reason: str | None,
    first: int,
    after: str | None,
) -> Page[Reject]:
    params: dict[str, Any] = {"start": window[0], "end": window[1], "limit": first + 1}
    where = ["ts >= $start", "ts < $end"]
    for name, value in (("feed", feed), ("reason", reason)):
        if value is not None:
            where.append(f"{name} = ${name}")
            params[name] = value
    cursor = decode_cursor(after, (int, str, int))
    columns = 'batch, feed, reason, ts, source, "offset", detail, raw, item, seq'
    rows = con.execute(
        _page_sql("rejects", columns, _REJECT_ORDER, where, cursor, params), params
    ).fetchall()
    more = len(rows) > first
    last = rows[first - 1] if more else None
    next_cursor = encode_cursor(last[3], last[0], last[9]) if last else None
    return Page(items=tuple(reject_from(row[:9]) for row in rows[:first]), next_cursor=next_cursor)


def reject_counts(
    con: duckdb.DuckDBPyConnection, window: tuple[int, int], feed: str | None
) -> Mapping[str, int]:
    sql = "SELECT reason, count(*) FROM rejects WHERE ts >= ? AND ts < ?"
    params: list[Any] = [window[0], window[1]]
    if feed is not None:
        sql += " AND feed = ?"
        params.append(feed)
    rows = con.execute(sql + " GROUP BY reason ORDER BY reason", params).fetchall()
    return {str(reason): int(count) for reason, count in rows}


def committed_offsets(con: duckdb.DuckDBPyConnection, topic: str) -> Mapping[int, int]:
    rows = con.execute(
        "SELECT part, last_offset FROM offsets WHERE topic = ? ORDER BY part", [topic]
    ).fetchall()
    return {int(part): int(offset) for part, offset in rows}
