"""``QuestDBHistoryStore``: the ``HistoryStore`` contract on a QuestDB server.

Writes go over ILP/HTTP in whole flushes (``auto_flush=off``): the samples
(when the batch only appends, on a second thread while the tier rows are
computed, see ``_ingress`` and ``_tiers``), the tier rows, events and rejects,
then, once all of those are acknowledged, the batch record and its Kafka
offsets last, so a batch that can be read back was written whole. Every table
is a WAL table with dedup keys, so a batch written again after a failure
leaves one copy. Reads wait until the server applied this store's own writes,
then query over the PostgreSQL wire (parameters only), the samples' reads
several at once (``_read_slots``).

Several processes may write one server; the tiers of a bucket are merged by
whoever writes its samples, so two writers of the same series and minute at
once would race (the ingest worker's Kafka partitioning keeps a series on one
writer).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

import duckdb
import numpy as np
import pyarrow as pa
from questdb import Sender

from ontology import Page
from ontology.history._batch_partials import SortedBatch, key_twice, sort_batch
from ontology.history._columns import SampleColumns
from ontology.history._records import check_events, check_first, check_write
from ontology.history._tiers import (
    RangeQuery,
    Tier,
    check_as_of,
    check_not_expired,
    check_raw,
    expiry_cuts,
    from_us,
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
from ontology.history.questdb._frames import TABLE_COLUMN, samples_frame, tier_frame
from ontology.history.questdb._ingress import SampleFlush, SampleSender
from ontology.history.questdb._read_cache import ReadCache
from ontology.history.questdb._read_slots import ReadSlots
from ontology.history.questdb._records import RecordReader, add_batch, add_events, add_rejects
from ontology.history.questdb._samples import SampleReader, key_filters
from ontology.history.questdb._schema import added_columns, create_statements, table_names
from ontology.history.questdb._settings import QuestDBHistorySettings
from ontology.history.questdb._spans import span_frame
from ontology.history.questdb._tail import TierTail
from ontology.history.questdb._tiers import (
    SEP,
    TierKeeper,
    append_partials,
    appends,
    split_open,
)
from ontology.history.questdb._warm_up import WarmUp
from ontology.history.questdb._wire import Wire

DAY_US = 86_400 * 1_000_000
A = TypeVar("A", tuple[Series, ...], AsOf)


@dataclass(frozen=True, slots=True)
class _Written:
    """A batch's samples sent: its series, the tier rows held, and either the sorted
    rows whose tier rows are still to be computed (a batch that only appends) or the
    tier rows to send (any other)."""

    names: pa.Array
    held: dict[Tier, pa.Table]
    before: int
    """The open minute table's sequencer transaction before this write (see ``_tail``)."""
    rows: SortedBatch | None = None
    merged: dict[Tier, pa.Table] | None = None

    def tiers(self) -> dict[Tier, pa.Table]:
        if self.rows is not None:
            return append_partials(self.rows, self.names, self.held)
        return self.merged if self.merged is not None else {}


def _columns(keys: Sequence[SeriesKey]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The twins and the signals of ``keys`` (a read's key in the cache: tuples of strings
    hash and compare in C)."""
    return tuple(k.twin for k in keys), tuple(k.signal for k in keys)


def _range_key(keys: Sequence[SeriesKey], query: RangeQuery, marks: Hashable) -> Hashable:
    """The read cache's key of a planned ``range`` (its window as planned, and the
    watermarks it was planned with)."""
    window = (query.start, query.end, query.interval, query.aggregates)
    return ("range", *_columns(keys), window, marks)


def _marks(watermarks: Mapping[Tier, int]) -> tuple[tuple[str, int], ...]:
    """The watermarks a read stopped at (part of its key in the cache)."""
    return tuple(sorted((str(tier), cut) for tier, cut in watermarks.items()))


_TIER_TABLE = {Tier.RAW: "samples", Tier.MINUTE: "minute", Tier.HOUR: "hour"}


class QuestDBHistoryStore:
    """History in QuestDB tables named ``{settings.prefix}_...`` (created if missing)."""

    def __init__(self, settings: QuestDBHistorySettings) -> None:
        self._settings = settings
        self._prefix = settings.prefix
        self._lock = threading.Lock()
        self._wire = Wire(settings)
        self._engine = duckdb.connect(":memory:", config={"threads": 1})
        self._tiers = TierKeeper(self._engine, self._wire, self._prefix)
        self._reads = ReadSlots(settings, self._engine, self._prefix)
        self._records = RecordReader(self._wire, self._prefix)
        self._tail = TierTail()
        self._tiers_read = 0
        read = ("samples", "minute", "hour", "minute_open", "hour_open")
        self._cache = ReadCache(settings, [self._table(n) for n in read])
        self._sample_sender = SampleSender(settings)
        self._unapplied: set[str] = set(table_names(self._prefix))
        self._warm_up: WarmUp | None = None
        try:
            for statement in create_statements(self._prefix):
                self._wire.execute(statement)
            for statement in added_columns(self._prefix, self._columns):
                self._wire.execute(statement)
            self._applied()
            rows = self._wire.execute(
                f"SELECT tier, max(since) FROM {self._prefix}_watermarks ORDER BY tier"
            )
            self._watermarks = {Tier(tier): int(since) for tier, since in rows}
            self._start_tail()
        except BaseException:  # nothing opened so far stays open (no caller can close it)
            self._close_parts()
            raise
        kept_from = max(self._watermarks.values(), default=0)
        self._warm_up = WarmUp(self, kept_from) if settings.warm_up else None

    def _columns(self, table: str) -> set[str]:
        return {str(row[0]) for row in self._wire.execute(f"SHOW COLUMNS FROM {table}")}

    def _start_tail(self) -> None:
        """Start the tier tail empty (``_tail``) when every tier table is: a fresh store's
        batches then read no tier rows back, not even its first or a new series'.

        The open minute table's sequencer transaction is read first, then the tier tables
        are applied up to it at least and counted, then it is read again: a commit after
        the first read moves it (and any later one makes the first write distrust the
        tail), a commit before it is counted."""
        opened = self._table("minute_open")
        txn = self._wire.sequencer_txn(opened)
        tiers = [self._table(n) for n in ("minute", "hour", "minute_open", "hour_open")]
        self._wire.wait_applied(tiers)
        counts = self._wire.execute(" UNION ALL ".join(f"SELECT count() FROM {t}" for t in tiers))
        if all(int(n) == 0 for (n,) in counts) and self._wire.sequencer_txn(opened) == txn:
            self._tail.start_empty(txn)

    def warmed_up(self, timeout: float | None = None) -> bool:
        """Wait for the reads the store warms its read path with when it opens
        (``QuestDBHistorySettings.warm_up``, see ``_warm_up``) to end, at most ``timeout``
        seconds; whether they ended (True when there are none)."""
        return self._warm_up is None or self._warm_up.join(timeout)

    def _table(self, name: str) -> str:
        return f"{self._prefix}_{name}"

    @property
    def read_cache_hits(self) -> int:
        """``range`` and ``as_of`` calls answered from the read cache (see ``_read_cache``)."""
        return self._cache.hits

    @property
    def tiers_read_back(self) -> int:
        """Writes that read the tier rows held back from the server (not from the tail kept
        in memory, see ``_tail``)."""
        return self._tiers_read

    @property
    def reads_waited(self) -> int:
        """Reads that found all ``readers`` slots taken and waited for one (``_read_slots``)."""
        return self._reads.waits

    def _cached(self, key: Hashable, writes: int, read: Callable[[SampleReader], A]) -> A:
        """``read`` on a read slot, or the answer kept for the read ``key`` names when the
        tables it reads have not changed since (one small query instead of the read;
        ``_read_cache``).

        Called after ``_applied``, without the store's lock: the stamp is asked on the
        cache's own connection (shared with other threads' reads, see
        ``ReadCache.stamp``), and a miss is read on a slot of its own (``_read_slots``),
        once for the threads missing the same read at the same stamp at once
        (``ReadCache.answer``), so neither waits for another read in flight (nor a hit for
        a write). ``writes``: this store's writes when the read began (``ReadCache.wrote``)."""
        if not self._cache.enabled:
            return self._reads.run(read)
        stamp = (writes, self._cache.stamp())
        return self._cache.answer(key, stamp, lambda: self._reads.run(read))

    def _applied(self) -> None:
        """Wait until the server applied every write this store made (read your writes)."""
        if self._unapplied:
            self._wire.wait_applied(sorted(self._unapplied))
            self._unapplied.clear()

    # ----------------------------------------------------------------- writes
    def write_batch(
        self,
        batch: Batch,
        samples: Samples,
        events: Sequence[Event] = (),
        rejects: Sequence[Reject] = (),
    ) -> None:
        columns, events, data = check_write(batch, samples, events, rejects)
        with self._lock, self._wire.guarded():
            if len(columns):
                check_not_expired(batch.id, columns.lo, self._watermarks.get(Tier.RAW))
            try:
                self._write(batch, columns, events, data, rejects)
            except BaseException:
                self._tail.clear()  # a flush may or may not have landed: read back next time
                raise
            finally:
                self._cache.wrote()  # the reads after this one miss what was kept before

    def _write(
        self,
        batch: Batch,
        columns: SampleColumns,
        events: Sequence[Event],
        data: Sequence[str],
        rejects: Sequence[Reject],
    ) -> None:
        pending = None
        try:
            written = None
            spans = None
            if len(columns):
                pairs, inverse = columns.series_codes()
                rows, _ = sort_batch(columns, inverse.astype(np.int32), batch.id)
                twice = key_twice(rows)
                before = self._wire.sequencer_txn(self._table("minute_open"))
                names = pa.array([f"{t}{SEP}{s}" for t, s in pairs], type=pa.string())
                held = None if twice else self._tail.held(names, before)
                appended = held is not None and appends(rows, names, held[Tier.MINUTE])
                if appended:
                    spans = span_frame(rows, pairs)  # its samples go without the id (``_spans``)
                if not twice:
                    # The samples go out first, on threads of their own (see ``_ingress``),
                    # while this one computes and sends the tier rows.
                    frame = samples_frame(
                        columns.table,
                        None if spans is not None else batch.id,
                        twins=columns.twins,
                        signals=columns.signals,
                    )
                    pending = self._sample_sender.start(self._table("samples"), frame)
                keys = [SeriesKey(t, s) for t, s in pairs]
                written = self._write_samples(
                    columns, keys, names, rows, batch.id, before, pending, held, appended
                )
            tiers: dict[Tier, pa.Table] = {}
            sent: dict[str, pa.Table] = {}
            if written is not None:
                tiers = written.tiers()
                for tier, merged in tiers.items():
                    # The buckets the series moved past, and each series' last (``_tiers``).
                    closed, fresh = split_open(merged, written.held[tier])
                    sent[self._table(tier)] = closed
                    sent[self._table(f"{tier}_open")] = fresh

            def rest(sender: Sender) -> None:
                tier_rows = tier_frame(sent)
                if len(tier_rows):
                    sender.dataframe(tier_rows, table_name_col=TABLE_COLUMN, at="ts")
                if spans is not None:  # acknowledged before the batch record is sent
                    self._wire.frame(sender, self._table("spans"), spans)
                add_events(sender, self._table("events"), events, data)
                add_rejects(sender, self._table("rejects"), rejects)

            self._wire.send(rest)
            if written is not None:  # dropped by ``write_batch`` if the samples fail
                self._tail.keep(written.names, written.held, tiers, written.before)
        finally:
            try:
                if pending is not None:
                    pending.result()  # raises HistoryUnavailableError if not acknowledged
            finally:
                # Noted once the requests ended (a read that waits for the server to apply
                # these tables before then might not wait for them).
                written_to = ("samples", "spans", "minute", "hour", "minute_open", "hour_open")
                self._unapplied.update(self._table(n) for n in (*written_to, "events", "rejects"))
        self._wire.send(lambda sender: add_batch(sender, self._prefix, batch))
        self._unapplied.update((self._table("batches"), self._table("offsets")))

    def _write_samples(
        self,
        columns: SampleColumns,
        keys: Sequence[SeriesKey],
        names: pa.Array,
        rows: SortedBatch,
        batch_id: str,
        txn: int,
        pending: SampleFlush | None,
        held: dict[Tier, pa.Table] | None,
        appended: bool,
    ) -> _Written:
        """The tier rows to send; ``pending``: the samples' requests, when already sent
        (no key twice in the batch), else they are sent here; ``held``: the tier rows
        held for the batch's series, from the tail (``None``: not trusted, read back
        here), and ``appended`` whether the batch only appends to them.

        A batch that only appends (see ``_tiers``) has its tier rows computed while its
        samples are sent, merged with the rows held for its series (kept in memory
        while no one else writes, see ``_tail``); any other waits until its samples are
        applied, so that the tiers can be checked against raw.
        """
        if pending is not None:
            if held is None:
                # Only the tier tables need be applied: whether the batch appends is told by
                # the tier rows alone, so its own samples, still being taken in, are not
                # waited for (a batch that does not append waits for them below).
                held = self._held(columns.lo, keys, samples=False)
                appended = appends(rows, names, held[Tier.MINUTE])
            if appended:
                return _Written(names, held, txn, rows=rows)
            pending.result()
            self._stage(columns, batch_id, last_of_key=False)
        else:
            staged = self._stage(columns, batch_id, last_of_key=True)
            frame = samples_frame(staged, batch_id)
            self._wire.send(lambda s: self._wire.frame(s, self._table("samples"), frame))
        self._unapplied.add(self._table("samples"))
        held = self._held(columns.lo, keys)  # once the samples are applied
        return _Written(names, held, txn, merged=self._tiers.merged(columns.lo, columns.hi, held))

    def _stage(self, columns: SampleColumns, batch_id: str, *, last_of_key: bool) -> pa.Table:
        """The engine's ``staged`` table of the batch (what ``_tiers`` merges), keeping only
        the last sample of a key written twice when ``last_of_key``."""
        engine = self._engine
        engine.register("incoming", columns.table)
        try:
            engine.execute(
                "CREATE OR REPLACE TEMP TABLE staged AS SELECT twin || chr(31) || signal AS "
                "series, twin, signal, ts, value, text, quality, $batch AS batch FROM incoming "
                + (
                    "QUALIFY row_number() OVER (PARTITION BY twin, signal, ts ORDER BY rn DESC) = 1"
                    if last_of_key
                    else ""
                ),
                {"batch": batch_id},
            )
        finally:
            engine.unregister("incoming")
        return engine.sql("SELECT * FROM staged").to_arrow_table()

    def _held(
        self, lo: int, keys: Sequence[SeriesKey], *, samples: bool = True
    ) -> dict[Tier, pa.Table]:
        """The tier rows held from ``lo`` on and the open rows of the series ``keys``, once
        the server applied every write to the tiers, and with ``samples`` to the samples
        (this store's and any other writer's)."""
        tiers = ("minute", "hour", "minute_open", "hour_open")
        tables = ("samples", *tiers) if samples else tiers
        mine = self._unapplied - {self._table("samples")} if not samples else self._unapplied
        self._wire.wait_applied(sorted(mine | {self._table(n) for n in tables}))
        self._unapplied -= mine
        self._tiers_read += 1
        return self._tiers.held(lo, key_filters(keys, fixed=0))

    def append_events(self, events: Sequence[Event]) -> None:
        data = check_events(events)
        with self._lock, self._wire.guarded():
            self._wire.send(lambda s: add_events(s, self._table("events"), events, data))
            self._unapplied.add(self._table("events"))

    # ---------------------------------------------------------------- samples
    # Each read is planned under the store's lock, once the server applied this store's
    # writes (read your writes), with the watermarks of that moment; the read itself runs
    # without the lock, on a read slot (``_read_slots``).
    def range(
        self,
        keys: Sequence[SeriesKey],
        start: datetime,
        end: datetime,
        interval: timedelta,
        aggregates: Sequence[Agg],
    ) -> tuple[Series, ...]:
        with self._lock, self._wire.guarded():
            query = RangeQuery(keys, start, end, interval, aggregates, self._watermarks)
            self._applied()
            marks, writes = _marks(self._watermarks), self._cache.writes
        key = _range_key(keys, query, marks) if self._cache.enabled else None
        return self._cached(key, writes, lambda samples: samples.range(keys, query))

    def kept_range(
        self, keys: Sequence[SeriesKey], window: tuple[datetime, datetime, timedelta, Sequence[Agg]]
    ) -> tuple[Series, ...] | None:
        """What ``range(keys, *window)`` would return now, when the read cache holds it and
        that can be told without waiting: the store's lock free, none of its writes left to
        apply, a stamp recent enough already asked for (``ReadCache.kept``); else None. No query, no
        wait: an event loop may call it before handing ``range`` to a thread."""
        if not self._cache.enabled or not self._lock.acquire(blocking=False):
            return None
        try:
            if self._unapplied:
                return None
            query = RangeQuery(keys, *window, self._watermarks)
            marks, writes = _marks(self._watermarks), self._cache.writes
        finally:
            self._lock.release()
        kept: tuple[Series, ...] | None = self._cache.kept(_range_key(keys, query, marks), writes)
        return kept

    def as_of(self, keys: Sequence[SeriesKey], at: datetime) -> AsOf:
        at_us = check_as_of(keys, at)
        with self._lock, self._wire.guarded():
            self._applied()
            kept, writes = dict(self._watermarks), self._cache.writes
        key = ("as_of", *_columns(keys), at_us, _marks(kept)) if self._cache.enabled else None
        return self._cached(key, writes, lambda samples: samples.as_of(keys, at_us, kept))

    def raw(
        self, key: SeriesKey, start: datetime, end: datetime, *, limit: int = 100_000
    ) -> Samples:
        window = check_raw(start, end, limit)
        with self._lock, self._wire.guarded():
            window = (max(window[0], self._watermarks.get(Tier.RAW, 0)), window[1])
            self._applied()
        return self._reads.run(lambda samples: samples.raw(key, window, limit))

    # ---------------------------------------------------- events, batches, rejects
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
        with self._lock, self._wire.guarded():
            self._applied()
            return self._records.events(twins, window, kinds, first, after)

    def get_batch(self, batch_id: str) -> Batch:
        with self._lock, self._wire.guarded():
            self._applied()
            return self._records.get_batch(batch_id)

    def batches(
        self, start: datetime, end: datetime, *, first: int = 100, after: str | None = None
    ) -> Page[Batch]:
        check_first(first)
        window = (to_us(start, "batches start"), to_us(end, "batches end"))
        with self._lock, self._wire.guarded():
            self._applied()
            return self._records.batches(window, first, after)

    def committed_offsets(self, topic: str) -> Mapping[int, int]:
        with self._lock, self._wire.guarded():
            self._applied()
            return self._records.committed_offsets(topic)

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
        with self._lock, self._wire.guarded():
            self._applied()
            return self._records.rejects(window, feed, reason, first, after)

    def reject_counts(
        self, start: datetime, end: datetime, *, feed: str | None = None
    ) -> Mapping[str, int]:
        window = (to_us(start, "reject_counts start"), to_us(end, "reject_counts end"))
        with self._lock, self._wire.guarded():
            self._applied()
            return self._records.reject_counts(window, feed)

    # -------------------------------------------------------------- retention
    @property
    def retention(self) -> Retention:
        return self._settings.retention

    def expire(self, now: datetime) -> int:
        """Move the watermarks (reads stop at them) and drop the day partitions wholly
        before them; returns the rows that moved behind a watermark."""
        cuts = expiry_cuts(self._settings.retention, to_us(now, "expire now"))
        dropped = 0
        with self._lock, self._wire.guarded():
            self._applied()
            for tier, cut in cuts.items():
                if cut <= self._watermarks.get(tier, -1):
                    continue
                day = from_us(cut // DAY_US * DAY_US)
                # The open rows of a tier, the spans of the samples: not counted (a row
                # per write; see ``_spans``), dropped with the rows they go with.
                beside = "spans" if tier is Tier.RAW else f"{tier}_open"
                self._drop_days(self._table(beside), day)
                table = self._table(_TIER_TABLE[tier])
                since = from_us(self._watermarks.get(tier, 0))
                rows = self._wire.execute(
                    f"SELECT count() FROM {table} WHERE ts >= %s AND ts < %s",
                    [since, from_us(cut)],
                )
                dropped += int(rows[0][0]) if rows else 0
                self._drop_days(table, day)
                self._wire.execute(
                    f"INSERT INTO {self._table('watermarks')} VALUES (%s, %s, %s)",
                    [now, str(tier), cut],
                )
                self._watermarks[tier] = cut
            self._unapplied.update(table_names(self._prefix))
            self._tail.clear()
            self._cache.clear()  # the watermarks moved: reads stop elsewhere
            self._cache.wrote()
        return dropped

    def _drop_days(self, table: str, day: datetime) -> None:
        """Drop the day partitions of ``table`` wholly before ``day`` (if it holds any)."""
        held = self._wire.execute(f"SELECT count() FROM {table} WHERE ts < %s", [day])
        if held != [(0,)]:
            self._wire.execute(f"ALTER TABLE {table} DROP PARTITION WHERE ts < %s", [day])

    def drop_tables(self) -> None:
        """Drop every table of this store's prefix (tests, or retiring a store)."""
        with self._lock, self._wire.guarded():
            self._tail.clear()
            self._cache.clear()
            self._cache.wrote()
            for table in table_names(self._prefix):
                self._wire.execute(f"DROP TABLE IF EXISTS {table}")

    def close(self) -> None:
        # Its reads use the slots and connections closed below; a server that stopped
        # answering is not waited for longer than a write waits for it.
        # A read still running after that wait (a warm-up on a server that stopped answering)
        # is refused its next query: a closed wire opens no connection again.
        self.warmed_up(self._settings.apply_timeout_s)
        with self._lock:
            self._close_parts()

    def _close_parts(self) -> None:
        self._cache.close()
        self._reads.close()
        self._sample_sender.close()
        self._wire.close()
        self._engine.close()
