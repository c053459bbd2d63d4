"""A signal name a twin does not have: a ``BAD_USER_INPUT`` error naming the twin, the name,
the nearest name it has and the names it has, not an empty answer without a hint.

Asked only once a field came back empty (``history``: no series; ``lineage``: none), so a
request for signals a twin has costs nothing more. A name the twin's model declares
(Telemetry or Property), a value the twin holds (a pipeline's derived signals included) or a
declared rollup is a name the twin has: such a name with no data yet stays an empty answer.
The twin itself was already found readable (``Authorizer``); the names listed are only its
own model's and its own values'."""

from __future__ import annotations

from collections.abc import Sequence
from difflib import get_close_matches

import ontology
from server.graphql._context import Context
from server.graphql._errors import GraphQLInputError
from server.graphql._units import signal_names

MAX_LISTED = 40
"""Names an error lists at most (the nearest is told first anyway)."""


async def check_signal_names(
    ctx: Context,
    twin_id: str,
    record: ontology.Twin | None,
    names: Sequence[str],
    argument: str,
) -> None:
    """Raise ``GraphQLInputError`` for the first of ``names`` (already found without data)
    that twin ``twin_id`` does not have (``record``: its record, if the request read it)."""
    if not names:
        return
    if record is None:
        record = await ctx.loaders.twin.load(twin_id)
        if record is None:  # gone meanwhile: nothing to tell of it
            return
    model = record.model
    model_set = ctx.loaders.model_set_soon()
    held = await ctx.loaders.signals.load(twin_id)
    declared = signal_names(await model_set, model)
    rollups = [spec.name for spec in await ctx.loaders.rollup_specs()]
    known = sorted({*declared, *held, *rollups})
    for name in names:
        if name in known:
            continue
        near = get_close_matches(name, known, n=1)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        listed = ", ".join(known[:MAX_LISTED]) + (" ..." if len(known) > MAX_LISTED else "")
        has = f" It has: {listed}." if known else " It has no signals."
        msg = f"{argument}: twin {twin_id!r} (model {model}) has no signal {name!r}{hint}{has}"
        raise GraphQLInputError(msg)
