"""``signalsAt``: many twins' signals at one time as columns (one object, not one per twin).

For dashboards and handover reports over hundreds or thousands of twins: the
answer is a list of twin ids and, per signal, arrays aligned on it, so the
cost does not grow with GraphQL's per-object work.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import strawberry
from strawberry.scalars import JSON

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
        values: list[float | str | None] = []
        times: list[int | None] = []
        quality: list[str | None] = []
        if result is not None:
            ms = result.time[part].astype("datetime64[ms]").astype(np.int64).tolist()
            for hit, value, text, when_ms, code in zip(
                result.found[part].tolist(),
                result.value[part].tolist(),
                result.text[part].tolist(),
                ms,
                result.quality[part].tolist(),
                strict=True,
            ):
                values.append((str(text) if text is not None else value) if hit else None)
                times.append(when_ms if hit else None)
                quality.append(quality_name(code) if hit else None)
        columns.append(
            SignalColumn(
                name=name, values=as_json(values), times=as_json(times), quality=as_json(quality)
            )
        )
    return SignalTable(at=when, twins=[strawberry.ID(t) for t in twins], signals=columns)
