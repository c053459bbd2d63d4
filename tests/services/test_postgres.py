"""The test PostgreSQL stores and returns rows inside a per-test schema (psycopg 3)."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql

pytestmark = pytest.mark.postgres


def test_sql_round_trip_in_fresh_schema(postgres_dsn: str, pg_schema: str) -> None:
    table = sql.Identifier(pg_schema, "readings")
    with psycopg.connect(postgres_dsn) as conn:
        conn.execute(
            sql.SQL("CREATE TABLE {} (key text, ts timestamptz, value double precision)").format(
                table
            )
        )
        with conn.cursor() as cur:
            cur.executemany(
                sql.SQL("INSERT INTO {} VALUES (%s, now(), %s)").format(table),
                [("pump-1", 1.5), ("pump-1", 2.5), ("pump-2", 7.0)],
            )
        rows = conn.execute(
            sql.SQL("SELECT key, sum(value) FROM {} GROUP BY key ORDER BY key").format(table)
        ).fetchall()
    assert rows == [("pump-1", 4.0), ("pump-2", 7.0)]


def test_schema_is_new_and_empty(postgres_dsn: str, pg_schema: str) -> None:
    with psycopg.connect(postgres_dsn) as conn:
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s",
            (pg_schema,),
        ).fetchone()
        owner = conn.execute(
            "SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = %s", (pg_schema,)
        ).fetchone()
    assert tables == (0,)
    assert owner == ("twinweave",)
