"""Reading samples back from DuckDB: as-of and raw (buckets: ``_range``).

``as_of`` names its series by a registered Arrow table ``keys(position,
series)``: position ``i`` answers the caller's ``keys[i]`` (the same series may
be asked twice), ``series`` is its id.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from ontology.history._arrays import as_of_arrays, samples_of
from ontology.history._tiers import MINUTE_US, Tier, floor_hour
from ontology.history._values import AsOf, Samples, SeriesKey


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


_RAW_OF_MINUTE = (
    "SELECT k.position, c.ts, c.value, c.text, c.quality, c.batch FROM samples c "
    "JOIN keys k USING (series) WHERE c.ts >= $minute_at AND c.ts <= $at"
)
_LAST_OF_TIER = """
SELECT series, greatest(vl_ts, tl_ts) AS ts,
    CASE WHEN vl_ts = greatest(vl_ts, tl_ts) THEN vl END AS value,
    CASE WHEN tl_ts = greatest(vl_ts, tl_ts) THEN tl END AS text, lq AS quality, lb AS batch
FROM {table} WHERE {where}"""


def _from_tiers(sources: Mapping[Tier, str]) -> str:
    """The last sample of each key from the tiers' rows (``sources``: ``OpenRows.sources``)."""
    return (
        "SELECT k.position, c.ts, c.value, c.text, c.quality, c.batch FROM ("
        + _LAST_OF_TIER.format(
            table=sources[Tier.MINUTE], where="bucket >= $hour AND bucket + $minute <= $at + 1"
        )
        + " UNION ALL "
        + _LAST_OF_TIER.format(table=sources[Tier.HOUR], where="bucket < $hour")
        + ") c JOIN keys k USING (series) "
        "QUALIFY row_number() OVER (PARTITION BY k.position ORDER BY c.ts DESC) = 1"
    )


def _last_of_each(table: pa.Table) -> pa.Table:
    """The row of each ``position`` with the latest ``ts``."""
    if table.num_rows < 2:
        return table
    position = np.asarray(table.column("position").to_numpy(), dtype=np.int64)
    ts = np.asarray(table.column("ts").to_numpy(), dtype=np.int64)
    order = np.lexsort((ts, position))
    ordered = position[order]
    last = order[np.r_[ordered[1:] != ordered[:-1], True]]
    return table if len(last) == table.num_rows else table.take(last)


def read_as_of(
    con: duckdb.DuckDBPyConnection,
    keys: Sequence[SeriesKey],
    ids: Sequence[int | None],
    at: int,
    sources: Mapping[Tier, str],
) -> AsOf:
    """The raw samples of the minute holding ``at``; for the series without one there, the
    last of the whole minutes of its hour and of the whole hours before.

    A tier row holds its bucket's last sample exactly (every sample is a number or a
    text, and every write merges into the tiers), and every tier row ``at`` may use lies
    before the open minute (or in it, when it ends at ``at``: the same samples as its raw
    rows). So a series with a raw sample in the open minute has its answer there, and
    only the others (none, when every series reports at least once a minute) are looked
    up in the tiers: two short statements at most instead of one that merges every
    tier row of the hour. Window zone maps on ``ts`` keep the scans small; the series
    are kept by the join with ``keys`` alone (DuckDB pushes its filter into each scan).
    """
    minute_at = at // MINUTE_US * MINUTE_US
    raw = _last_of_each(_fetch(con, ids, _RAW_OF_MINUTE, {"minute_at": minute_at, "at": at}))
    rest = list(ids)
    for position in raw.column("position").to_pylist():
        rest[position] = None
    if all(s is None for s in rest):
        return as_of_arrays(keys, raw)
    params = {"hour": floor_hour(at), "at": at, "minute": MINUTE_US}
    tiers = _fetch(con, rest, _from_tiers(sources), params)
    return as_of_arrays(keys, pa.concat_tables([raw, tiers], promote_options="default"))


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
