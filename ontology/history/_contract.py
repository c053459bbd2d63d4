"""The ``HistoryStore`` contract: what every history store implementation provides.

The graph store holds *now*; the history store holds *then*: samples, events,
ingest batches (the lineage unit) and rejects (the quarantine). Implementations:
DuckDB (the embedded default, one file, one writing process) and QuestDB
(production). One contract test-suite runs against both.

Samples are columnar in and out (numpy). A sample is identified by
(twin, signal, time): writing it again keeps one, so a replay after a crash
never doubles a sample. Methods are synchronous.
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
        written whole. Writing the same batch again (a replay) leaves exactly
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

        Buckets are aligned to multiples of ``interval`` since the Unix epoch;
        only buckets holding samples are returned. Read from the coarsest
        retention tier that answers exactly. Result ``i`` answers ``keys[i]``.
        """
        ...

    def as_of(self, keys: Sequence[SeriesKey], at: datetime) -> AsOf:
        """The last sample at or before ``at`` of each series (time travel)."""
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
    def retention(self) -> Retention: ...

    def expire(self, now: datetime) -> int:
        """Drop data older than each tier keeps; returns the rows dropped."""
        ...

    def close(self) -> None: ...
