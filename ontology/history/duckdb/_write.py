"""Writing a batch's samples into DuckDB, inside the caller's transaction.

A batch that only appends (each series' samples later than its latest stored
one, which ``SeriesIds`` keeps in memory, and no key twice) takes a short path:
its rows are inserted as they are, its partials computed in numpy, and each
tier merges them into the one bucket per series that may hold earlier samples
(exact: the new samples all follow the stored ones). Any other batch:

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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa

from ontology.history._batch_partials import (
    SortedBatch,
    batch_partials,
    coarser_partials,
    key_twice,
    sort_batch,
)
from ontology.history._columns import SampleColumns
from ontology.history._partials import PARTIAL_COLUMNS, merge_sql, partial_sql
from ontology.history._tiers import GRAIN_US, Tier
from ontology.history.duckdb._open_rows import TIER_TABLES, Advanced, OpenRows, advance

__all__ = ["TIER_TABLES", "SeriesIds", "Written", "write_samples"]


class SeriesIds:
    """The series ids of this file, each one's latest sample time and whether it ever had
    a text sample, held in memory.

    The store is the file's only writer, so both stay true as long as they are
    updated after each commit (:meth:`keep`). ``expire`` only deletes older
    samples: a latest time can be later than what is left, never earlier, which
    at worst sends a batch down the general (join) path. A series that had text keeps
    the mark after its text expired or was replaced (reads then only fetch text
    columns they need not).
    """

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        known = con.execute("SELECT id, twin, signal FROM series").fetchall()
        self._ids = {(twin, signal): int(i) for i, twin, signal in known}
        self._next = max(self._ids.values(), default=0) + 1
        self._latest = np.full(self._next + 1, -1, dtype=np.int64)
        for series, ts in con.execute(
            "SELECT series, max(ts) FROM samples GROUP BY series"
        ).fetchall():
            self._latest[int(series)] = int(ts)
        self._text = np.zeros(self._latest.size, dtype=np.bool_)
        # The hour tier keeps every bucket the finer tiers keep (it expires last).
        for (series,) in con.execute(
            "SELECT DISTINCT series FROM samples WHERE text IS NOT NULL "
            "UNION SELECT DISTINCT series FROM tier_hour WHERE tf_ts IS NOT NULL"
        ).fetchall():
            self._text[int(series)] = True

    def stored(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """The ids of the series with a stored sample, and each one's latest sample time."""
        ids = np.flatnonzero(self._latest >= 0)
        return ids, self._latest[ids]

    def latest(self, ids: npt.NDArray[np.int32]) -> npt.NDArray[np.int64]:
        """The latest stored sample time of each id (-1: none)."""
        known = ids < self._latest.size
        return np.where(known, self._latest[np.where(known, ids, 0)], -1)

    def any_text(self, ids: Sequence[int | None]) -> bool:
        """Whether one of the series ``ids`` has had a text sample."""
        known = [i for i in ids if i is not None and i < self._text.size]
        return bool(self._text[known].any())

    def get(self, twin: str, signal: str) -> int | None:
        return self._ids.get((twin, signal))

    def assign(self, columns: SampleColumns) -> tuple[pa.Array, NewSeries]:
        """Each row's series id, and the series that are new.

        Nothing is remembered until :meth:`keep` (after the batch committed).
        """
        pairs, inverse = columns.series_codes()
        held = self._ids
        # -1: a pair not held; the new ones numbered in one step (a batch of 5,000 new
        # series: a tuple and an Arrow row each, built one by one, cost about 3 ms).
        ids = np.fromiter((held.get(pair, -1) for pair in pairs), dtype=np.int32, count=len(pairs))
        fresh = np.flatnonzero(ids < 0)
        ids[fresh] = np.arange(self._next, self._next + fresh.size, dtype=np.int32)
        named = [pairs[i] for i in fresh.tolist()]
        created = pa.table(
            {
                "id": pa.array(ids[fresh], type=pa.int32()),
                "twin": pa.array([pair[0] for pair in named], type=pa.string()),
                "signal": pa.array([pair[1] for pair in named], type=pa.string()),
            }
        )
        return pa.array(ids[inverse]), NewSeries(created, named)

    def keep(self, written: Written) -> None:
        """Remember the series created and the latest times of a committed batch."""
        created = written.created
        self._ids.update(zip(created.pairs, created.table.column("id").to_pylist(), strict=True))
        self._next += created.table.num_rows
        if self._latest.size <= self._next:
            grown = np.full(self._next * 2, -1, dtype=np.int64)
            grown[: self._latest.size] = self._latest
            self._latest = grown
            text = np.zeros(grown.size, dtype=np.bool_)
            text[: self._text.size] = self._text
            self._text = text
        np.maximum.at(self._latest, written.series, written.latest)
        self._text[written.text] = True


@dataclass(frozen=True, slots=True)
class NewSeries:
    """The series a batch creates: ``table`` (``id, twin, signal``) and its pairs."""

    table: pa.Table
    pairs: list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Written:
    """What a written batch changes in :class:`SeriesIds` once it committed."""

    created: NewSeries
    series: npt.NDArray[np.int32]
    latest: npt.NDArray[np.int64]
    text: npt.NDArray[np.int32]
    """The series with a text sample in the batch."""
    opened: Mapping[Tier, pa.Table]
    """Each tier's open rows after the batch (``OpenRows.replace``)."""


def write_samples(
    con: duckdb.DuckDBPyConnection,
    columns: SampleColumns,
    batch: str,
    series: SeriesIds,
    opened: OpenRows,
) -> Written:
    """Write the samples; return what ``SeriesIds.keep`` and ``OpenRows.replace`` take
    after the commit."""
    ids, created = series.assign(columns)
    rows, table = sort_batch(columns, ids.to_numpy(), batch)
    sid, ts = rows.series, rows.ts
    ends = np.flatnonzero(np.r_[sid[1:] != sid[:-1], True])
    starts = np.r_[0, ends[:-1] + 1]
    text = columns.table.column("text")
    with_text = np.empty(0, dtype=np.int32)
    if text.null_count < len(text):
        valid = np.asarray(text.is_valid().to_numpy(zero_copy_only=False), dtype=np.bool_)
        with_text = np.unique(ids.to_numpy()[valid])
    if key_twice(rows) or not bool(np.all(ts[starts] > series.latest(sid[starts]))):
        # Its SQL merge reads the tier tables: the open rows go there first.
        opened.flush(con)
        _write_general(con, columns, batch, ids, created.table)
        return Written(created, sid[ends], ts[ends], with_text, {})
    after = _append(con, rows, table, created.table, series, opened)
    return Written(created, sid[ends], ts[ends], with_text, after)


def _append(
    con: duckdb.DuckDBPyConnection,
    rows: SortedBatch,
    table: pa.Table,
    created: pa.Table,
    series: SeriesIds,
    opened: OpenRows,
) -> dict[Tier, pa.Table]:
    """A batch later than everything stored for its series, each key once: no join, no
    dedup, partials in numpy; each series' last bucket of each tier merged into its open
    row in memory (``_open_rows``), the buckets it moved past written to the tier table
    (a table row continued: updated). Returns each tier's open rows after it."""
    # Both inserted straight from Arrow, in the tables' column order: a registration, its
    # removal and an ``INSERT ... SELECT`` cost about 1 ms of CPU each under load, whatever
    # the rows. The batch id is a one-entry dictionary column, not a parameter.
    if created.num_rows:
        con.from_arrow(created).insert_into("series")
    batch = pa.DictionaryArray.from_arrays(
        pa.array(np.zeros(table.num_rows, dtype=np.int32)), pa.array([rows.batch], pa.string())
    )
    incoming = pa.table(
        {
            "series": pa.array(rows.series, type=pa.int32()),
            **{name: table.column(name) for name in ("ts", "value", "text", "quality")},
            "batch": batch,
        }
    )
    con.from_arrow(incoming).insert_into("samples")
    # The hour partials merged from the minute ones (a few thousand rows, not the batch's
    # samples), as the general path and the QuestDB store do.
    minute = batch_partials(rows, GRAIN_US[Tier.MINUTE])
    partials = {Tier.MINUTE: minute, Tier.HOUR: coarser_partials(minute, GRAIN_US[Tier.HOUR])}
    advanced = {
        t: advance(opened.get(t), p, series.latest(p.column("series").to_numpy()), GRAIN_US[t])
        for t, p in partials.items()
    }
    closing = {t: a for t, a in advanced.items() if a.closed.num_rows}
    if closing:
        _write_closed(con, rows, series, closing)
    return {t: a.opened for t, a in advanced.items()}


def _tiered(closed: pa.Table, tier: Tier) -> pa.Table:
    """``closed`` (with its ``held`` column) with the column ``tier``."""
    return closed.append_column("tier", pa.repeat(str(tier), closed.num_rows))


def _write_closed(
    con: duckdb.DuckDBPyConnection,
    rows: SortedBatch,
    series: SeriesIds,
    closing: Mapping[Tier, Advanced],
) -> None:
    """The tier rows an appending batch closed (``closing``: per tier, its rows with the
    column ``held``, and how many are held): inserted, or merged into the table row they
    continue."""
    if not any(a.held for a in closing.values()):
        # The usual batch: its closed rows continue no table row, so each tier's go in as
        # they are. An Arrow scan without a filter: DuckDB hands a filter on a registered
        # Arrow table to a pyarrow dataset scanner, about 10 ms a statement here (wall,
        # under load) against about 3 for the whole insert of 1,600 rows.
        for tier, advanced in closing.items():
            con.from_arrow(advanced.closed.drop_columns(["held"])).insert_into(TIER_TABLES[tier])
        return
    parts = [(t, _tiered(a.closed, t), a.held) for t, a in closing.items()]
    # Numbers only, in the batch and in every series it continues: the held rows have a
    # first numeric sample and no text, so the merge leaves the first and text columns.
    # (``rows.series`` is sorted: its firsts are distinct.)
    merge = _MERGE_HELD
    if rows.text.null_count == len(rows.text):
        firsts = np.r_[True, rows.series[1:] != rows.series[:-1]]
        if not series.any_text(rows.series[firsts].tolist()):
            merge = _MERGE_NUMBERS
    # Both tiers' rows in one relation: each registration costs about as much as a small
    # statement.
    con.register("new_part", pa.concat_tables([p for _, p, _ in parts]))
    try:
        for tier, part, expected in parts:
            _append_tier(con, TIER_TABLES[tier], str(tier), part, expected, merge)
    finally:
        con.unregister("new_part")


# The held row of a bucket that the batch's partial row ``p`` continues, merged in place:
# every new sample follows the held ones, so counts and sums add, the first values stay,
# the last ones (and the last quality and batch) come from ``p``, and the area gains the
# held last value times the gap to ``p``'s first numeric sample. The same operations, in
# the same order, as ``merge_appended`` (so the same doubles).
_MERGE_HELD = """
UPDATE {table} AS h SET
    n = h.n + p.n, nv = h.nv + p.nv,
    s = CASE WHEN h.nv + p.nv = 0 THEN NULL ELSE coalesce(h.s, 0.0) + coalesce(p.s, 0.0) END,
    mn = least(h.mn, p.mn), mx = greatest(h.mx, p.mx),
    vf_ts = CASE WHEN h.vf_ts IS NOT NULL THEN h.vf_ts ELSE p.vf_ts END,
    vf = CASE WHEN h.vf_ts IS NOT NULL THEN h.vf ELSE p.vf END,
    vl_ts = CASE WHEN p.vl_ts IS NOT NULL THEN p.vl_ts ELSE h.vl_ts END,
    vl = CASE WHEN p.vl_ts IS NOT NULL THEN p.vl ELSE h.vl END,
    area = h.area + p.area + coalesce(h.vl * (p.vf_ts - h.vl_ts)::DOUBLE, 0.0),
    tf_ts = CASE WHEN h.tf_ts IS NOT NULL THEN h.tf_ts ELSE p.tf_ts END,
    tf = CASE WHEN h.tf_ts IS NOT NULL THEN h.tf ELSE p.tf END,
    tl_ts = CASE WHEN p.tl_ts IS NOT NULL THEN p.tl_ts ELSE h.tl_ts END,
    tl = CASE WHEN p.tl_ts IS NOT NULL THEN p.tl ELSE h.tl END,
    lq = p.lq, lb = p.lb
FROM new_part p
WHERE p.tier = $tier AND p.held AND h.series = p.series AND h.bucket = p.bucket
    AND h.bucket BETWEEN $blo AND $bhi"""

# ``_MERGE_HELD`` where every held row and every row of ``p`` has a numeric sample and no
# text (so ``nv`` > 0 on both sides and no operand is null): the same values from the 10
# columns that change, not 16 (DuckDB's update costs per column: about 5.0-5.7 against
# 6.3-8.7 ms for 4,000 rows).
_MERGE_NUMBERS = """
UPDATE {table} AS h SET
    n = h.n + p.n, nv = h.nv + p.nv, s = h.s + p.s,
    mn = least(h.mn, p.mn), mx = greatest(h.mx, p.mx),
    vl_ts = p.vl_ts, vl = p.vl,
    area = h.area + p.area + h.vl * (p.vf_ts - h.vl_ts)::DOUBLE,
    lq = p.lq, lb = p.lb
FROM new_part p
WHERE p.tier = $tier AND p.held AND h.series = p.series AND h.bucket = p.bucket
    AND h.bucket BETWEEN $blo AND $bhi"""


def _append_tier(
    con: duckdb.DuckDBPyConnection,
    table: str,
    tier: str,
    part: pa.Table,
    expected: int,
    merge: str,
) -> None:
    """Merge the partials of ``tier`` in ``new_part`` into ``table``: only a series' last
    stored bucket can be in both, and there every new sample follows the stored ones (so
    the merge is exact). ``merge``: ``_MERGE_HELD`` or ``_MERGE_NUMBERS``.

    That bucket is the one of the series' latest stored sample (``SeriesIds``, the
    ``held`` rows, ``expected`` of them): its row is updated in place, the batch's other
    rows are inserted, so a batch that continues its series' buckets costs one statement.
    Should the update meet fewer rows than expected (a latest time can be later than what
    ``expire`` left), the insert skips by a join whatever the table holds instead.
    """
    buckets = part.column("bucket").to_numpy()
    bounds = {"blo": int(buckets.min()), "bhi": int(buckets.max()), "tier": tier}
    updated = expected
    if expected:
        row = con.execute(merge.format(table=table), bounds).fetchone()
        updated = int(row[0]) if row else 0
    if updated != expected:
        con.execute(
            f"INSERT INTO {table} SELECT * EXCLUDE (tier, held) FROM new_part p ANTI JOIN "
            f"(SELECT series, bucket FROM {table} WHERE bucket BETWEEN $blo AND $bhi) t "
            "ON p.series = t.series AND p.bucket = t.bucket WHERE p.tier = $tier",
            bounds,
        )
    elif expected < part.num_rows:
        con.execute(
            f"INSERT INTO {table} SELECT * EXCLUDE (tier, held) FROM new_part "
            "WHERE tier = $tier AND NOT held",
            {"tier": tier},
        )


def _write_general(
    con: duckdb.DuckDBPyConnection,
    columns: SampleColumns,
    batch: str,
    ids: pa.Array,
    created: pa.Table,
) -> None:
    """Any batch: staged, deduplicated against itself and the stored rows, then merged."""
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
    if con.execute("SELECT count(*) FROM matched").fetchall() != [(0,)]:
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
    if con.execute("SELECT count(*) FROM redo").fetchall() != [(0,)]:
        rows = (
            "(SELECT x.series, x.ts, x.value, x.text, x.quality, x.batch FROM samples x "
            "SEMI JOIN redo r ON x.series = r.series AND x.ts // $g * $g = r.bucket "
            "WHERE x.ts BETWEEN $blo AND $bhi + $g - 1)"
        )
        con.execute(f"INSERT INTO {table} {partial_sql(rows)}", bounds)
