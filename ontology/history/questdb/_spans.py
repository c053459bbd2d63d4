"""Which batch wrote a sample: a span row per series and batch instead of an id per sample.

A batch that only appends, as the tier tail kept in memory tells (``_tail``: every
series' first sample later than the latest one held for it, ``_tiers.appends``),
sends its samples without the ``batch_id`` field (the server stores it null) and one
*span* row per series instead (``{prefix}_spans``): the series' first sample time in
the batch (``first_ts``), its last (``ts``, the key) and the batch's id. The id was a
quarter of a sample row's bytes (the benchmark's short ids; the ingest's are 32
characters), parsed and stored for every sample.

Each such span lies after every sample its series held when it was written, so no two
of them cover one time of one series. Any other batch (a key twice, a sample late or
written again, a tail not trusted) sends its id in every sample row, as before; a row
it wrote again (same key) holds that id, which wins over a span. A read that returns a
sample's batch (``as_of``, the tiers recomputed from raw) fills a null one from the
span of its series that covers its time (``resolve``); a sample no span covers (its
batch's request failed before the spans landed; the batch is then written again, with
its ids) reads as no batch.

The spans go in the tier rows' request, acknowledged before the batch record is sent:
a batch that has a record has its spans. ``expire`` drops the spans' day partitions
with the samples' (a span is keyed by its last sample, so a partition dropped holds
only spans of samples dropped too).
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ontology.history._batch_partials import SortedBatch

__all__ = ["SPANS_SCHEMA", "resolve", "span_frame", "spans_select"]

SPANS_SCHEMA = pa.schema(
    [
        ("twin", pa.string()),
        ("signal", pa.string()),
        ("first_ts", pa.int64()),
        ("ts", pa.int64()),
        ("batch", pa.string()),
    ]
)
"""What ``spans_select`` returns."""


def spans_select(table: str) -> str:
    return f"SELECT twin, signal, first_ts, cast(ts AS long), batch_id FROM {table}"


def span_frame(rows: SortedBatch, pairs: Sequence[tuple[str, str]]) -> pd.DataFrame:
    """The span rows of a batch that only appends: per series (``pairs``, indexed by the
    rows' series codes), its first and last sample time and the batch's id."""
    series = rows.series
    starts = np.flatnonzero(np.r_[True, series[1:] != series[:-1]])
    ends = np.r_[starts[1:], len(series)] - 1
    codes = series[starts]
    twins = pd.Categorical([pairs[c][0] for c in codes])
    signals = pd.Categorical([pairs[c][1] for c in codes])
    return pd.DataFrame(
        {
            "twin": twins,
            "signal": signals,
            "first_ts": rows.ts[starts].astype(np.int64),
            "batch_id": pd.Series([rows.batch] * len(codes), dtype=pd.ArrowDtype(pa.string())),
            "ts": pd.to_datetime(rows.ts[ends], unit="us", utc=True),
        }
    )


def resolve(engine: duckdb.DuckDBPyConnection, rows: pa.Table, spans: pa.Table) -> pa.Table:
    """``rows`` (raw samples with ``series``, ``ts`` and ``batch``) with each null ``batch``
    taken from the span (``series``, ``first_ts``, ``ts``) of its series that covers its
    time, where there is one."""
    batch = rows.column("batch")
    if batch.null_count == 0 or not spans.num_rows:
        return rows
    names = pc.unique(spans.column("series"))
    code = pc.index_in(spans.column("series"), value_set=names).to_numpy().astype(np.int64)
    last = spans.column("ts").to_numpy()
    missing = np.flatnonzero(batch.is_null().to_numpy(zero_copy_only=False))
    found = pc.index_in(rows.column("series").take(missing), value_set=names)
    known = found.is_valid().to_numpy(zero_copy_only=False)
    missing = missing[known]
    wanted = found.filter(known).to_numpy().astype(np.int64)
    at = rows.column("ts").to_numpy()[missing]
    base = min(int(last.min()), int(at.min(initial=last.min())))
    width = max(int(last.max()), int(at.max(initial=last.max()))) - base + 1
    if len(names) * width >= 1 << 62:  # series and times too far apart for one int64 key
        return _resolve_sql(engine, rows, spans)
    # Spans by (series, last time) as one key; each row's is the first not before its own.
    order = np.lexsort((last, code))
    keys = code[order] * width + (last[order] - base)
    hit = np.minimum(np.searchsorted(keys, wanted * width + (at - base)), len(keys) - 1)
    span = order[hit]
    first = spans.column("first_ts").to_numpy()
    ok = (code[span] == wanted) & (last[span] >= at) & (first[span] <= at)
    pick = np.full(rows.num_rows, -1, dtype=np.int64)
    pick[missing[ok]] = span[ok]
    taken = spans.column("batch").take(pa.array(pick, mask=pick < 0))
    return rows.set_column(rows.column_names.index("batch"), "batch", pc.coalesce(batch, taken))


def _resolve_sql(engine: duckdb.DuckDBPyConnection, rows: pa.Table, spans: pa.Table) -> pa.Table:
    """``resolve`` in the engine (an ASOF join; the rows in no particular order after)."""
    engine.register("unresolved", rows)
    engine.register("spans", spans)
    try:
        # Each row's span of its series ending first at or after its time (one at most),
        # kept if it starts at or before that time.
        out = engine.sql(
            "SELECT r.* REPLACE (coalesce(r.batch, CASE WHEN r.ts >= s.first_ts THEN s.batch "
            "END) AS batch) FROM unresolved r ASOF LEFT JOIN spans s "
            "ON r.series = s.series AND r.ts <= s.ts"
        ).to_arrow_table()
    finally:
        engine.unregister("unresolved")
        engine.unregister("spans")
    return out.cast(rows.schema)
