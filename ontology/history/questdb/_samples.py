"""Samples in QuestDB: the frame a batch sends, and the reads (buckets, as-of, raw).

Reads fetch rows over the PostgreSQL wire (parameters only) and finish them in
the client's in-memory DuckDB with the same partial-aggregate SQL the DuckDB
store runs: tier rows for whole minutes or hours, raw rows otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ontology.history._arrays import (
    as_of_arrays,
    samples_of,
    split_series,
)
from ontology.history._errors import HistoryInputError
from ontology.history._partials import finish_sql, merge_sql, partial_sql
from ontology.history._tiers import GRAIN_US, RangeQuery, Tier, from_us
from ontology.history._values import Agg, AsOf, Samples, Series, SeriesKey
from ontology.history.questdb._fetch import MAX_PARAMETERS
from ontology.history.questdb._grain import tier_buckets
from ontology.history.questdb._spans import SPANS_SCHEMA, resolve, spans_select
from ontology.history.questdb._tiers import (
    LATEST,
    RAW_SCHEMA,
    SEP,
    TIER_SCHEMA,
    only_closed,
    open_select,
    raw_select,
    tier_select,
    with_series,
)
from ontology.history.questdb._wire import Wire

MAX_FETCHED_ROWS = 5_000_000
_S, _F, _I = pa.string(), pa.float64(), pa.int64()


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(['%s'] * len(values))})"


def _filter(twins: Sequence[str], signals: Sequence[str]) -> tuple[str, list[Any]]:
    return f"{_in('twin', twins)} AND {_in('signal', signals)}", [*twins, *signals]


def key_filter(keys: Sequence[SeriesKey]) -> tuple[str, list[Any]]:
    """``twin IN (...) AND signal IN (...)``; the exact pairs are joined in the client."""
    return _filter(sorted({k.twin for k in keys}), sorted({k.signal for k in keys}))


def key_filters(keys: Sequence[SeriesKey], fixed: int) -> list[tuple[str, list[Any]]]:
    """``key_filter`` of ``keys`` in as few parts as keep each query, with its ``fixed``
    other parameters, within the server's bind parameters (``MAX_PARAMETERS``).

    The parts split by twin (a twin's keys in one part, or, for a twin with more signals
    than fit, its signals split), so no pair of twin and signal is selected by two parts.
    """
    room = MAX_PARAMETERS - fixed
    twin_set, signal_set = {k.twin for k in keys}, {k.signal for k in keys}
    if len(twin_set) + len(signal_set) <= room:  # the usual: one part
        return [_filter(sorted(twin_set), sorted(signal_set))]
    by_twin: dict[str, set[str]] = {}
    for key in keys:
        by_twin.setdefault(key.twin, set()).add(key.signal)
    parts: list[tuple[list[str], set[str]]] = []
    twins: list[str] = []
    signals: set[str] = set()
    for twin in sorted(by_twin):
        mine = by_twin[twin]
        if len(mine) + 1 > room:  # one twin alone: its signals in slices
            ordered = sorted(mine)
            parts += [
                ([twin], set(ordered[i : i + room - 1])) for i in range(0, len(ordered), room - 1)
            ]
            continue
        if twins and len(twins) + 1 + len(signals) + len(mine) > room:  # at most that many
            parts.append((twins, signals))
            twins, signals = [], set()
        twins.append(twin)
        signals |= mine
    if twins:
        parts.append((twins, signals))
    return [_filter(t, sorted(s)) for t, s in parts]


def key_table(keys: Sequence[SeriesKey]) -> pa.Table:
    return pa.table(
        {
            "position": pa.array(range(len(keys)), type=pa.int64()),
            "series": pa.array([f"{k.twin}{SEP}{k.signal}" for k in keys], type=pa.string()),
        }
    )


class SampleReader:
    def __init__(self, engine: duckdb.DuckDBPyConnection, wire: Wire, prefix: str) -> None:
        self._engine = engine
        self._wire = wire
        self._prefix = prefix

    def _fetch(self, sql: str, params: list[Any], schema: pa.Schema) -> pa.Table:
        table = self._wire.arrow(sql + " LIMIT %s", [*params, MAX_FETCHED_ROWS + 1], schema)
        if table.num_rows > MAX_FETCHED_ROWS:
            message = (
                f"the read needs more than {MAX_FETCHED_ROWS} rows; expected fewer series or a "
                "range in whole minutes or hours"
            )
            raise HistoryInputError(message)
        return with_series(table)

    def _open_rows(self, tier: Tier, keys: Sequence[SeriesKey], lo: int, hi: int) -> pa.Table:
        """Each series' open row of ``tier`` (its latest, see ``_tiers``) whose bucket
        starts in ``lo`` .. ``hi`` (µs, both included), for the series ``keys``: the latest
        of each within those buckets (the scan bounded by them), which may be a version of
        a bucket since closed; the caller drops those (``only_closed``)."""
        table = f"{self._prefix}_{tier}_open"
        grain = GRAIN_US[tier]
        window = [from_us(lo // grain * grain), from_us(hi // grain * grain + grain)]
        rows = pa.concat_tables(
            self._fetch(
                f"{open_select(table, tier)} WHERE ts >= %s AND ts < %s AND {where} {LATEST}",
                [*window, *params],
                TIER_SCHEMA,
            )
            for where, params in key_filters(keys, fixed=3)
        )
        bucket = rows.column("bucket")
        return rows.filter(pc.and_(pc.greater_equal(bucket, lo), pc.less_equal(bucket, hi)))

    def _run(
        self, keys: Sequence[SeriesKey], rows: pa.Table, sql: str, params: dict[str, Any]
    ) -> pa.Table:
        con = self._engine
        con.register("rows", rows)
        con.register("keys", key_table(keys))
        try:
            return con.sql(sql, params=params).to_arrow_table()
        finally:
            con.unregister("rows")
            con.unregister("keys")

    def range(self, keys: Sequence[SeriesKey], query: RangeQuery) -> tuple[Series, ...]:
        if not keys:
            return ()
        where, params = key_filter(keys)
        window = [from_us(query.start), from_us(query.end)]
        if query.tier is Tier.RAW:
            sql = raw_select(f"{self._prefix}_samples")
            rows = self._fetch(
                f"{sql} WHERE ts >= %s AND ts < %s AND {where}", [*window, *params], RAW_SCHEMA
            )
            buckets = partial_sql("(SELECT r.* FROM rows r SEMI JOIN keys USING (series))")
        else:
            table = f"{self._prefix}_{query.tier}"
            at_grain = query.interval == GRAIN_US[query.tier]
            if at_grain and Agg.TWA not in query.aggregates:
                coarser = f"{self._prefix}_{Tier.HOUR}" if query.tier is Tier.MINUTE else None
                return tier_buckets(
                    self._wire,
                    table,
                    keys,
                    query,
                    MAX_FETCHED_ROWS,
                    text_table=coarser,
                    open_tables=(f"{table}_open", f"{coarser or table}_open"),
                )
            filters = f" WHERE ts >= %s AND ts < %s AND {where}"
            rows = self._fetch(tier_select(table) + filters, [*window, *params], TIER_SCHEMA)
            opened = self._open_rows(query.tier, keys, query.start, query.end - 1)
            rows = pa.concat_tables([rows, only_closed(opened, rows)])
            mine = "(SELECT r.* FROM rows r SEMI JOIN keys USING (series))"
            buckets = mine if at_grain else merge_sql(mine)
        sql = (
            f"SELECT k.position, f.* EXCLUDE (series) FROM ({finish_sql(buckets)}) f "
            "JOIN keys k USING (series) ORDER BY k.position, f.bucket"
        )
        table = self._run(keys, rows, sql, {"g": query.interval, "end": query.end})
        return split_series(table, keys, query.aggregates)

    def as_of(self, keys: Sequence[SeriesKey], at: int, kept: Mapping[Tier, int]) -> AsOf:
        """``LATEST ON`` over the raw samples kept; for series with none, the tiers' last
        whole minute (or hour) before ``at`` that lies before the raw watermark."""
        if not keys:
            return as_of_arrays(keys, pa.table({"position": pa.array([], type=pa.int64())}))
        filters = key_filters(keys, fixed=3)  # the window and the LIMIT
        latest = "LATEST ON ts PARTITION BY twin, signal"
        raw_since = kept.get(Tier.RAW, 0)
        raw = pa.concat_tables(
            self._fetch(
                f"{raw_select(self._prefix + '_samples')} WHERE ts >= %s AND ts <= %s "
                f"AND {where} {latest}",
                [from_us(raw_since), from_us(at), *params],
                RAW_SCHEMA,
            )
            for where, params in filters
        )
        raw = self._batches(raw, filters, at)
        tiers = []
        if raw_since and raw.num_rows < len(keys):  # some series have no raw sample kept
            for tier in (Tier.MINUTE, Tier.HOUR):
                grain = GRAIN_US[tier]
                whole = min(at + 1 - grain, raw_since - 1)  # whole buckets, raw expired
                window = [from_us(kept.get(tier, 0)), from_us(max(whole, 0))]
                closed = pa.concat_tables(
                    self._fetch(
                        f"{tier_select(self._prefix + '_' + tier)} WHERE ts >= %s "
                        f"AND ts <= %s AND {where} {latest}",
                        [*window, *params],
                        TIER_SCHEMA,
                    )
                    for where, params in filters
                )
                opened = self._open_rows(tier, keys, kept.get(tier, 0), max(whole, 0))
                tiers += [closed, only_closed(opened, closed)]
        if not tiers:  # one row per series: each key picks its own
            names = pa.array([f"{k.twin}{SEP}{k.signal}" for k in keys], type=pa.string())
            row = pc.index_in(names, value_set=raw.column("series"))
            found = row.is_valid()
            picked = raw.take(row.filter(found)).append_column(
                "position", pa.array(np.flatnonzero(found.to_numpy(zero_copy_only=False)))
            )
            return as_of_arrays(keys, picked)
        parts = ["SELECT series, ts, value, text, quality, batch FROM rows"]
        con = self._engine
        for i, rows in enumerate(tiers):
            con.register(f"tier_rows{i}", rows)
            parts.append(
                "SELECT series, greatest(vl_ts, tl_ts) AS ts, "
                "CASE WHEN vl_ts = greatest(vl_ts, tl_ts) THEN vl END AS value, "
                "CASE WHEN tl_ts = greatest(vl_ts, tl_ts) THEN tl END AS text, "
                f"lq AS quality, lb AS batch FROM tier_rows{i}"
            )
        sql = (
            "SELECT k.position, c.ts, c.value, c.text, c.quality, c.batch FROM ("
            + " UNION ALL ".join(parts)
            + ") c JOIN keys k USING (series) "
            "QUALIFY row_number() OVER (PARTITION BY k.position ORDER BY c.ts DESC) = 1"
        )
        try:
            table = self._run(keys, raw, sql, {})
        finally:
            for i in range(len(tiers)):
                con.unregister(f"tier_rows{i}")
        return as_of_arrays(keys, table)

    def _batches(
        self, raw: pa.Table, filters: Sequence[tuple[str, list[Any]]], at: int
    ) -> pa.Table:
        """``raw`` with the batch of each sample written without one (its batch only
        appended) taken from its series' spans (``_spans``)."""
        batch = raw.column("batch")
        if not batch.null_count:
            return raw
        since = pc.min(raw.column("ts").filter(batch.is_null())).as_py()
        spans = pa.concat_tables(
            self._fetch(
                f"{spans_select(self._prefix + '_spans')} WHERE ts >= %s AND first_ts <= %s "
                f"AND {where}",
                [from_us(since), at, *params],
                SPANS_SCHEMA,
            )
            for where, params in filters
        )
        return resolve(self._engine, raw, spans)

    def raw(self, key: SeriesKey, window: tuple[int, int], limit: int) -> Samples:
        sql = (
            f"SELECT cast(ts AS long), value, text, quality FROM {self._prefix}_samples "
            "WHERE twin = %s AND signal = %s AND ts >= %s AND ts < %s ORDER BY ts LIMIT %s"
        )
        params = [key.twin, key.signal, from_us(window[0]), from_us(window[1]), limit]
        schema = pa.schema([RAW_SCHEMA.field(n) for n in ("ts", "value", "text", "quality")])
        table = self._wire.arrow(sql, params, schema)
        return samples_of(key, table)
