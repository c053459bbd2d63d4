"""Warming a store's read path when it opens, so a process's first reads are not its slowest.

The reader's loops are compiled by numba (``_fetch_jit``) and loaded from numba's
cache the first time each is called: about 0.3 s of CPU (about 1 s of wall time on
this loaded two-core host) that a process's first ``range`` paid, and its first
``write_batch`` (which reads the tier rows back). ``WarmUp`` runs, on a thread of its
own once the store is open, the store's own reads of series that do not exist: a
many-series ``range`` at the minute tier's grain (enough keys that it takes the path
that reads rows straight into key order), a one-series ``range``, a ``raw`` and an
``as_of``, over a day from the first whole hour after the store's watermarks (so that
no read is refused for asking before what is kept). Each returns no rows, so it costs
the server a few small queries, and loads every compiled loop those paths call. Best
effort: a server that does not answer is left to the store's first real call to report,
and a read refused because the watermarks moved meanwhile (an ``expire`` just after the
store opened) ends the warm-up. It does not warm the server's own
JIT (a server just started still compiles its query paths during its first large
reads: docs/history.md).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol

from ontology import StoreUnavailableError
from ontology.history._errors import HistoryInputError
from ontology.history._values import Agg, AsOf, Samples, Series, SeriesKey

__all__ = ["WarmUp"]

WARM_KEYS = 14
"""Keys of the many-series read: 14 x 1,440 minute buckets pass the 20,000 rows from
which a tier read takes the keyed path (``_grain``)."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_KEYS = tuple(SeriesKey(f"warm-up/{i}", "warm-up") for i in range(WARM_KEYS))
_AGGS = tuple(a for a in Agg if a is not Agg.TWA)  # the tier's own grain: its rows read as they are


def _after(kept_from: int) -> datetime:
    """The first whole hour after ``kept_from`` (microseconds), a day after the epoch at
    the earliest."""
    hour = 3_600_000_000
    return _EPOCH + timedelta(microseconds=max(kept_from // hour + 1, 24) * hour)


class _Reads(Protocol):
    def range(
        self,
        keys: list[SeriesKey],
        start: datetime,
        end: datetime,
        interval: timedelta,
        aggregates: list[Agg],
    ) -> tuple[Series, ...]: ...

    def as_of(self, keys: list[SeriesKey], at: datetime) -> AsOf: ...

    def raw(self, key: SeriesKey, start: datetime, end: datetime) -> Samples: ...


def _warm(store: _Reads, start: datetime) -> None:
    day, minute = timedelta(days=1), timedelta(minutes=1)
    store.range(list(_KEYS), start, start + day, minute, list(_AGGS))
    store.range(list(_KEYS[:1]), start, start + day, minute, list(_AGGS))
    store.raw(_KEYS[0], start, start + timedelta(hours=1))
    store.as_of(list(_KEYS[:1]), start + day)


class WarmUp:
    """The warm-up reads of ``store``, started on a thread of their own; ``kept_from``: the
    latest of its watermarks (microseconds since the epoch; 0 when none)."""

    def __init__(self, store: _Reads, kept_from: int) -> None:
        self.failed: BaseException | None = None
        """What stopped the warm-up (a server that did not answer), else None."""
        self._thread = threading.Thread(
            target=self._run, args=(store, _after(kept_from)), name="questdb-warm-up", daemon=True
        )
        self._thread.start()

    def _run(self, store: _Reads, start: datetime) -> None:
        try:
            _warm(store, start)
        except (StoreUnavailableError, HistoryInputError) as error:  # see the module's doc
            self.failed = error

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the warm-up to end (at most ``timeout`` seconds); whether it ended."""
        self._thread.join(timeout)
        return not self._thread.is_alive()
