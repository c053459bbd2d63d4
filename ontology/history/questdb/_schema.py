"""The QuestDB tables of one store (``{prefix}_...``): WAL tables with dedup keys.

A row written again with the same keys replaces the one held (``DEDUP UPSERT
KEYS``), so a replayed batch leaves one copy. The prefix is checked by the
settings; it is the only text formatted into these statements.

Each tier is two tables (see ``_tiers``): ``minute`` / ``hour`` hold the buckets a
series has moved past (*closed*, keyed by the bucket's start), ``minute_open`` /
``hour_open`` each series' last bucket (*open*) as it grows, one row per write
keyed by the time of the bucket's last sample, so that a batch appends rows
instead of rewriting ones held; reads take each series' latest open row.

A sample's text and batch id are not in ``samples`` but in ``extras``, a row for a
sample that has text or was written with its batch's id (see ``_extras``); a sample of
a batch that only appended has no id: ``spans`` holds that batch's first and last sample
time of each series instead (see ``_spans``).

``samples`` held ``text`` and ``batch_id`` columns before 2026-12-07 (the "tenth pass"):
``check_layout`` refuses such a table rather than misread it.
"""

from __future__ import annotations

_TIER_COLUMNS = (
    "n LONG, nv LONG, s DOUBLE, mn DOUBLE, mx DOUBLE, vf_ts LONG, vf DOUBLE, vl_ts LONG, "
    "vl DOUBLE, area DOUBLE, tf_ts LONG, tf VARCHAR, tl_ts LONG, tl VARCHAR, lq BYTE, lb VARCHAR"
)
_WAL = "TIMESTAMP(ts) PARTITION BY DAY WAL DEDUP UPSERT KEYS"

TABLES = {
    "samples": "ts TIMESTAMP, twin SYMBOL CAPACITY 65536 CACHE INDEX, signal SYMBOL CAPACITY "
    f"1024 CACHE, value DOUBLE, quality BYTE) {_WAL}(ts, twin, signal)",
    "extras": "ts TIMESTAMP, twin SYMBOL CAPACITY 65536 CACHE INDEX, signal SYMBOL CAPACITY "
    f"1024 CACHE, text VARCHAR, batch_id VARCHAR) {_WAL}(ts, twin, signal)",
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
    f"source VARCHAR, off LONG, detail VARCHAR, raw VARCHAR) {_WAL}(ts, batch_id, seq)",
    "offsets": f"ts TIMESTAMP, topic SYMBOL, part LONG, last_offset LONG) "
    f"{_WAL}(ts, topic, part, last_offset)",
    "watermarks": f"ts TIMESTAMP, tier SYMBOL, since LONG) {_WAL}(ts, tier)",
}


def create_statements(prefix: str) -> list[str]:
    return [
        f"CREATE TABLE IF NOT EXISTS {prefix}_{name} ({columns}" for name, columns in TABLES.items()
    ]


def table_names(prefix: str) -> list[str]:
    return [f"{prefix}_{name}" for name in TABLES]


OLD_SAMPLE_COLUMNS = ("text", "batch_id")
"""The columns ``{prefix}_samples`` held before ``extras`` (see ``check_layout``)."""


def old_layout(prefix: str, columns: list[str]) -> str | None:
    """Why ``{prefix}_samples`` with ``columns`` is of the layout before ``extras``, or
    ``None`` when it is not: the message of the error the store raises."""
    found = [c for c in OLD_SAMPLE_COLUMNS if c in columns]
    if not found:
        return None
    table = f"{prefix}_samples"
    return (
        f"the QuestDB table {table} has the columns {', '.join(found)} of the samples layout "
        f"before text and batch ids moved to {prefix}_extras (2026-12-07); this version would "
        "read its text and batch ids as missing. Open the store with another prefix (a "
        f"fresh set of tables), or copy the rows over and drop the old table: "
        f"RENAME TABLE {table} TO {table}_old, open the store (it creates both tables), then "
        f"INSERT INTO {table} SELECT ts, twin, signal, value, quality FROM {table}_old and "
        f"INSERT INTO {prefix}_extras SELECT ts, twin, signal, text, batch_id FROM "
        f"{table}_old WHERE text IS NOT NULL OR batch_id IS NOT NULL"
    )
