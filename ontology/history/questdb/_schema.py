"""The QuestDB tables of one store (``{prefix}_...``): WAL tables with dedup keys.

A row written again with the same keys replaces the one held (``DEDUP UPSERT
KEYS``), so a replayed batch leaves one copy. The prefix is checked by the
settings; it is the only text formatted into these statements.

Each tier is two tables (see ``_tiers``): ``minute`` / ``hour`` hold the buckets a
series has moved past (*closed*, keyed by the bucket's start), ``minute_open`` /
``hour_open`` each series' last bucket (*open*) as it grows, one row per write
keyed by the time of the bucket's last sample, so that a batch appends rows
instead of rewriting ones held; reads take each series' latest open row.

A sample row's ``batch_id`` is null when its batch only appended: ``spans`` holds that
batch's first and last sample time of each series instead (see ``_spans``).

A reject row is keyed by its batch; ``sample_key`` names its refused sample whatever batch it
came in (``Reject.item``). Two runs that cut the same records into other batches write
two rows of one refused sample at two times (a key holds ``ts``, and each run's is its
own receipt), so reads keep the latest row of each ``sample_key`` (``_records``). ``item``
and ``sample_key`` came on 2026-12-07: tables made before get them added, empty.
"""

from __future__ import annotations

from collections.abc import Callable

_TIER_COLUMNS = (
    "n LONG, nv LONG, s DOUBLE, mn DOUBLE, mx DOUBLE, vf_ts LONG, vf DOUBLE, vl_ts LONG, "
    "vl DOUBLE, area DOUBLE, tf_ts LONG, tf VARCHAR, tl_ts LONG, tl VARCHAR, lq BYTE, lb VARCHAR"
)
_WAL = "TIMESTAMP(ts) PARTITION BY DAY WAL DEDUP UPSERT KEYS"

TABLES = {
    "samples": "ts TIMESTAMP, twin SYMBOL CAPACITY 65536 CACHE INDEX, signal SYMBOL CAPACITY "
    "1024 CACHE, value DOUBLE, text VARCHAR, quality BYTE, batch_id VARCHAR) "
    f"{_WAL}(ts, twin, signal)",
    "minute": f"ts TIMESTAMP, twin SYMBOL CAPACITY 65536 CACHE INDEX, signal SYMBOL, "
    f"{_TIER_COLUMNS}) {_WAL}(ts, twin, signal)",
    "hour": f"ts TIMESTAMP, twin SYMBOL CAPACITY 65536 CACHE INDEX, signal SYMBOL, "
    f"{_TIER_COLUMNS}) {_WAL}(ts, twin, signal)",
    "minute_open": f"ts TIMESTAMP, twin SYMBOL CAPACITY 65536 CACHE INDEX, signal SYMBOL, "
    f"{_TIER_COLUMNS}) {_WAL}(ts, twin, signal)",
    "hour_open": f"ts TIMESTAMP, twin SYMBOL CAPACITY 65536 CACHE INDEX, signal SYMBOL, "
    f"{_TIER_COLUMNS}) {_WAL}(ts, twin, signal)",
    "events": "ts TIMESTAMP, twin SYMBOL CAPACITY 65536 CACHE, kind SYMBOL, code VARCHAR, "
    f"message VARCHAR, data VARCHAR, batch_id VARCHAR) {_WAL}(ts, twin, kind, code)",
    "batches": f"ts TIMESTAMP, id VARCHAR, record VARCHAR) {_WAL}(ts, id)",
    "spans": "ts TIMESTAMP, twin SYMBOL CAPACITY 65536 CACHE, signal SYMBOL CAPACITY 1024 CACHE, "
    f"first_ts LONG, batch_id VARCHAR) {_WAL}(ts, twin, signal)",
    "rejects": "ts TIMESTAMP, batch_id VARCHAR, seq LONG, feed SYMBOL, reason SYMBOL, "
    "source VARCHAR, off LONG, detail VARCHAR, raw VARCHAR, item LONG, sample_key VARCHAR) "
    f"{_WAL}(ts, batch_id, seq)",
    "offsets": f"ts TIMESTAMP, topic SYMBOL, part LONG, last_offset LONG) "
    f"{_WAL}(ts, topic, part, last_offset)",
    "watermarks": f"ts TIMESTAMP, tier SYMBOL, since LONG) {_WAL}(ts, tier)",
}


ADDED = {"rejects": (("item", "LONG"), ("sample_key", "VARCHAR"))}
"""Columns added since the tables were first made: a table made before gets them, empty
(``added_columns``)."""


def create_statements(prefix: str) -> list[str]:
    return [
        f"CREATE TABLE IF NOT EXISTS {prefix}_{name} ({columns}" for name, columns in TABLES.items()
    ]


def added_columns(prefix: str, held: Callable[[str], set[str]]) -> list[str]:
    """The statements that add ``ADDED``'s columns a table lacks (``held``: a table's column
    names). Only those: QuestDB refuses ``ADD COLUMN IF NOT EXISTS`` of a column a WAL table
    has (a no-op statement)."""
    statements: list[str] = []
    for name, columns in ADDED.items():
        table = f"{prefix}_{name}"
        have = held(table)
        statements.extend(
            f"ALTER TABLE {table} ADD COLUMN {column} {kind}"
            for column, kind in columns
            if column not in have
        )
    return statements


def table_names(prefix: str) -> list[str]:
    return [f"{prefix}_{name}" for name in TABLES]
