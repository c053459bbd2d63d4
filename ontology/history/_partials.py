"""The partial aggregates every tier and every bucketed read is made of (DuckDB SQL).

A *partial* row summarises the samples of one series in one bucket so that
partials of neighbouring buckets merge into a coarser bucket exactly: counts,
sum, min, max, the first and last numeric sample, ``area`` (the integral of the
step function between the bucket's numeric samples, value x microseconds,
without the tail after the last one), the first and last text sample, and the
quality and batch of the last sample.

The DuckDB store runs these over its tables; the QuestDB store runs them in an
in-memory DuckDB over rows it fetched (QuestDB has no ``arg_min`` and its
window functions cannot be nested). ``series`` is any key column, times are
int64 microseconds since the Unix epoch (from 1970 on, so ``ts // g * g`` is the
bucket). Only names written here are formatted in; values are parameters.
"""

from __future__ import annotations

from collections.abc import Sequence

PARTIAL_COLUMNS = (
    "series, bucket, n, nv, s, mn, mx, vf_ts, vf, vl_ts, vl, area, tf_ts, tf, tl_ts, tl, lq, lb"
)


def partial_sql(rows: str) -> str:
    """Partials at grain ``$g`` of ``rows`` (series, ts, value, text, quality, batch)."""
    return f"""
SELECT series, ts // $g * $g AS bucket,
    count(*) AS n, count(value) AS nv, sum(value) AS s, min(value) AS mn, max(value) AS mx,
    min(ts) FILTER (WHERE value IS NOT NULL) AS vf_ts,
    arg_min(value, ts) FILTER (WHERE value IS NOT NULL) AS vf,
    max(ts) FILTER (WHERE value IS NOT NULL) AS vl_ts,
    arg_max(value, ts) FILTER (WHERE value IS NOT NULL) AS vl,
    coalesce(sum(value * (nxt - ts)), 0)::DOUBLE AS area,
    min(ts) FILTER (WHERE text IS NOT NULL) AS tf_ts,
    arg_min(text, ts) FILTER (WHERE text IS NOT NULL) AS tf,
    max(ts) FILTER (WHERE text IS NOT NULL) AS tl_ts,
    arg_max(text, ts) FILTER (WHERE text IS NOT NULL) AS tl,
    arg_max(quality, ts) AS lq, arg_max(batch, ts) AS lb
FROM (SELECT *, lead(ts) OVER (PARTITION BY series, ts // $g, value IS NULL ORDER BY ts) AS nxt
      FROM {rows})
GROUP BY ALL"""


def merge_sql(partials: str) -> str:
    """Partials of ``partials`` merged at grain ``$g`` (a multiple of theirs).

    ``overlap`` is true where two merged partials' numeric samples interleave in
    time: there the area cannot be merged and the bucket is recomputed.
    """
    return f"""
SELECT series, bucket // $g * $g AS bucket,
    sum(n)::BIGINT AS n, sum(nv)::BIGINT AS nv, sum(s) AS s, min(mn) AS mn, max(mx) AS mx,
    min(vf_ts) AS vf_ts, arg_min(vf, vf_ts) AS vf, max(vl_ts) AS vl_ts, arg_max(vl, vl_ts) AS vl,
    (sum(area) + coalesce(sum(pvl * (vf_ts - pvl_ts)), 0))::DOUBLE AS area,
    min(tf_ts) AS tf_ts, arg_min(tf, tf_ts) AS tf, max(tl_ts) AS tl_ts, arg_max(tl, tl_ts) AS tl,
    arg_max(lq, greatest(vl_ts, tl_ts)) AS lq, arg_max(lb, greatest(vl_ts, tl_ts)) AS lb,
    coalesce(bool_or(vf_ts <= pvl_ts), false) AS overlap
FROM (SELECT *, lag(vl) OVER w AS pvl, lag(vl_ts) OVER w AS pvl_ts FROM {partials}
      WINDOW w AS (PARTITION BY series, bucket // $g, vf_ts IS NULL ORDER BY vf_ts))
GROUP BY ALL"""


FINISHED = {
    "n": "n",
    "mn": "mn",
    "mx": "mx",
    "mean": "s / nullif(nv, 0) AS mean",
    "vf": "vf",
    "vl": "vl",
    "twa": "(area + vl * (least(bucket + $g, $end) - vl_ts)) / (least(bucket + $g, $end) - vf_ts)"
    " AS twa",
    "tf": "tf",
    "tl": "tl",
}
"""Each output column of a read, from the merged partials of its bucket (at grain ``$g``)."""


def finish_columns(outputs: Sequence[str]) -> str:
    """The select list of ``outputs`` (names of ``FINISHED``) over partials' columns."""
    return ", ".join(FINISHED[name] for name in outputs)


def finish_sql(buckets: str) -> str:
    """Output columns of a read from merged partials (``bucket`` at grain ``$g``)."""
    return f"SELECT series, bucket, {finish_columns(list(FINISHED))} FROM ({buckets})"
