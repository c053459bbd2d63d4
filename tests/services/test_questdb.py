"""The test QuestDB: a WAL table with DEDUP keeps one row per key; ILP over HTTP lands in it.

Written over PG wire (psycopg) and ILP over HTTP, read back over PG wire: the
paths the history store uses.
"""

from __future__ import annotations

import time
import urllib.request
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from psycopg import sql

from tests._services import QuestDBAddress, questdb_connect

pytestmark = pytest.mark.questdb

WAL_TIMEOUT_S = 30.0
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def create_samples(conn: psycopg.Connection[tuple[object, ...]], table: str) -> None:
    conn.execute(
        sql.SQL(
            "CREATE TABLE {} (ts TIMESTAMP, twin SYMBOL, signal SYMBOL, value DOUBLE) "
            "TIMESTAMP(ts) PARTITION BY DAY WAL DEDUP UPSERT KEYS(ts, twin, signal)"
        ).format(sql.Identifier(table))
    )


def wait_for_wal(conn: psycopg.Connection[tuple[object, ...]], table: str) -> None:
    """Wait until the table's writer has applied every committed WAL transaction."""
    deadline = time.monotonic() + WAL_TIMEOUT_S
    query = "SELECT writerTxn, sequencerTxn, suspended FROM wal_tables() WHERE name = %s"
    while True:
        row = conn.execute(query, (table,)).fetchone()
        assert row is not None, f"{table} is not a WAL table"
        writer, sequencer, suspended = row
        assert not suspended, f"WAL apply of {table} is suspended"
        if writer == sequencer:
            return
        assert time.monotonic() < deadline, f"WAL of {table} not applied in {WAL_TIMEOUT_S} s"
        time.sleep(0.05)


def rows(conn: psycopg.Connection[tuple[object, ...]], table: str) -> list[tuple[object, ...]]:
    query = sql.SQL("SELECT ts, twin, signal, value FROM {} ORDER BY ts, twin, signal")
    return conn.execute(query.format(sql.Identifier(table))).fetchall()


def test_a_dedup_wal_table_keeps_one_row_per_key_with_the_last_value(
    questdb: QuestDBAddress, questdb_prefix: str
) -> None:
    table = f"{questdb_prefix}_samples"
    insert = sql.SQL("INSERT INTO {} VALUES (%s, %s, %s, %s)").format(sql.Identifier(table))
    with questdb_connect(questdb) as conn:
        create_samples(conn, table)
        conn.execute(insert, (T0, "pump-1", "power", 1.0))
        conn.execute(insert, (T0 + timedelta(seconds=1), "pump-1", "power", 2.0))
        conn.execute(insert, (T0, "pump-2", "power", 7.0))
        conn.execute(insert, (T0, "pump-1", "power", 1.5))  # the same key again: an upsert
        wait_for_wal(conn, table)
        got = rows(conn, table)
    naive = T0.replace(tzinfo=None)  # QuestDB's TIMESTAMP is UTC without a zone
    assert got == [
        (naive, "pump-1", "power", 1.5),
        (naive, "pump-2", "power", 7.0),
        (naive + timedelta(seconds=1), "pump-1", "power", 2.0),
    ]


def test_ilp_over_http_appends_and_a_replay_adds_nothing(
    questdb: QuestDBAddress, questdb_prefix: str
) -> None:
    table = f"{questdb_prefix}_ilp"
    nanos = int(T0.timestamp()) * 1_000_000_000
    lines = "".join(
        f"{table},twin=press-{i},signal=temp value={20.0 + i} {nanos + i}\n" for i in range(3)
    ).encode()
    with questdb_connect(questdb) as conn:
        create_samples(conn, table)
        for _attempt in range(2):  # the second post is a replay of the first
            request = urllib.request.Request(
                f"http://{questdb.http}/write?precision=n", data=lines, method="POST"
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                assert response.status == 204
        wait_for_wal(conn, table)
        got = rows(conn, table)
    assert [(twin, value) for _ts, twin, _signal, value in got] == [
        ("press-0", 20.0),
        ("press-1", 21.0),
        ("press-2", 22.0),
    ]
