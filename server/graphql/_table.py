"""``signalsAt``: many twins' signals at one time as columns (one object, not one per twin).

For dashboards and handover reports over hundreds or thousands of twins: the
answer is a list of twin ids and, per signal, arrays aligned on it, so the
cost does not grow with GraphQL's per-object work.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

import numpy as np
import strawberry
from strawberry.scalars import JSON

from ontology.history import AsOf, Quality
from server.graphql._context import Context
from server.graphql._errors import LimitError
from server.graphql._history import MAX_SIGNALS, history_of, utc
from server.graphql._history_loaders import joined
from server.graphql._signal import quality_name
from server.graphql._typing import as_json

MAX_TWINS = 10_000


@strawberry.type(description="One signal of many twins at one time, aligned on SignalTable.twins.")
class SignalColumn:
    name: str
    values: JSON = strawberry.field(description="Numbers or text; null where a twin had none.")
    times: JSON = strawberry.field(
        description="When each value was sampled, ms since the Unix epoch; null where none."
    )
    quality: JSON = strawberry.field(description="GOOD, UNCERTAIN, BAD or STALE; null where none.")


@strawberry.type(description="Signals of many twins at one time, as columns.")
class SignalTable:
    at: datetime
    twins: list[strawberry.ID] = strawberry.field(
        description="The twins asked for that exist and may be read, in the order asked."
    )
    signals: list[SignalColumn]


async def signal_table(
    ctx: Context, twin_ids: list[str], names: list[str], at: datetime
) -> SignalTable:
    history = history_of(ctx)
    if len(twin_ids) > MAX_TWINS:
        msg = f"twins: {len(twin_ids)} ids; at most {MAX_TWINS} per call"
        raise LimitError(msg)
    if not names or len(names) > MAX_SIGNALS:
        msg = f"names: {len(names)} signals; expected 1 to {MAX_SIGNALS}"
        raise LimitError(msg)
    when = utc("at", at)
    twins = await ctx.loaders.existing(list(dict.fromkeys(twin_ids)))
    series = [t for _ in names for t in twins], [n for n in names for _ in twins]
    result = joined(await history.as_of_columns(*series, when)) if twins else None
    columns: list[SignalColumn] = []
    for i, name in enumerate(names):
        part = slice(i * len(twins), (i + 1) * len(twins))
        values, times, quality = _columns(result, part) if result is not None else ([], [], [])
        columns.append(
            SignalColumn(
                name=name, values=as_json(values), times=as_json(times), quality=as_json(quality)
            )
        )
    # strawberry.ID is a NewType: the ids as they are (a call per id made each again)
    return SignalTable(at=when, twins=cast("list[strawberry.ID]", twins), signals=columns)


_QUALITY_NAMES = np.array([None, *(q.name for q in Quality)], dtype=object)
"""A quality code's name at index ``code + 1`` (index 0: a code that names none)."""


def _columns(result: AsOf, part: slice) -> tuple[list[Any], list[Any], list[Any]]:
    """The values (text where the sample is text), times (ms since the epoch) and quality
    names of ``result``'s rows ``part``, ``None`` where a row found nothing: each column
    made whole by numpy, then the rows with text or with nothing patched (none, usually)."""
    hit = result.found[part]
    values: list[Any] = result.value[part].tolist()
    texts = result.text[part].tolist()
    if texts.count(None) != len(texts):  # some samples are text
        for i, text in enumerate(texts):
            if text is not None:
                values[i] = str(text)
    times: list[Any] = result.time[part].astype("datetime64[ms]").astype(np.int64).tolist()
    codes = result.quality[part].astype(np.intp)
    known = (codes >= 0) & (codes < len(_QUALITY_NAMES) - 1)
    if not known[hit].all():  # never: a stored code names a quality (else its error)
        for code in codes[hit & ~known].tolist():
            quality_name(code)
    quality: list[Any] = _QUALITY_NAMES[np.where(known, codes + 1, 0)].tolist()
    if not hit.all():
        for i in np.flatnonzero(~hit).tolist():
            values[i] = times[i] = quality[i] = None
    return values, times, quality
