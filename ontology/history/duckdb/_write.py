"""Writing a batch's samples into DuckDB, inside the caller's transaction.

1. new (twin, signal) pairs get a series id (assigned in memory: the store is
   the file's only writer); the batch is staged with ids;
2. a key written twice inside the batch keeps its last row;
3. keys the table holds already (found by a join limited to the batch's time
   span, so zonemaps skip the rest): an identical row is dropped from the
   batch (the first writer stays its lineage), a different one replaces the
   stored row (the later write wins, as in QuestDB's upsert);
4. the rows are appended, and each tier merges the batch's partials into the
   buckets it touched; a bucket where new numeric samples interleave with
   stored ones, or where a stored row was replaced, is recomputed from raw.
"""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from ontology.history._columns import SampleColumns
from ontology.history._partials import PARTIAL_COLUMNS, merge_sql, partial_sql
from ontology.history._tiers import GRAIN_US, Tier

TIER_TABLES = {Tier.MINUTE: "tier_minute", Tier.HOUR: "tier_hour"}


class SeriesIds:
    """The series ids of this file, held in memory (the store is the file's only writer)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        known = con.execute("SELECT id, twin, signal FROM series").fetchall()
        self._ids = {(twin, signal): int(i) for i, twin, signal in known}
        self._next = max(self._ids.values(), default=0) + 1

    def get(self, twin: str, signal: str) -> int | None:
        return self._ids.get((twin, signal))

    def assign(self, columns: SampleColumns) -> tuple[pa.Array, pa.Table]:
        """Each row's series id, and the series that are new (``id, twin, signal``).

        Nothing is remembered until :meth:`keep` (after the batch committed).
        """
        pairs, inverse = columns.series_codes()
        ids = np.empty(len(pairs), dtype=np.int32)
        new: list[tuple[int, str, str]] = []
        for i, pair in enumerate(pairs):
            known = self._ids.get(pair)
            if known is None:
                known = self._next + len(new)
                new.append((known, *pair))
            ids[i] = known
        created = pa.table(
            {
                "id": pa.array([n[0] for n in new], type=pa.int32()),
                "twin": pa.array([n[1] for n in new], type=pa.string()),
                "signal": pa.array([n[2] for n in new], type=pa.string()),
            }
        )
        return pa.array(ids[inverse]), created

    def keep(self, created: pa.Table) -> None:
        for i, twin, signal in zip(
            *(created.column(n).to_pylist() for n in created.column_names), strict=True
        ):
            self._ids[(twin, signal)] = i
        self._next += created.num_rows


def write_samples(
    con: duckdb.DuckDBPyConnection, columns: SampleColumns, batch: str, series: SeriesIds
) -> pa.Table:
    """Write the samples; return the series created (for ``SeriesIds.keep`` after commit)."""
    ids, created = series.assign(columns)
    incoming = columns.table.drop_columns(["twin", "signal"]).append_column("series", ids)
    con.register("incoming", incoming)
    con.register("created", created)
    try:
        con.execute("INSERT INTO series SELECT * FROM created")
        con.execute(
            "CREATE OR REPLACE TEMP TABLE staged AS SELECT series, ts, value, text, quality, "
            "$batch AS batch, rn FROM incoming",
            {"batch": batch},
        )
    finally:
        con.unregister("incoming")
        con.unregister("created")
    if con.execute(
        "SELECT 1 FROM staged GROUP BY series, ts HAVING count(*) > 1 LIMIT 1"
    ).fetchall():
        con.execute(
            "CREATE OR REPLACE TEMP TABLE staged AS SELECT * FROM staged "
            "QUALIFY row_number() OVER (PARTITION BY series, ts ORDER BY rn DESC) = 1"
        )
    span = {"lo": columns.lo, "hi": columns.hi}
    con.execute(
        "CREATE OR REPLACE TEMP TABLE matched AS SELECT st.series, st.ts, "
        "(st.value IS NOT DISTINCT FROM x.value AND st.text IS NOT DISTINCT FROM x.text "
        "AND st.quality = x.quality) AS same FROM staged st JOIN samples x "
        "ON x.series = st.series AND x.ts = st.ts WHERE x.ts BETWEEN $lo AND $hi",
        span,
    )
    replaced = False
    if con.execute("SELECT count(*) FROM matched").fetchone() != (0,):
        con.execute(
            "DELETE FROM staged USING matched WHERE staged.series = matched.series "
            "AND staged.ts = matched.ts AND matched.same"
        )
        deleted = con.execute(
            "DELETE FROM samples USING matched WHERE samples.series = matched.series "
            "AND samples.ts = matched.ts AND NOT matched.same AND samples.ts BETWEEN $lo AND $hi",
            span,
        ).fetchone()
        replaced = deleted is not None and deleted[0] > 0
    con.execute("INSERT INTO samples SELECT * EXCLUDE (rn) FROM staged")
    # The batch's minute partials, then its hour partials merged from those (fewer rows
    # than the samples whenever a series has several samples a minute).
    minute = {"g": GRAIN_US[Tier.MINUTE]}
    con.execute(f"CREATE OR REPLACE TEMP TABLE part AS {partial_sql('staged')}", minute)
    _merge_tier(con, TIER_TABLES[Tier.MINUTE], GRAIN_US[Tier.MINUTE], span, replaced=replaced)
    hour = {"g": GRAIN_US[Tier.HOUR]}
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE part AS SELECT {PARTIAL_COLUMNS} FROM ({merge_sql('part')})",
        hour,
    )
    _merge_tier(con, TIER_TABLES[Tier.HOUR], GRAIN_US[Tier.HOUR], span, replaced=replaced)
    return created


def _merge_tier(
    con: duckdb.DuckDBPyConnection,
    table: str,
    grain: int,
    span: dict[str, int],
    *,
    replaced: bool,
) -> None:
    bounds: dict[str, Any] = {
        "g": grain,
        "blo": span["lo"] // grain * grain,
        "bhi": span["hi"] // grain * grain,
    }
    grain_only = {"g": grain}
    touched = (
        f"SELECT t.* FROM {table} t SEMI JOIN part p ON t.series = p.series "
        "AND t.bucket = p.bucket WHERE t.bucket BETWEEN $blo AND $bhi"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE merged AS "
        + merge_sql(f"({touched} UNION ALL SELECT * FROM part)"),
        bounds,
    )
    con.execute(
        f"DELETE FROM {table} USING part WHERE {table}.series = part.series "
        f"AND {table}.bucket = part.bucket AND {table}.bucket BETWEEN $blo AND $bhi",
        {k: bounds[k] for k in ("blo", "bhi")},
    )
    redo = "SELECT series, bucket FROM merged WHERE overlap"
    if replaced:
        # A replaced row's bucket is in ``part`` (its new row is), so it was deleted above.
        redo += " UNION SELECT DISTINCT series, ts // $g * $g FROM matched WHERE NOT same"
    con.execute(f"CREATE OR REPLACE TEMP TABLE redo AS {redo}", grain_only if replaced else {})
    con.execute(
        f"INSERT INTO {table} SELECT {PARTIAL_COLUMNS} FROM merged "
        "ANTI JOIN redo USING (series, bucket)"
    )
    if con.execute("SELECT count(*) FROM redo").fetchone() != (0,):
        rows = (
            "(SELECT x.series, x.ts, x.value, x.text, x.quality, x.batch FROM samples x "
            "SEMI JOIN redo r ON x.series = r.series AND x.ts // $g * $g = r.bucket "
            "WHERE x.ts BETWEEN $blo AND $bhi + $g - 1)"
        )
        con.execute(f"INSERT INTO {table} {partial_sql(rows)}", bounds)
