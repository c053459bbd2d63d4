"""Keeping the QuestDB minute and hour tiers as batches commit.

The partials (see ``_partials``) are computed in an in-memory DuckDB beside
the client: QuestDB has no ``arg_min`` and cannot nest window functions. For
each tier, after the batch's samples are applied:

1. the batch's partials (minute from its samples, hour from those minutes);
2. the tier rows held for the buckets it touched, merged with them;
3. the raw count of each touched bucket from QuestDB (``SAMPLE BY``): where it
   differs from the merged count (a sample written again, or replaced), or
   where new and held samples interleave, the bucket is recomputed from raw;
4. the merged rows are sent back; the tier's dedup keys replace the old ones.

A batch that only appends (no key twice, each series' first sample later than
the latest sample the minute tier holds for it) skips step 3: nothing of it
can be in raw already, nothing interleaves, so the merge is exact without
waiting for QuestDB to apply the samples and count them.

Each tier is kept in two tables (``_schema``), so that the usual batch appends
rows rather than rewriting ones held (QuestDB applies a commit that rewrites
held rows as an out-of-order merge with dedup, about four times the server CPU
of an appending one): a series' buckets before its last are *closed*, one row
each in the tier table, keyed by the bucket's start; its last bucket is *open*,
a row in the ``_open`` table keyed by the time of the bucket's last sample, a
new row each time the bucket grows (``split_open``). A batch that continues a
series' open bucket writes its merged row as a new open row (a later key), and
the bucket, once the series moves past it, as a closed row after every closed
row of that series. Reads take the closed rows and each series' latest open row
(``LATEST ON``); a bucket in both (a flush that failed half way, or tables
written by the code before this split) is read from the closed row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from ontology.history._append_merge import last_index, latest_rows, merge_appended
from ontology.history._batch_partials import SortedBatch, batch_partials, coarser_partials
from ontology.history._partials import PARTIAL_COLUMNS, merge_sql, partial_sql
from ontology.history._tiers import GRAIN_US, Tier, from_us
from ontology.history.questdb._spans import SPANS_SCHEMA, resolve, spans_select
from ontology.history.questdb._wire import Wire

SEP = "\x1f"
"""Joins twin and signal into the engine's ``series`` key (names hold no control characters)."""
TIER_COLUMNS = tuple(c.strip() for c in PARTIAL_COLUMNS.split(","))
_I, _F, _S = pa.int64(), pa.float64(), pa.string()
RAW_SCHEMA = pa.schema(
    [
        ("twin", _S),
        ("signal", _S),
        ("ts", _I),
        ("value", _F),
        ("text", _S),
        ("quality", _I),
        ("batch", _S),
    ]
)
"""What ``raw_select`` returns."""
TIER_SCHEMA = pa.schema(
    [
        ("twin", _S),
        ("signal", _S),
        ("bucket", _I),
        ("n", _I),
        ("nv", _I),
        ("s", _F),
        ("mn", _F),
        ("mx", _F),
        ("vf_ts", _I),
        ("vf", _F),
        ("vl_ts", _I),
        ("vl", _F),
        ("area", _F),
        ("tf_ts", _I),
        ("tf", _S),
        ("tl_ts", _I),
        ("tl", _S),
        ("lq", _I),
        ("lb", _S),
    ]
)
"""What ``tier_select`` returns."""
COUNT_SCHEMA = pa.schema([("twin", _S), ("signal", _S), ("bucket", _I), ("raw_n", _I)])
_SAMPLE_BY = {Tier.MINUTE: "1m", Tier.HOUR: "1h"}
_TIER_SELECT = (
    "SELECT twin, signal, cast(ts AS long), n, nv, s, mn, mx, vf_ts, vf, vl_ts, vl, area, "
    "tf_ts, tf, tl_ts, tl, lq, lb FROM {table}"
)
_OPEN_SELECT = (
    "SELECT twin, signal, cast(timestamp_floor('{unit}', ts) AS long), n, nv, s, mn, mx, "
    "vf_ts, vf, vl_ts, vl, area, tf_ts, tf, tl_ts, tl, lq, lb FROM {table}"
)
FLOOR_UNIT = {Tier.MINUTE: "m", Tier.HOUR: "h"}
"""``timestamp_floor``'s unit of each tier's grain."""
LATEST = "LATEST ON ts PARTITION BY twin, signal"
"""Each pair's latest row of those a filter selects. QuestDB 9.2 finds it by scanning rows
back from the end until it has met every pair the filter allows, so a filter bounded in
time bounds the scan. (``PARTITION BY twin`` would use the twin index, but it takes each
twin's latest row before a ``signal`` filter: measured, a twin's other signal hid it.)"""
_RAW_SELECT = "SELECT twin, signal, cast(ts AS long), value, text, quality, batch_id FROM {table}"


def tier_select(table: str) -> str:
    return _TIER_SELECT.format(table=table)


def open_select(table: str, tier: Tier) -> str:
    """Rows of the open table ``table`` of ``tier`` as ``tier_select`` gives them (the
    bucket's start from the time of its last sample, the row's key)."""
    return _OPEN_SELECT.format(table=table, unit=FLOOR_UNIT[tier])


def raw_select(table: str) -> str:
    return _RAW_SELECT.format(table=table)


def with_series(table: pa.Table) -> pa.Table:
    """``table`` with its ``twin`` and ``signal`` joined into the engine's ``series`` key."""
    key = pc.binary_join_element_wise(table.column("twin"), table.column("signal"), SEP)
    return table.append_column("series", key)


def _in(rows: pa.Table, other: pa.Table) -> npt.NDArray[np.bool_]:
    """Whether each row's series and bucket are those of a row of ``other`` (buckets are
    whole minutes: a series' code and the bucket's minute make one int64 key)."""
    if not rows.num_rows or not other.num_rows:
        return np.zeros(rows.num_rows, dtype=bool)
    names = pc.unique(
        pa.concat_arrays([c.combine_chunks() for c in (rows["series"], other["series"])])
    )

    def key(table: pa.Table) -> npt.NDArray[np.int64]:
        code = pc.index_in(table.column("series"), value_set=names).to_numpy()
        minute = table.column("bucket").to_numpy() // GRAIN_US[Tier.MINUTE]
        return np.asarray((np.asarray(code, dtype=np.int64) << 31) | minute, dtype=np.int64)

    return np.isin(key(rows), key(other))


def only_closed(open_rows: pa.Table, closed: pa.Table) -> pa.Table:
    """``open_rows`` without those whose series and bucket ``closed`` holds too (the
    closed row wins: it was written later, see the module)."""
    return open_rows.filter(pa.array(~_in(open_rows, closed)))


def split_open(rows: pa.Table, held: pa.Table) -> tuple[pa.Table, pa.Table]:
    """The closed and the open tier rows to send for a batch whose series' rows (merged,
    any bucket it touched) are ``rows``, ``held`` the rows held before it (at least each
    of those series' last bucket).

    Per series, the last bucket of the two is open, every other is closed: the rows of
    ``rows`` go to the one their bucket is now, and a held last bucket the batch moved
    past without touching it goes to the closed table as held. A held last bucket that
    stays last and untouched is not sent again. The open rows' ``bucket`` holds the time
    of the bucket's last sample (their key, see the module)."""
    names = pc.unique(rows.column("series"))
    mine = held.filter(pc.is_in(held.column("series"), value_set=names))
    every = rows
    if mine.num_rows:
        last_held = latest_rows(mine.select(rows.column_names).cast(rows.schema))
        untouched = last_held.filter(pa.array(~_in(last_held, rows)))
        if untouched.num_rows:
            every = pa.concat_tables([rows, untouched])
    # Each series' last row found from the key columns alone, then every column taken
    # once for the open rows and filtered once for the closed ones (a batch of many
    # series has as many rows as series at each grain: each Arrow call on the whole rows
    # costs a pass over all their columns).
    last = last_index(every.select(["series", "bucket"]))
    is_last = np.zeros(every.num_rows, dtype=bool)
    is_last[last] = True
    closed = every.filter(pa.array(~is_last))
    fresh = every.take(pa.array(last[last < rows.num_rows]))
    at = pc.max_element_wise(fresh.column("vl_ts"), fresh.column("tl_ts"))
    return closed, fresh.set_column(fresh.schema.get_field_index("bucket"), "bucket", at)


def append_partials(
    rows: SortedBatch, names: pa.Array, held: Mapping[Tier, pa.Table]
) -> dict[Tier, pa.Table]:
    """The tier rows to send for a batch that only appends: its minute partials (numpy)
    and the hour partials merged from those (a few thousand rows, not the batch's
    samples), keyed by the engine's ``series`` (``names[i]`` for series code ``i``),
    merged with the rows ``held``."""
    minute = batch_partials(rows, GRAIN_US[Tier.MINUTE])
    parts = {Tier.MINUTE: minute, Tier.HOUR: coarser_partials(minute, GRAIN_US[Tier.HOUR])}
    out = {}
    for tier, part in parts.items():
        part = part.set_column(0, "series", names.take(part.column("series")))
        out[tier] = merge_appended(held[tier], part)
    return out


def appends(rows: SortedBatch, names: pa.Array, held: pa.Table) -> bool:
    """Whether every series' first sample in ``rows`` follows the latest one the ``held``
    minute rows know of (a series they do not name has none)."""
    starts = np.flatnonzero(np.r_[True, rows.series[1:] != rows.series[:-1]])
    if not held.num_rows:
        return True
    latest = pc.max_element_wise(held.column("vl_ts"), held.column("tl_ts"))
    per_series = (
        pa.table({"series": held.column("series"), "latest": latest})
        .group_by("series")
        .aggregate([("latest", "max")])
    )
    at = pc.index_in(names.take(pa.array(rows.series[starts])), value_set=per_series["series"])
    known = at.is_valid().to_numpy(zero_copy_only=False)
    if not known.any():
        return True
    held_latest = per_series["latest_max"].take(at.filter(at.is_valid())).to_numpy()
    return bool(np.all(rows.ts[starts][known] > held_latest))


class TierKeeper:
    """Merges one batch (the engine's ``staged`` table) into the tiers of ``prefix``."""

    def __init__(self, engine: duckdb.DuckDBPyConnection, wire: Wire, prefix: str) -> None:
        self._engine = engine
        self._wire = wire
        self._prefix = prefix

    def held(self, lo: int, filters: Sequence[tuple[str, list[Any]]]) -> dict[Tier, pa.Table]:
        """The rows each tier holds from the bucket of ``lo`` on (all a merge can meet),
        closed and open, and the open row (the last bucket, wherever it is) of each series
        the ``filters`` (``twin IN (...) AND signal IN (...)``, their parameters) select:
        a scan of the open table back until each is met (see ``LATEST``)."""
        out = {}
        for tier in (Tier.MINUTE, Tier.HOUR):
            grain = GRAIN_US[tier]
            closed = self._fetch(
                tier_select(f"{self._prefix}_{tier}") + " WHERE ts >= %s",
                [from_us(lo // grain * grain)],
                TIER_SCHEMA,
            )
            table = f"{self._prefix}_{tier}_open"
            open_rows = pa.concat_tables(
                self._fetch(
                    f"{open_select(table, tier)} WHERE {where} {LATEST}", params, TIER_SCHEMA
                )
                for where, params in filters
            )
            out[tier] = pa.concat_tables([closed, only_closed(open_rows, closed)])
        return out

    def merged(self, lo: int, hi: int, held: Mapping[Tier, pa.Table]) -> dict[Tier, pa.Table]:
        """The tier rows to send for a batch spanning ``lo``..``hi`` (µs), its partials
        computed from ``staged``, whose samples must be applied already (the merge
        counts them in raw)."""
        con = self._engine
        out = {}
        for tier in (Tier.MINUTE, Tier.HOUR):
            grain = {"g": GRAIN_US[tier]}
            if tier is Tier.MINUTE:
                con.execute(f"CREATE OR REPLACE TEMP TABLE part AS {partial_sql('staged')}", grain)
            else:
                con.execute(
                    f"CREATE OR REPLACE TEMP TABLE part AS SELECT {PARTIAL_COLUMNS} "
                    f"FROM ({merge_sql('part')})",
                    grain,
                )
            out[tier] = self._merge_tier(tier, lo, hi, held)
        return out

    def _fetch(self, sql: str, params: Sequence[object], schema: pa.Schema) -> pa.Table:
        return with_series(self._wire.arrow(sql, params, schema))

    def _merge_tier(self, tier: Tier, lo: int, hi: int, held: Mapping[Tier, pa.Table]) -> pa.Table:
        con = self._engine
        grain = GRAIN_US[tier]
        first, last = lo // grain * grain, hi // grain * grain + grain
        window = [from_us(first), from_us(last)]
        counts = self._fetch(
            f"SELECT twin, signal, cast(ts AS long), count() FROM {self._prefix}_samples "
            f"WHERE ts >= %s AND ts < %s SAMPLE BY {_SAMPLE_BY[tier]}",
            window,
            COUNT_SCHEMA,
        )
        con.register("held", held[tier])
        con.register("counts", counts)
        try:
            con.execute(
                "CREATE OR REPLACE TEMP TABLE merged AS "
                + merge_sql(
                    f"(SELECT {PARTIAL_COLUMNS} FROM held SEMI JOIN part USING (series, bucket) "
                    f"UNION ALL SELECT {PARTIAL_COLUMNS} FROM part)"
                ),
                {"g": grain},
            )
            redo = con.execute(
                "SELECT min(bucket), max(bucket) FROM merged m LEFT JOIN counts c "
                "USING (series, bucket) WHERE m.overlap OR c.raw_n IS DISTINCT FROM m.n"
            ).fetchall()[0]
            rows = con.sql(f"SELECT {PARTIAL_COLUMNS}, overlap FROM merged").to_arrow_table()
            if redo[0] is not None:
                rows = self._recompute(rows, tier, int(redo[0]), int(redo[1]) + grain)
        finally:
            con.unregister("held")
            con.unregister("counts")
        return rows.drop_columns(["overlap"]).select(list(TIER_COLUMNS))

    def _recompute(self, rows: pa.Table, tier: Tier, first: int, last: int) -> pa.Table:
        """Replace the merged rows that disagree with raw by partials of the raw samples."""
        window = [from_us(first), from_us(last)]
        raw = self._fetch(
            raw_select(f"{self._prefix}_samples") + " WHERE ts >= %s AND ts < %s",
            window,
            RAW_SCHEMA,
        )
        con = self._engine
        if raw.column("batch").null_count:  # samples of batches that only appended
            spans = self._fetch(
                f"{spans_select(self._prefix + '_spans')} WHERE ts >= %s AND first_ts < %s",
                [window[0], last],
                SPANS_SCHEMA,
            )
            raw = resolve(con, raw, spans)
        con.register("raw", raw)
        con.register("rows", rows)
        try:
            fresh = con.sql(
                f"SELECT {PARTIAL_COLUMNS}, false AS overlap FROM ({partial_sql('raw')}) "
                "SEMI JOIN rows USING (series, bucket)",
                params={"g": GRAIN_US[tier]},
            ).to_arrow_table()
            con.register("fresh", fresh)
            kept = con.sql(
                "SELECT * FROM rows ANTI JOIN fresh USING (series, bucket)"
            ).to_arrow_table()
        finally:
            for name in ("raw", "rows", "fresh"):
                con.unregister(name)
        return pa.concat_tables([kept, fresh.cast(kept.schema)])
