"""Reading samples back from DuckDB: as-of and raw (buckets: ``_range``).

``as_of`` names its series by a registered Arrow table ``keys(position,
series)``: position ``i`` answers the caller's ``keys[i]`` (the same series may
be asked twice), ``series`` is its id.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import pyarrow as pa

from ontology.history._arrays import as_of_arrays, samples_of
from ontology.history._tiers import MINUTE_US, Tier, floor_hour
from ontology.history._values import AsOf, Samples, SeriesKey
from ontology.history.duckdb._write import TIER_TABLES


def key_table(ids: Sequence[int | None]) -> pa.Table:
    """``keys(position, series)`` for the ids known (unknown series have no rows)."""
    positions = [i for i, s in enumerate(ids) if s is not None]
    series = [s for s in ids if s is not None]
    return pa.table(
        {
            "position": pa.array(positions, type=pa.int64()),
            "series": pa.array(series, type=pa.int32()),
        }
    )


def _fetch(
    con: duckdb.DuckDBPyConnection, ids: Sequence[int | None], sql: str, params: dict[str, Any]
) -> pa.Table:
    con.register("keys", key_table(ids))
    try:
        return con.sql(sql, params=params).to_arrow_table()
    finally:
        con.unregister("keys")


_LAST_OF_TIER = """
SELECT series, greatest(vl_ts, tl_ts) AS ts,
    CASE WHEN vl_ts = greatest(vl_ts, tl_ts) THEN vl END AS value,
    CASE WHEN tl_ts = greatest(vl_ts, tl_ts) THEN tl END AS text, lq AS quality, lb AS batch
FROM {table} WHERE {where}"""


def read_as_of(
    con: duckdb.DuckDBPyConnection, keys: Sequence[SeriesKey], ids: Sequence[int | None], at: int
) -> AsOf:
    """Raw samples of the minute holding ``at``; before it, whole minutes of its hour and
    whole hours before.

    A tier row holds its bucket's last sample exactly (every sample is a number or a
    text, and every write merges into the tiers), so only the open minute needs raw
    rows: a window zone maps on ``ts`` keep small. The series are kept by the join
    with ``keys`` alone (DuckDB pushes its filter into each scan).
    """
    parts = [
        "SELECT series, ts, value, text, quality, batch FROM samples "
        "WHERE ts >= $minute_at AND ts <= $at",
        _LAST_OF_TIER.format(
            table=TIER_TABLES[Tier.MINUTE],
            where="bucket >= $hour AND bucket + $minute <= $at + 1",
        ),
        _LAST_OF_TIER.format(table=TIER_TABLES[Tier.HOUR], where="bucket < $hour"),
    ]
    sql = (
        "SELECT k.position, c.ts, c.value, c.text, c.quality, c.batch FROM ("
        + " UNION ALL ".join(parts)
        + ") c JOIN keys k USING (series) "
        "QUALIFY row_number() OVER (PARTITION BY k.position ORDER BY c.ts DESC) = 1"
    )
    params = {
        "hour": floor_hour(at),
        "minute_at": at // MINUTE_US * MINUTE_US,
        "at": at,
        "minute": MINUTE_US,
    }
    table = _fetch(con, ids, sql, params)
    return as_of_arrays(keys, table)


def read_raw(
    con: duckdb.DuckDBPyConnection,
    key: SeriesKey,
    series: int | None,
    window: tuple[int, int],
    limit: int,
) -> Samples:
    sql = (
        "SELECT ts, value, text, quality FROM samples WHERE series = $series "
        "AND ts >= $start AND ts < $end ORDER BY ts LIMIT $limit"
    )
    params = {"series": -1 if series is None else series, "start": window[0], "end": window[1]}
    table = con.sql(sql, params={**params, "limit": limit}).to_arrow_table()
    return samples_of(key, table)
