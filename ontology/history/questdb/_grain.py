"""Buckets at a tier's own grain (1 minute, 1 hour) without ``twa``: the tier's rows.

QuestDB returns the finished aggregates asked for, one row per bucket, and the
client only maps rows to keys. The rows cross the PostgreSQL wire straight into
Arrow columns (``Wire.arrow``, see ``_fetch``); the keys are found by index, not
by string: the twin (and signal) columns are read as dictionaries (``CODED_TEXT``:
each row a code, each distinct name made a string once), the names looked up among
the ones asked for (the signal is not fetched when only one is asked), the pair
coded as one integer and matched to the keys' codes (a table indexed by code), the
rows put in key and bucket order with one counting sort (compiled; no string key
joined per row, no sort on the server).

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
its text. See docs/history.md for what it measured.

Each series' last bucket is not in the tier table but in its open table (see
``_tiers``): with ``open_tables``, the rows query also takes each pair's latest open
row in the range (``UNION ALL`` of a ``LATEST ON``: one answer, no second table to
join), and the text count counts the coarser tier's open table too. QuestDB scans
the open table back until it met every pair, so the range bounds the scan; an open
row that is a version of a bucket since closed meets that bucket's closed row, also
in the range, and the closed row wins (``key_order``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from ontology.history._arrays import NUMERIC_COLUMNS, TEXT_COLUMNS, floats, objects, sliced
from ontology.history._errors import HistoryInputError
from ontology.history._tiers import GRAIN_US, HOUR_US, RangeQuery, from_us
from ontology.history._values import TIME_DTYPE, Agg, Series, SeriesKey
from ontology.history.questdb import _fetch_jit as jit
from ontology.history.questdb._fetch import CODED_TEXT, Shape, empty
from ontology.history.questdb._keyed import KeyedRows
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
DENSE_CODES = 1 << 20
"""Twin and signal pairs up to this many are found by a table indexed by their code."""
_S, _F, _I = pa.string(), pa.float64(), pa.int64()
_INT = np.int64
Ints = npt.NDArray[np.int64]


def _codes(column: pa.ChunkedArray, names: Sequence[str]) -> Ints:
    """Each value's index in ``names`` (-1 where it is not one of them, or NULL), from a
    dictionary column (``CODED_TEXT``): its few distinct values are looked up, not its rows."""
    out = []
    for chunk in column.chunks:
        values = chunk.dictionary
        found = pc.index_in(values, value_set=pa.array(names, type=_S)).fill_null(-1)
        lookup = np.append(np.asarray(found.to_numpy(), dtype=np.int64), -1)  # -1: NULL
        index = chunk.indices.fill_null(len(values)).to_numpy()
        out.append(lookup[np.asarray(index, dtype=np.int64)])
    return np.concatenate(out) if out else np.empty(0, dtype=np.int64)


def _positions(twin_at: Ints, signal_at: Ints, width: int, wanted: Ints) -> Ints:
    """Each row's key index: where its twin and signal pair (``twin_at * width +
    signal_at``, -1 for a name not asked) is in ``wanted`` (distinct codes), -1 where it
    is not. A table indexed by code where the codes are few enough (the usual: a few
    hundred twins, one signal; compiled, ``_fetch_jit.positions``), else a binary search."""
    top = int(wanted.max()) + 1 if len(wanted) else 0
    out = np.empty(len(twin_at), dtype=_INT)
    if top <= DENSE_CODES:
        of_code = np.full(top, -1, dtype=_INT)
        of_code[wanted] = np.arange(len(wanted))
        jit.positions(twin_at, signal_at, width, of_code, out)
        return out
    code = twin_at * width + signal_at
    by_code = np.argsort(wanted)
    slot = np.minimum(np.searchsorted(wanted, code, sorter=by_code), len(wanted) - 1)
    position = by_code[slot]
    known = (twin_at >= 0) & (signal_at >= 0) & (wanted[position] == code)
    return np.where(known, position, -1)


def _numbers(column: pa.ChunkedArray, dtype: type[np.generic]) -> npt.NDArray[Any]:
    """A numeric column as numpy (NULL as NaN for floats): the reader's own array where it
    has no NULL (no copy), else converted."""
    if column.num_chunks == 1 and column.null_count == 0:
        return np.asarray(column.chunk(0).to_numpy(), dtype=dtype)
    if dtype is np.float64:
        return floats(column)
    return np.asarray(column.to_numpy(), dtype=dtype)


def key_order(position: Ints, bucket: Ints, keys: int) -> tuple[Ints, Ints]:
    """The indices of the rows of a key (``position`` 0 or more) in key, then ``bucket``
    order, and where each key's rows start in it (``keys + 1`` bounds).

    The server sends the rows in time order, the series interleaved: a counting sort by
    ``position`` alone (compiled, ``_fetch_jit.group``) then leaves each key's buckets in
    order; checked, and sorted by both where they are not.
    """
    order = np.empty(len(position), dtype=np.int64)
    bounds = np.empty(keys + 1, dtype=np.int64)
    placed = jit.group(position, bucket, order, bounds)
    if placed >= 0:
        return order[:placed], bounds
    kept = np.flatnonzero(position >= 0)
    order = kept[np.lexsort((bucket[kept], position[kept]))]  # stable: a tie keeps row order
    again = np.zeros(len(order), dtype=bool)
    again[1:] = (position[order][1:] == position[order][:-1]) & (
        bucket[order][1:] == bucket[order][:-1]
    )
    order = order[~again]  # a bucket twice (tier and open rows): the first row's
    return order, np.searchsorted(position[order], np.arange(keys + 1))


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
    open_tables: tuple[str, str] | None = None,
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
    each for a share of the twins (each with its own count). ``open_tables``: the open
    tables of ``table`` and of ``text_table`` (see the module), or ``None`` for none.
    """
    twins = sorted({k.twin for k in keys})
    signals = sorted({k.signal for k in keys})
    named = ["twin", "signal"] if len(signals) > 1 else ["twin"]  # one signal: not per row
    hours = [from_us(query.start // HOUR_US * HOUR_US), from_us(-(-query.end // HOUR_US) * HOUR_US)]
    grain = GRAIN_US[query.tier]
    most = len(twins) * len(signals) * ((query.end - 1) // grain - query.start // grain + 1)
    limited = most > limit  # the dedup keys allow a row per series and bucket: bound it

    # A large read goes in several requests at once, each for a share of the twins on a
    # connection of its own: the server writes each share's rows on a worker of its own,
    # and each share's rows become its keys' series on the thread that read them.
    parts = min(wire.parallel_reads if most >= split_rows else 1, len(twins))
    shares = [twins[i::parts] for i in range(parts)]
    share_of = {t: i % parts for i, t in enumerate(twins)}
    distinct = list(dict.fromkeys(keys))
    owned = [[k for k in distinct if share_of[k.twin] == s] for s in range(parts)]

    def request(s: int, columns: Sequence[str], *, probe: bool) -> Request:
        """The rows of share ``s``'s twins (after their text count, with ``probe``), all
        bound to one parameter list (see ``ColumnReader.tables``): the range, the twins,
        the signals, the whole hours around the range, the limit. Numbers only are read
        straight into key order (``KeyedRows``)."""
        share = shares[s]
        params: list[object] = [from_us(query.start), from_us(query.end), *share, *signals]
        params += hours
        at = len(params) - 1  # the hours' placeholders: $at, $(at + 1)
        keyed = (
            f"AND twin IN ({_marks(3, len(share))}) "
            f"AND signal IN ({_marks(3 + len(share), len(signals))})"
        )
        if limited:
            params.append(limit + 1)
        select = f"SELECT {', '.join(named)}, ts, {', '.join(FINISHED[c] for c in columns)} "
        sql = f"{select}FROM {table} WHERE ts >= $1 AND ts < $2 {keyed}"
        if limited:
            sql = f"SELECT * FROM ({sql} LIMIT ${len(params)})"
        if open_tables is not None:
            # Each pair's latest open row in the range, in the same answer after the tier's
            # rows (the server's scan bounded by the range): a version of a bucket since
            # closed meets its closed row, in the range too, and loses (``key_order``).
            unit = "m" if grain < HOUR_US else "h"
            latest = select.replace(" ts, ", f" timestamp_floor('{unit}', ts) ts, ", 1)
            sql += (
                f" UNION ALL SELECT * FROM ({latest}FROM {open_tables[0]} WHERE ts >= $1 "
                f"AND ts < $2 {keyed} LATEST ON ts PARTITION BY twin, signal)"
            )
        fields = [pa.field(c, _S if c in TEXT_COLUMNS.values() else _F) for c in columns]
        schema = pa.schema([*((n, CODED_TEXT) for n in named), ("bucket", _I), *fields])
        texts = any(c in TEXT_COLUMNS.values() for c in columns)
        shape = schema if texts else KeyedRows(schema, owned[s], share, signals, len(named))
        queries: list[tuple[str, Shape]] = [(sql, shape)]
        if probe:
            with_text = "AND (tf IS NOT NULL OR tl IS NOT NULL)"
            counted = [text_table or table, *([open_tables[1]] if open_tables else [])]
            count = " UNION ALL ".join(
                f"SELECT ts FROM {t} WHERE ts >= ${at} AND ts < ${at + 1} {keyed} {with_text}"
                for t in counted
            )
            queries.insert(0, (f"SELECT count() FROM ({count})", pa.schema([("n", _I)])))
        return queries, params

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
        done = wire.each([request(s, numbers, probe=True) for s in range(parts)], finish([]))
        if any(d.text for d in done):
            asked = [*numbers, *texts]
            done = wire.each([request(s, asked, probe=False) for s in range(parts)], finish(texts))
        # else: no text in these rows: its columns were not fetched (all NULL)
    else:
        asked = [*numbers, *texts]
        done = wire.each([request(s, asked, probe=False) for s in range(parts)], finish(texts))
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
    if "position" in rows.column_names:  # read in key order (``KeyedRows``)
        keyed = _numbers(rows.column("position"), np.int64)
        bounds = np.searchsorted(keyed, np.arange(len(keys) + 1))
        numeric = {a: _numbers(rows.column(NUMERIC_COLUMNS[a]), np.float64) for a in aggregates}
        stamps = _numbers(rows.column("bucket"), np.int64).view(TIME_DTYPE)
        none = np.zeros(rows.num_rows, dtype=np.bool_)
        return sliced(keys, bounds[:-1].tolist(), bounds[1:].tolist(), stamps, numeric, {}, none)
    width = len(signals)
    twin_of = {t: i for i, t in enumerate(twins)}
    signal_of = {s: i for i, s in enumerate(signals)}
    wanted = np.array([twin_of[k.twin] * width + signal_of[k.signal] for k in keys], dtype=_INT)
    twin_at = _codes(rows.column("twin"), twins)
    signal_at = (
        _codes(rows.column("signal"), signals) if width > 1 else np.zeros(len(twin_at), _INT)
    )
    position = _positions(twin_at, signal_at, width, wanted)
    bucket = _numbers(rows.column("bucket"), np.int64)
    order, bounds = key_order(position, bucket, len(keys))
    # One block for the bucket starts and every aggregate, in key order, allocated so that
    # numpy backs it with huge pages (``empty``), where a column each (about 1 MiB) took
    # the kernel a page fault per 4 KiB (about 2,000 a 100-series read, measured).
    block = empty((len(aggregates) + 1, len(order)), np.float64)
    np.take(bucket, order, out=block[0].view(np.int64))
    numeric = {}
    for i, a in enumerate(aggregates, 1):
        numeric[a] = np.take(
            _numbers(rows.column(NUMERIC_COLUMNS[a]), np.float64), order, out=block[i]
        )
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
        block[0].view(TIME_DTYPE),
        numeric,
        text if has_text.any() else {},
        has_text,
    )
