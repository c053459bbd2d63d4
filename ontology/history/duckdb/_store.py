"""``DuckDBHistoryStore``: the ``HistoryStore`` contract on one embedded DuckDB file.

The process that opens the file is its only writer (DuckDB locks it): the
ingest worker and the server share this object in the embedded mode. Calls are
serialised by a lock; each ``write_batch`` is one DuckDB transaction, so a
batch is there whole or not at all, and its Kafka offsets commit with it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from datetime import datetime, timedelta

import duckdb

from ontology import Page
from ontology.history._columns import sample_columns
from ontology.history._errors import HistoryUnavailableError
from ontology.history._records import check_batch, check_events, check_first
from ontology.history._tiers import (
    RangeQuery,
    Tier,
    check_as_of,
    check_not_expired,
    check_raw,
    expiry_cuts,
    to_us,
)
from ontology.history._values import (
    Agg,
    AsOf,
    Batch,
    Event,
    Reject,
    Retention,
    Samples,
    Series,
    SeriesKey,
)
from ontology.history.duckdb import _range, _read, _records
from ontology.history.duckdb._connect import ROW_GROUP_SIZE, connect
from ontology.history.duckdb._open_rows import OpenRows, repair
from ontology.history.duckdb._settings import DuckDBHistorySettings
from ontology.history.duckdb._sql import SCHEMA
from ontology.history.duckdb._write import TIER_TABLES, SeriesIds, write_samples

_TIME_COLUMN = {Tier.RAW: ("samples", "ts"), **{t: (n, "bucket") for t, n in TIER_TABLES.items()}}


class DuckDBHistoryStore:
    """History in one DuckDB file (or in memory when ``settings.path`` is ``None``)."""

    def __init__(self, settings: DuckDBHistorySettings | None = None) -> None:
        self._settings = settings or DuckDBHistorySettings()
        path = str(self._settings.path) if self._settings.path is not None else None
        config: dict[str, str | bool | int | float | list[str]] = {}
        if self._settings.threads is not None:
            config["threads"] = self._settings.threads
        try:
            self._con = connect(path, config)
        except (duckdb.IOException, duckdb.ResourceInUseException) as error:
            message = f"cannot open the DuckDB history file {path!r}: {error}"
            raise HistoryUnavailableError(message) from error
        self._lock = threading.Lock()
        ((threads,),) = self._con.execute("SELECT current_setting('threads')").fetchall()
        self._threads = int(threads)
        """DuckDB's threads for reads (``settings.threads``, or every core)."""
        self._con.execute(SCHEMA)
        self._series = SeriesIds(self._con)
        with self._transaction():
            # the open rows of a process that stopped without writing them
            repair(self._con, *self._series.stored())
        self._opened = OpenRows()
        """Each series' last bucket of each tier, not in the tier tables (``_open_rows``)."""
        # fetchall: a result left unfinished refuses the next ``register`` (DuckDB 2)
        ((latest,),) = self._con.execute("SELECT coalesce(max(ts), -1) FROM events").fetchall()
        self._events_latest = int(latest)
        """No stored event is later (``expire`` keeps events; this file has one writer)."""
        self._watermarks: dict[Tier, int] = {
            Tier(tier): int(since)
            for tier, since in self._con.execute("SELECT tier, since FROM watermarks").fetchall()
        }

    # ----------------------------------------------------------------- writes
    def write_batch(
        self,
        batch: Batch,
        samples: Samples,
        events: Sequence[Event] = (),
        rejects: Sequence[Reject] = (),
    ) -> None:
        # ``check_write``'s checks, without its copy of each event that has no batch: the
        # events' batch column takes this batch's id there instead (``write_events``; about
        # 9 ms of CPU for the 4,478 events of a 100k-sample ingest batch).
        check_batch(batch, rejects)
        data = check_events(events, batch.id)
        columns = sample_columns(samples)
        with self._lock:
            if len(columns):
                check_not_expired(batch.id, columns.lo, self._watermarks.get(Tier.RAW))
            # A batch of a row group or more goes straight to the file, compressed
            # (``_connect``): there DuckDB's threads compress in parallel, and one thread
            # made ``benchmarks.history --append-only`` about 5 % slower, quiet.
            whole = self._settings.path is not None and len(columns) >= ROW_GROUP_SIZE
            with nullcontext() if whole else self._one_thread(), self._transaction():
                written = (
                    write_samples(self._con, columns, batch.id, self._series, self._opened)
                    if len(columns)
                    else None
                )
                latest = _records.write_events(
                    self._con, events, data, self._events_latest, batch=batch.id
                )
                _records.write_batch_record(self._con, batch, rejects)
            if written is not None:
                self._series.keep(written)
                self._opened.replace(written.opened)
            self._events_latest = latest

    def append_events(self, events: Sequence[Event]) -> None:
        data = check_events(events)
        with self._lock:
            with self._transaction():
                latest = _records.write_events(self._con, events, data, self._events_latest)
            self._events_latest = latest

    @contextmanager
    def _one_thread(self) -> Iterator[None]:
        """DuckDB on one thread for the block (a write), its threads for reads after.

        A batch's inserts from Arrow on two threads took twice the CPU of one thread, and
        more wall time (100,000 samples: 15-17 ms against 8 ms CPU, 20 against 9 ms wall
        at best, under load): each thread builds its own row groups, merged after. The
        two ``SET``s cost about one small statement.
        """
        if self._threads == 1:
            yield
            return
        self._con.execute("SET threads = 1")
        try:
            yield
        finally:
            self._con.execute("SET threads = $n", {"n": self._threads})

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._con.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self._con.execute("ROLLBACK")
            raise
        try:
            self._con.execute("COMMIT")
        except duckdb.IOException as error:
            message = f"the DuckDB history file could not commit: {error}"
            raise HistoryUnavailableError(message) from error

    # ---------------------------------------------------------------- samples
    def _ids(self, keys: Sequence[SeriesKey]) -> list[int | None]:
        return [self._series.get(k.twin, k.signal) for k in keys]

    def range(
        self,
        keys: Sequence[SeriesKey],
        start: datetime,
        end: datetime,
        interval: timedelta,
        aggregates: Sequence[Agg],
    ) -> tuple[Series, ...]:
        with self._lock:
            query = RangeQuery(keys, start, end, interval, aggregates, self._watermarks)
            ids = self._ids(keys)
            text = self._series.any_text(ids)
            sources = self._opened.sources(self._con)
            return _range.read_range(self._con, keys, ids, query, sources, text=text)

    def as_of(self, keys: Sequence[SeriesKey], at: datetime) -> AsOf:
        at_us = check_as_of(keys, at)
        with self._lock:
            sources = self._opened.sources(self._con)
            return _read.read_as_of(self._con, keys, self._ids(keys), at_us, sources)

    def raw(
        self, key: SeriesKey, start: datetime, end: datetime, *, limit: int = 100_000
    ) -> Samples:
        window = check_raw(start, end, limit)
        with self._lock:
            series = self._series.get(key.twin, key.signal)
            return _read.read_raw(self._con, key, series, window, limit)

    # ----------------------------------------------------------------- events
    def events(
        self,
        twins: Sequence[str] | None,
        start: datetime,
        end: datetime,
        *,
        kinds: Sequence[str] | None = None,
        first: int = 100,
        after: str | None = None,
    ) -> Page[Event]:
        check_first(first)
        window = (to_us(start, "events start"), to_us(end, "events end"))
        with self._lock:
            return _records.read_events(self._con, twins, window, kinds, first, after)

    # ---------------------------------------------------------------- batches
    def get_batch(self, batch_id: str) -> Batch:
        with self._lock:
            return _records.get_batch(self._con, batch_id)

    def batches(
        self, start: datetime, end: datetime, *, first: int = 100, after: str | None = None
    ) -> Page[Batch]:
        check_first(first)
        window = (to_us(start, "batches start"), to_us(end, "batches end"))
        with self._lock:
            return _records.read_batches(self._con, window, first, after)

    def committed_offsets(self, topic: str) -> Mapping[int, int]:
        with self._lock:
            return _records.committed_offsets(self._con, topic)

    # ---------------------------------------------------------------- rejects
    def rejects(
        self,
        start: datetime,
        end: datetime,
        *,
        feed: str | None = None,
        reason: str | None = None,
        first: int = 100,
        after: str | None = None,
    ) -> Page[Reject]:
        check_first(first)
        window = (to_us(start, "rejects start"), to_us(end, "rejects end"))
        with self._lock:
            return _records.read_rejects(self._con, window, feed, reason, first, after)

    def reject_counts(
        self, start: datetime, end: datetime, *, feed: str | None = None
    ) -> Mapping[str, int]:
        window = (to_us(start, "reject_counts start"), to_us(end, "reject_counts end"))
        with self._lock:
            return _records.reject_counts(self._con, window, feed)

    # -------------------------------------------------------------- retention
    @property
    def retention(self) -> Retention:
        return self._settings.retention

    def expire(self, now: datetime) -> int:
        cuts = expiry_cuts(self._settings.retention, to_us(now, "expire now"))
        dropped = 0
        with self._lock:
            with self._transaction():
                # The open rows go to their tables first: their raw samples may be dropped.
                self._opened.flush(self._con)
                for tier, cut in cuts.items():
                    if cut <= self._watermarks.get(tier, -1):
                        continue
                    table, column = _TIME_COLUMN[tier]
                    deleted = f"DELETE FROM {table} WHERE {column} < ?"
                    row = self._con.execute(deleted, [cut]).fetchone()
                    dropped += int(row[0]) if row else 0
                    self._con.execute(
                        "INSERT OR REPLACE INTO watermarks VALUES (?, ?)", [str(tier), cut]
                    )
            self._opened.replace({})
        for tier, cut in cuts.items():
            self._watermarks[tier] = max(cut, self._watermarks.get(tier, cut))
        return dropped

    def close(self) -> None:
        """Writes the open tier rows to a file (kept in memory only: nothing to keep)."""
        with self._lock:
            try:
                if self._settings.path is not None and self._opened:
                    with self._transaction():
                        self._opened.flush(self._con)
                    self._opened.replace({})
            finally:
                self._con.close()
