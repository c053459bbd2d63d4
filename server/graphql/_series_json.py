"""A history series as the JSON arrays of ``HistorySeries``, kept for the series it came from.

A history store with a read cache (QuestDB's) answers concurrent and repeated
reads of one window with the same ``Series`` object; converting its 1,440 bucket
starts and values to lists for each request cost, profiled on the 24 h history
query, about as much CPU as the rest of its field. The lists are kept by the
series' identity (the series held with them, so the id stays its own) for the
last ``KEPT_SERIES`` series and at most ``KEPT_VALUES`` values in all; they are
only read, never changed; each carries its JSON, written once (``_encoded``), which the
server's responses copy.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from ontology.history import Agg, Series
from server.graphql._encoded import EncodedList

__all__ = ["series_lists"]

KEPT_SERIES = 64
"""The most series whose lists are kept (the least recently used one is dropped)."""
KEPT_VALUES = 200_000
"""The most numbers, bucket starts included, kept in all (a larger series is not kept)."""

Lists = tuple[list[int], dict[str, list[float | str | None]]]
"""Bucket starts in ms since the epoch, and one column per aggregate (its lower-case name)."""

_kept: OrderedDict[tuple[int, tuple[Agg, ...]], tuple[Series, Lists, int]] = OrderedDict()
_size = [0]
"""The numbers ``_kept`` holds."""


def _ms(series: Series) -> list[int]:
    ms: list[int] = series.start.astype("datetime64[ms]").astype(np.int64).tolist()
    return ms


def _column(series: Series, agg: Agg) -> list[float | str | None]:
    if agg in series.text:
        return [None if t is None else str(t) for t in series.text[agg]]
    values = series.values.get(agg)
    if values is None:
        return [None] * len(series.start)
    numbers = values.astype(np.float64, copy=False)
    column: list[float | str | None] = numbers.tolist()
    for gap in np.flatnonzero(np.isnan(numbers)).tolist():  # NaN: no value in the bucket
        column[gap] = None
    return column


def series_lists(series: Series, aggregates: Sequence[Agg]) -> Lists:
    """``series``' bucket starts and its ``aggregates``' columns as lists (NaN as ``None``),
    the same lists for the same series object while they are kept: read them only."""
    key = (id(series), tuple(aggregates))
    held = _kept.get(key)
    if held is not None and held[0] is series:
        _kept.move_to_end(key)
        return held[1]
    lists: Lists = (
        EncodedList(_ms(series)),
        {agg.value: EncodedList(_column(series, agg)) for agg in aggregates},
    )
    size = len(lists[0]) * (1 + len(aggregates))
    if size <= KEPT_VALUES:
        old = _kept.pop(key, None)
        if old is not None:
            _size[0] -= old[2]
        _kept[key] = (series, lists, size)
        _size[0] += size
        while len(_kept) > KEPT_SERIES or _size[0] > KEPT_VALUES:
            _size[0] -= _kept.popitem(last=False)[1][2]
    return lists
