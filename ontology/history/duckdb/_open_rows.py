"""Each series' open (last) bucket of each tier, kept in memory until it closes.

An appending batch continues the last bucket of most of its series: rewriting
those tier rows every batch (a DuckDB ``UPDATE`` of about 4,000 rows in each
tier, then their share of the commit) was the larger part of the tier work of
a small batch. So the store keeps each series' last bucket of each tier here,
merges an appending batch into it in memory, and writes a bucket to its tier
table once the series moves past it (a batch brings a later bucket), or when
the store *flushes* them all: in the transaction of a batch that does not only
append (its SQL merge reads the tier tables), of ``expire``, and on ``close``.

A bucket is in its tier table or here, never both, so a read takes the table's
rows ``UNION ALL`` these (registered as Arrow tables) and sees every bucket
once. A series whose last bucket is in the table (written by a flush, or by an
older version) continues it there (the ``UPDATE`` of ``_write``) until it moves
past it. A process that dies loses these rows but not their samples: opening
the file writes the tier row of each series' last bucket that has none, from
its raw samples (``repair``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa

from ontology.history._append_merge import merge_rows
from ontology.history._partials import partial_sql
from ontology.history._tiers import GRAIN_US, Tier

TIER_TABLES = {Tier.MINUTE: "tier_minute", Tier.HOUR: "tier_hour"}
_VIEWS = {Tier.MINUTE: "open_minute", Tier.HOUR: "open_hour"}

Ints = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Advanced:
    """One tier after an appending batch: its open rows, and the rows to write to the
    tier table (``held`` marks those that continue a bucket the table holds)."""

    opened: pa.Table
    closed: pa.Table
    held: int


def advance(opened: pa.Table | None, part: pa.Table, latest: Ints, grain: int) -> Advanced:
    """``part`` (a batch's partials at ``grain``, in (series, bucket) order, every sample
    later than any stored for its series) applied to the open rows ``opened`` (one per
    series, in series order; ``None``: none).

    ``latest`` is the latest stored sample time of each row's series (-1: none): a
    series without an open row whose latest sample lies in the row's bucket has that
    bucket in the table. Each series' last bucket of ``part`` becomes its open row,
    merged with the open row it continues; the other rows (and the open rows the batch
    moved past) are closed, ``held`` where they continue a table row.
    """
    series = part.column("series").to_numpy()
    bucket = part.column("bucket").to_numpy()
    first = np.r_[True, series[1:] != series[:-1]]
    last = np.r_[series[1:] != series[:-1], True]
    if opened is None or not opened.num_rows:
        open_series = np.empty(0, dtype=np.int32)
        open_bucket = np.empty(0, dtype=np.int64)
    else:
        open_series = opened.column("series").to_numpy()
        open_bucket = opened.column("bucket").to_numpy()
    clipped = np.zeros(series.size, dtype=np.int64)
    has_open = np.zeros(series.size, dtype=bool)
    in_open = has_open
    if open_series.size:
        at = np.searchsorted(open_series, series)
        clipped = np.minimum(at, open_series.size - 1)
        has_open = (at < open_series.size) & (open_series[clipped] == series)
        in_open = has_open & (open_bucket[clipped] == bucket)
    in_table = ~has_open & (latest >= 0) & (latest // grain * grain == bucket)
    rows = part
    if in_open.all() and opened is not None:
        # every row continues its series' open bucket (one bucket a series): merged in place
        rows = merge_rows(opened.take(pa.array(clipped)), part).cast(part.schema)
    elif in_open.any():
        index = np.flatnonzero(in_open)
        assert opened is not None
        merged = merge_rows(opened.take(pa.array(clipped[index])), part.take(pa.array(index)))
        others = np.flatnonzero(~in_open)
        joined = pa.concat_tables([part.take(pa.array(others)), merged.cast(part.schema)])
        rows = joined.take(pa.array(np.argsort(np.r_[others, index], kind="stable")))
    to_open = last & ~in_table
    # The open rows the batch moves past: its first bucket of their series is later.
    passed = clipped[has_open & first & ~in_open]
    closed = pa.concat_tables(
        [
            _marked(opened.take(pa.array(passed)), False)
            if opened is not None and passed.size
            else _marked(part.slice(0, 0), False),
            _marked(rows.filter(pa.array(~to_open)), in_table[~to_open]),
        ]
    )
    kept = np.ones(open_series.size, dtype=bool)
    kept[clipped[has_open & first]] = False
    fresh = rows.filter(pa.array(to_open))
    if opened is not None and kept.any():
        stay = opened.filter(pa.array(kept)).cast(part.schema)
        both = pa.concat_tables([stay, fresh])
        order = np.argsort(both.column("series").to_numpy(), kind="stable")
        fresh = both.take(pa.array(order))
    return Advanced(fresh, closed, int(in_table.sum()))


def _marked(rows: pa.Table, held: bool | npt.NDArray[np.bool_]) -> pa.Table:
    flags = np.full(rows.num_rows, held, dtype=bool) if isinstance(held, bool) else held
    return rows.append_column("held", pa.array(flags, type=pa.bool_()))


class OpenRows:
    """The open rows of both tiers, and their registration for reads."""

    def __init__(self) -> None:
        self._rows: dict[Tier, pa.Table] = {}
        self._registered: dict[Tier, pa.Table] = {}

    def get(self, tier: Tier) -> pa.Table | None:
        return self._rows.get(tier)

    def __bool__(self) -> bool:
        """Whether some tier has an open row."""
        return bool(self._rows)

    def replace(self, rows: Mapping[Tier, pa.Table]) -> None:
        """After a commit: the open rows it left (``rows``: every tier's)."""
        self._rows = {tier: table for tier, table in rows.items() if table.num_rows}

    def flush(self, con: duckdb.DuckDBPyConnection) -> None:
        """Write every open row to its tier table (inside the caller's transaction); call
        ``replace({})`` once it committed."""
        for tier, rows in self._rows.items():
            con.register("open_rows", rows)
            try:
                con.execute(f"INSERT INTO {TIER_TABLES[tier]} SELECT * FROM open_rows")
            finally:
                con.unregister("open_rows")

    def sources(self, con: duckdb.DuckDBPyConnection) -> dict[Tier, str]:
        """What a read selects each tier's rows from: its table, with the open rows."""
        out: dict[Tier, str] = {}
        for tier, table in TIER_TABLES.items():
            rows = self._rows.get(tier)
            if rows is None:
                out[tier] = table
                continue
            if self._registered.get(tier) is not rows:
                con.register(_VIEWS[tier], rows)
                self._registered[tier] = rows
            out[tier] = f"(SELECT * FROM {table} UNION ALL SELECT * FROM {_VIEWS[tier]})"
        return out


def repair(con: duckdb.DuckDBPyConnection, series: Ints, latest: Ints) -> None:
    """Write, from its raw samples, the tier row of each series' last bucket that has none
    (the open rows of a process that stopped without flushing them). ``series`` and
    ``latest``: each series with samples and its latest sample time (``SeriesIds``)."""
    if not series.size:
        return
    for tier, table in TIER_TABLES.items():
        grain = GRAIN_US[tier]
        last = pa.table({"series": pa.array(series, pa.int32()), "bucket": latest // grain * grain})
        lo = {"lo": int(latest.min()) // grain * grain}
        con.register("last_buckets", last)
        try:
            missing = con.sql(
                "SELECT l.series, l.bucket FROM last_buckets l ANTI JOIN (SELECT series, bucket "
                f"FROM {table} WHERE bucket >= $lo) t ON t.series = l.series "
                "AND t.bucket = l.bucket",
                params=lo,
            ).to_arrow_table()
        finally:
            con.unregister("last_buckets")
        if not missing.num_rows:
            continue  # the usual open: the file was closed, its open rows written
        rows = (
            "(SELECT x.series, x.ts, x.value, x.text, x.quality, x.batch FROM samples x "
            "JOIN missing m ON x.series = m.series AND x.ts >= m.bucket "
            "AND x.ts < m.bucket + $g WHERE x.ts >= $lo)"
        )
        con.register("missing", missing)
        try:
            con.execute(f"INSERT INTO {table} {partial_sql(rows)}", {"g": grain, **lo})
        finally:
            con.unregister("missing")
