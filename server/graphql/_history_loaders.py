"""DataLoaders for history reads: one ``as_of`` per time and one ``range`` per window.

Keys from every twin of a query level that ask for the same time (or the
same window, interval and aggregates) go to the history store in one call,
shared with other requests' reads of the same time or window when the server
shares history reads (``RangeBatcher``). A store that can tell at once that it keeps a
``range`` answer (``KeepsRanges``: the QuestDB store's read cache, when no write is left
to apply and its stamp is recent enough) answers on the event loop: no hand-off to a
worker thread and back, each of which waits for a core on a loaded machine.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Protocol, cast, runtime_checkable

import numpy as np
from strawberry.dataloader import DataLoader

from ontology.history import Agg, AsOf, HistoryStore, Series, SeriesKey
from server.graphql._range_batcher import RangeBatcher, Window
from server.graphql._threads import in_thread

KEYS_PER_CALL = 10_000


@runtime_checkable
class KeepsRanges(Protocol):
    """A history store that can tell, without waiting, that it keeps a ``range`` answer."""

    def kept_range(
        self, keys: Sequence[SeriesKey], window: tuple[datetime, datetime, timedelta, Sequence[Agg]]
    ) -> tuple[Series, ...] | None: ...


@functools.cache
def _keeps_ranges(kind: type) -> bool:
    """Whether a store of class ``kind`` is ``KeepsRanges``: asked once per class, not per
    request (a runtime protocol's check walks its members each time)."""
    return issubclass(kind, KeepsRanges)


@dataclass(frozen=True, slots=True)
class AsOfKey:
    twin: str
    signal: str
    at: datetime


@dataclass(frozen=True, slots=True)
class AsOfRow:
    found: bool
    time: datetime | None
    value: float | str | None
    quality: int | None
    batch: str | None


@dataclass(frozen=True, slots=True)
class RangeKey:
    twin: str
    signal: str
    start: datetime
    end: datetime
    interval: timedelta
    aggregates: tuple[Agg, ...]


def _rows(result: AsOf) -> list[AsOfRow]:
    """One row per key, converted column by column (``tolist``), not element by element."""
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    micros = result.time.astype("datetime64[us]").astype("int64").tolist()
    rows: list[AsOfRow] = []
    for found, us, number, text, quality, batch in zip(
        result.found.tolist(),
        micros,
        result.value.tolist(),
        result.text.tolist(),
        result.quality.tolist(),
        result.batch.tolist(),
        strict=True,
    ):
        if not found:
            rows.append(AsOfRow(False, None, None, None, None))
            continue
        value: float | str | None = str(text) if text is not None else float(number)
        time = epoch + timedelta(microseconds=us)
        rows.append(AsOfRow(True, time, value, int(quality), None if batch is None else str(batch)))
    return rows


def _as_of_chunks(
    history: HistoryStore, twins: Sequence[str], signals: Sequence[str], at: datetime
) -> list[AsOf]:
    keys = [SeriesKey(*pair) for pair in zip(twins, signals, strict=True)]
    return [
        history.as_of(keys[start : start + KEYS_PER_CALL], at)
        for start in range(0, len(keys), KEYS_PER_CALL)
    ]


def joined(chunks: Sequence[AsOf]) -> AsOf:
    """The chunks of one ``as_of`` read (``as_of_columns``) as one ``AsOf``."""
    if len(chunks) == 1:
        return chunks[0]
    columns = {f.name: np.concatenate([getattr(c, f.name) for c in chunks]) for f in fields(AsOf)}
    return AsOf(**columns)


class HistoryLoaders:
    """The history DataLoaders of one request; ``ranges`` shares ``range`` calls with the
    server's other requests (``None``: one store call per window of this request)."""

    def __init__(self, history: HistoryStore, ranges: RangeBatcher | None = None) -> None:
        self.history = history
        self._ranges = ranges
        self._kept = cast("KeepsRanges", history) if _keeps_ranges(type(history)) else None

    # made when first used, forgotten by ``release`` (see ``Loaders.release``)
    @functools.cached_property
    def as_of(self) -> DataLoader[AsOfKey, AsOfRow]:
        return DataLoader(self._as_of)

    @functools.cached_property
    def range(self) -> DataLoader[RangeKey, Series]:
        return DataLoader(self._range)

    def release(self) -> None:
        """Forget the request's DataLoaders (its answer is sent)."""
        self.__dict__.pop("as_of", None)
        self.__dict__.pop("range", None)

    async def as_of_columns(
        self, twins: Sequence[str], signals: Sequence[str], at: datetime
    ) -> list[AsOf]:
        """``HistoryStore.as_of`` of the series ``(twins[i], signals[i])`` at one time as the
        store's columns (one call per ``KEYS_PER_CALL`` series, shared with concurrent reads
        of ``at`` when the server shares history reads, else all in one worker-thread hop):
        a whole list's rows without a loader key or a row object each."""
        if not twins:
            return []
        if self._ranges is None:
            return await in_thread(_as_of_chunks, self.history, twins, signals, at)
        return [
            await self._ranges.as_of_series(
                twins[start : start + KEYS_PER_CALL], signals[start : start + KEYS_PER_CALL], at
            )
            for start in range(0, len(twins), KEYS_PER_CALL)
        ]

    async def _as_of(self, keys: Sequence[AsOfKey]) -> list[AsOfRow]:
        by_time: dict[datetime, list[int]] = defaultdict(list)
        for i, key in enumerate(keys):
            by_time[key.at].append(i)
        out: list[AsOfRow | None] = [None] * len(keys)
        for at, positions in by_time.items():
            twins = [keys[i].twin for i in positions]
            signals = [keys[i].signal for i in positions]
            rows = [r for got in await self.as_of_columns(twins, signals, at) for r in _rows(got)]
            for i, row in zip(positions, rows, strict=True):
                out[i] = row
        return [row for row in out if row is not None]

    async def _range(self, keys: Sequence[RangeKey]) -> list[Series]:
        groups: dict[tuple[datetime, datetime, timedelta, tuple[Agg, ...]], list[int]] = (
            defaultdict(list)
        )
        for i, key in enumerate(keys):
            groups[(key.start, key.end, key.interval, key.aggregates)].append(i)
        out: list[Series | None] = [None] * len(keys)
        for (start, end, interval, aggs), positions in groups.items():
            series = [SeriesKey(keys[i].twin, keys[i].signal) for i in positions]
            for first in range(0, len(series), KEYS_PER_CALL):
                chunk = positions[first : first + KEYS_PER_CALL]
                got = await self._read(
                    series[first : first + KEYS_PER_CALL], (start, end, interval, aggs)
                )
                for i, one in zip(chunk, got, strict=True):
                    out[i] = one
        return [s for s in out if s is not None]

    async def _read(self, keys: Sequence[SeriesKey], window: Window) -> Sequence[Series]:
        if self._kept is not None:  # kept, told at once: no thread, no round
            kept = self._kept.kept_range(keys, window)
            if kept is not None:
                return kept
        if self._ranges is not None:
            return await self._ranges.range(keys, window)
        start, end, interval, aggs = window
        return await in_thread(self.history.range, keys, start, end, interval, list(aggs))
