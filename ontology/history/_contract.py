"""The ``HistoryStore`` contract: what every history store implementation provides.

The graph store holds *now*; the history store holds *then*: samples, events,
ingest batches (the lineage unit) and rejects (the quarantine). Implementations:
DuckDB (the embedded default, one file, one writing process) and QuestDB
(production). One contract test-suite runs against both.

Samples are columnar in and out (numpy). A sample is identified by
(twin, signal, time): writing it again keeps one, so a replay after a crash
never doubles a sample. Written again with another value, quality or text,
the later write wins (in every store); written again unchanged, the stored
row (and its batch) stays. Methods are synchronous.

Retention tiers: ``raw``, ``minute`` and ``hour``. The 1-minute and 1-hour
aggregates are maintained as each batch commits (exactly, also for late and
replaced samples), so they exist before any raw sample expires. ``expire``
cuts each tier at a whole hour (its *watermark*); after that a sample older
than the raw watermark is refused (``HistoryInputError``): it would land in
buckets whose raw samples are gone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from ontology import Page
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


@runtime_checkable
class HistoryStore(Protocol):
    # ----------------------------------------------------------------- writes
    def write_batch(
        self,
        batch: Batch,
        samples: Samples,
        events: Sequence[Event] = (),
        rejects: Sequence[Reject] = (),
    ) -> None:
        """Write one ingest batch: its samples, events, rejects and its lineage record.

        The batch record is written last: a batch that can be read back was
        written whole. An event without a batch is stored with this batch's id;
        one naming another batch is refused. Writing the same batch again (a replay) leaves exactly
        one copy of each sample and event. Malformed input raises
        ``HistoryInputError`` before anything is written; a store that cannot
        be reached raises ``HistoryUnavailableError`` and the caller must treat
        the whole batch as not written (and write it again later).
        """
        ...

    def append_events(self, events: Sequence[Event]) -> None:
        """Events that come from no ingest batch (lifecycle, structure, model edits)."""
        ...

    # ---------------------------------------------------------------- samples
    def range(
        self,
        keys: Sequence[SeriesKey],
        start: datetime,
        end: datetime,
        interval: timedelta,
        aggregates: Sequence[Agg],
    ) -> tuple[Series, ...]:
        """Buckets of ``interval`` over ``[start, end)`` for many series in one call.

        Buckets are aligned to multiples of ``interval`` since the Unix epoch
        (the first and last may be cut by ``start`` and ``end``: only samples
        inside ``[start, end)`` count); only buckets holding samples are
        returned. Numeric aggregates are over the numeric samples (NaN in a
        bucket of text samples only); ``COUNT`` counts every sample. ``TWA``
        weights each numeric value by how long it held inside the bucket: from
        its time to the next numeric sample of the bucket, the last one to the
        bucket's end (or ``end``); the stretch before the first is not counted.

        Read from the coarsest tier that answers exactly: the hour tier when
        ``interval``, ``start`` and ``end`` are whole hours, the minute tier
        when they are whole minutes, else raw samples. A range that starts
        before the raw samples kept and is not in whole minutes or hours raises
        ``HistoryInputError``. Result ``i`` answers ``keys[i]``; an unknown
        series has no buckets.
        """
        ...

    def as_of(self, keys: Sequence[SeriesKey], at: datetime) -> AsOf:
        """The last sample at or before ``at`` of each series (time travel).

        Where the raw samples before ``at`` have expired, the answer is the
        last sample of the last whole minute (or hour) before ``at`` that the
        tiers keep.
        """
        ...

    def raw(
        self, key: SeriesKey, start: datetime, end: datetime, *, limit: int = 100_000
    ) -> Samples:
        """The raw samples of one series in ``[start, end)``, in time order."""
        ...

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
        """Events of these twins (``None``: all) in ``[start, end)``, in time order."""
        ...

    # ---------------------------------------------------------------- batches
    def get_batch(self, batch_id: str) -> Batch:
        """One batch by id; ``NotFoundError`` if unknown."""
        ...

    def batches(
        self, start: datetime, end: datetime, *, first: int = 100, after: str | None = None
    ) -> Page[Batch]:
        """Batches received in ``[start, end)``, in received order."""
        ...

    def committed_offsets(self, topic: str) -> Mapping[int, int]:
        """The last Kafka offset written per partition of ``topic`` (to seek on restart)."""
        ...

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
    ) -> Page[Reject]: ...

    def reject_counts(
        self, start: datetime, end: datetime, *, feed: str | None = None
    ) -> Mapping[str, int]:
        """Rejects in ``[start, end)`` counted by reason."""
        ...

    # -------------------------------------------------------------- retention
    @property
    def retention(self) -> Retention:
        """How long each tier keeps its data (from the store's settings)."""
        ...

    def expire(self, now: datetime) -> int:
        """Drop samples and aggregates older than each tier keeps (cut at whole hours
        before ``now``); returns the rows dropped. Events, batches and rejects stay."""
        ...

    def close(self) -> None: ...
