"""Buckets at a tier's own grain (1 minute, 1 hour) without ``twa``: the tier's rows.

QuestDB returns the finished aggregates asked for, one row per bucket, and the
client only maps rows to keys. The rows cross the PostgreSQL wire straight into
Arrow columns (``Wire.arrow``, see ``_fetch``); the keys are found by index, not
by string: each row's twin and signal are looked up among the distinct ones asked
for (the signal is not fetched when only one is asked), the pair coded as one
integer and matched to the keys' codes (``searchsorted``), the rows put in key and
bucket order with one stable integer sort (no string key joined per row, no sort
on the server).

The server is asked for no more than the answer needs: for large reads, the first
and last text only when a count finds any (text is rare, and its columns cost the
server about a fifth of the read even when NULL), and a ``LIMIT`` only when the
dedup keys' bound (a row per series and bucket) passes the limit (it costs the
server about a fifth too). The count goes in the same round trip as the numbers
(``Wire.arrows``), and for a minute read it counts the hour tier's rows over the
whole hours around the range (any text in a minute is in its hour's first and last
text; 60 times fewer rows to look at); only when it finds some are the rows asked
again with their text. The count and the rows are two queries: a read racing
another process's write of the same buckets may see that write's numbers without
its text. See docs/history.md for what it measured."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from ontology.history._arrays import NUMERIC_COLUMNS, TEXT_COLUMNS, floats, objects, sliced
from ontology.history._errors import HistoryInputError
from ontology.history._tiers import GRAIN_US, HOUR_US, RangeQuery, from_us
from ontology.history._values import TIME_DTYPE, Agg, Series, SeriesKey
from ontology.history.questdb._wire import Request, Wire

FINISHED = {
    "n": "n",
    "mn": "mn",
    "mx": "mx",
    "mean": "s / nv",
    "vf": "vf",
    "vl": "vl",
    "tf": "tf",
    "tl": "tl",
}
"""A bucket's aggregates from its tier row (``_partials.finish_sql`` at the tier's grain)."""
TEXT_PROBE_ROWS = 20_000
"""Reads that may return this many rows or more count their text first: below, the text
columns cost the server less than a second round trip (which, on a loaded machine, waits
to be scheduled twice)."""
SPLIT_ROWS = 20_000
"""Reads that may return this many rows or more go in several requests at once (see
``Wire.arrows_each``); a smaller one is not worth a second connection's round trip."""
_S, _F, _I = pa.string(), pa.float64(), pa.int64()
Ints = npt.NDArray[np.int64]


def _codes(column: pa.ChunkedArray, names: Sequence[str]) -> Ints:
    """Each value's index in ``names`` (-1 where it is not one of them)."""
    found = pc.index_in(column, value_set=pa.array(names, type=_S)).fill_null(-1)
    return np.asarray(found.to_numpy(), dtype=np.int64)


def key_order(position: Ints, bucket: Ints, mine: npt.NDArray[np.bool_], keys: int) -> Ints:
    """The indices of the rows ``mine`` in ``position``, then ``bucket`` order.

    The server sends the rows in time order, the series interleaved: a stable sort by
    ``position`` alone (a radix sort for fewer than 65,536 keys) then leaves each key's
    buckets in order; checked, and sorted by both where they are not.
    """
    kept = np.flatnonzero(mine)
    small = position[kept].astype(np.uint16) if keys <= 65_536 else position[kept]
    order = kept[np.argsort(small, kind="stable")]
    p, b = position[order], bucket[order]
    if len(order) > 1 and not np.all((p[1:] > p[:-1]) | ((p[1:] == p[:-1]) & (b[1:] > b[:-1]))):
        order = kept[np.lexsort((bucket[kept], position[kept]))]
    return order


def _marks(first: int, count: int) -> str:
    """``$first, ..., $(first + count - 1)``."""
    return ", ".join(f"${i}" for i in range(first, first + count))


def tier_buckets(
    wire: Wire,
    table: str,
    keys: Sequence[SeriesKey],
    query: RangeQuery,
    limit: int,
    *,
    text_table: str | None = None,
    probe_rows: int = TEXT_PROBE_ROWS,
    split_rows: int = SPLIT_ROWS,
) -> tuple[Series, ...]:
    """The buckets of ``keys`` from the tier ``table`` (at its grain; no ``twa`` asked).

    ``limit`` bounds the rows fetched; a read that would need more is refused. A read
    that may return ``probe_rows`` rows or more counts, in the same round trip, the rows
    with text of ``text_table`` (default ``table``; a coarser tier will do: any text in
    a minute is in its hour's row) over the whole hours around the range, and asks for
    the rows again with their text columns only when there is some. A read that may
    return ``split_rows`` rows or more is sent as ``wire.parallel_reads`` requests at once,
    each for a share of the twins (each with its own count).
    """
    twins = sorted({k.twin for k in keys})
    signals = sorted({k.signal for k in keys})
    named = ["twin", "signal"] if len(signals) > 1 else ["twin"]  # one signal: not per row
    hours = [from_us(query.start // HOUR_US * HOUR_US), from_us(-(-query.end // HOUR_US) * HOUR_US)]
    grain = GRAIN_US[query.tier]
    most = len(twins) * len(signals) * ((query.end - 1) // grain - query.start // grain + 1)
    limited = most > limit  # the dedup keys allow a row per series and bucket: bound it

    def request(share: Sequence[str], columns: Sequence[str], *, probe: bool) -> Request:
        """The rows of the twins ``share`` (after their text count, with ``probe``), all
        bound to one parameter list (see ``ColumnReader.tables``): the range, the twins,
        the signals, the whole hours around the range, the limit."""
        params: list[object] = [from_us(query.start), from_us(query.end), *share, *signals]
        params += hours
        at = len(params) - 1  # the hours' placeholders: $at, $(at + 1)
        keyed = (
            f"AND twin IN ({_marks(3, len(share))}) "
            f"AND signal IN ({_marks(3 + len(share), len(signals))})"
        )
        if limited:
            params.append(limit + 1)
        sql = f"SELECT {', '.join(named)}, ts, {', '.join(FINISHED[c] for c in columns)} "
        sql += f"FROM {table} WHERE ts >= $1 AND ts < $2 {keyed}"
        sql += f" LIMIT ${len(params)}" if limited else ""
        fields = [pa.field(c, _S if c in TEXT_COLUMNS.values() else _F) for c in columns]
        queries = [(sql, pa.schema([*((n, _S) for n in named), ("bucket", _I), *fields]))]
        if probe:
            count = (
                f"SELECT count() FROM {text_table or table} WHERE ts >= ${at} "
                f"AND ts < ${at + 1} {keyed} AND (tf IS NOT NULL OR tl IS NOT NULL)"
            )
            queries.insert(0, (count, pa.schema([("n", _I)])))
        return queries, params

    # A large read goes in several requests at once, each for a share of the twins on a
    # connection of its own: the server writes each share's rows on a worker of its own,
    # and each share's rows become its keys' series on the thread that read them.
    parts = min(wire.parallel_reads if most >= split_rows else 1, len(twins))
    shares = [twins[i::parts] for i in range(parts)]
    share_of = {t: i % parts for i, t in enumerate(twins)}
    distinct = list(dict.fromkeys(keys))
    owned = [[k for k in distinct if share_of[k.twin] == s] for s in range(parts)]
    numbers = [NUMERIC_COLUMNS[a] for a in query.aggregates]
    texts = [TEXT_COLUMNS[a] for a in query.aggregates if a in TEXT_COLUMNS]

    def finish(fetched: Sequence[str]) -> Callable[[int, list[pa.Table]], _Share]:
        def run(s: int, answer: list[pa.Table]) -> _Share:
            counted = answer[0] if len(answer) > 1 else None
            found = bool(counted is not None and counted.num_rows and counted["n"][0].as_py())
            rows = answer[-1]
            if rows.num_rows > limit:  # refused once every share is in
                return _Share(found, rows.num_rows, ())
            series = _series(rows, owned[s], shares[s], signals, query.aggregates, fetched)
            return _Share(found, rows.num_rows, series)

        return run

    if texts and most >= probe_rows:
        done = wire.each([request(s, numbers, probe=True) for s in shares], finish([]))
        if any(d.text for d in done):
            asked = [*numbers, *texts]
            done = wire.each([request(s, asked, probe=False) for s in shares], finish(texts))
        # else: no text in these rows: its columns were not fetched (all NULL)
    else:
        asked = [*numbers, *texts]
        done = wire.each([request(s, asked, probe=False) for s in shares], finish(texts))
    if sum(d.rows for d in done) > limit:
        message = (
            f"the read needs more than {limit} rows; expected fewer series or a range in "
            "whole minutes or hours"
        )
        raise HistoryInputError(message)
    by_key = {s.key: s for d in done for s in d.series}
    return tuple(by_key[k] for k in keys)


@dataclass(frozen=True, slots=True)
class _Share:
    """One request's answer: whether its count found text, its rows, its keys' series."""

    text: bool
    rows: int
    series: tuple[Series, ...]


def _series(
    rows: pa.Table,
    keys: Sequence[SeriesKey],
    twins: Sequence[str],
    signals: Sequence[str],
    aggregates: Sequence[Agg],
    fetched: Sequence[str],
) -> tuple[Series, ...]:
    """The series of ``keys`` (distinct; their twins ``twins``, signals among
    ``signals``) from the tier rows fetched for them, ``fetched`` the text columns among
    those rows."""
    width = len(signals)
    twin_of = {t: i for i, t in enumerate(twins)}
    signal_of = {s: i for i, s in enumerate(signals)}
    wanted_codes = np.array(
        [twin_of[k.twin] * width + signal_of[k.signal] for k in keys], dtype=np.int64
    )
    by_code = np.argsort(wanted_codes)
    twin_at = _codes(rows.column("twin"), twins)
    signal_at = (
        _codes(rows.column("signal"), signals)
        if len(signals) > 1
        else np.zeros(rows.num_rows, dtype=np.int64)
    )
    code = twin_at * width + signal_at
    slot = np.minimum(np.searchsorted(wanted_codes, code, sorter=by_code), len(keys) - 1)
    position = by_code[slot]
    mine = (twin_at >= 0) & (signal_at >= 0) & (wanted_codes[position] == code)
    bucket = np.asarray(rows.column("bucket").to_numpy(), dtype=np.int64)
    order = key_order(position, bucket, mine, len(keys))
    bounds = np.searchsorted(position[order], np.arange(len(keys) + 1))
    numeric = {a: floats(rows.column(NUMERIC_COLUMNS[a]))[order] for a in aggregates}
    has_text = np.zeros(len(order), dtype=np.bool_)
    text = {}
    for agg in aggregates:
        if agg in TEXT_COLUMNS and TEXT_COLUMNS[agg] in fetched:
            column = rows.column(TEXT_COLUMNS[agg]).take(pa.array(order, type=_I))
            has_text |= np.asarray(column.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
            text[agg] = objects(column)
    return sliced(
        keys,
        bounds[:-1].tolist(),
        bounds[1:].tolist(),
        bucket[order].view(TIME_DTYPE),
        numeric,
        text if has_text.any() else {},
        has_text,
    )
