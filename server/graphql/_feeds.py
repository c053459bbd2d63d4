"""``Twin.rejectCounts``: a feed twin's refused samples by reason (the history store's rejects).

A feed twin (``feed/<name>``, written by the ingest worker) carries its feed's name in
its ``feed`` property; rejects are recorded under that name. Another twin has none.
"""

from __future__ import annotations

from datetime import datetime

import strawberry

import ontology
from server.graphql._context import Context
from server.graphql._errors import GraphQLInputError
from server.graphql._history import history_of, utc
from server.graphql._threads import in_thread

FEED_PROPERTY = "feed"
MAX_FEED_CHARS = 1024


@strawberry.type(description="How many samples a feed refused for one reason.")
class RejectCount:
    reason: str
    count: int


async def reject_counts(
    ctx: Context, twin: ontology.Twin, start: datetime, end: datetime
) -> list[RejectCount]:
    """Rejects of the twin's feed in ``[start, end)`` by reason, most first; ``[]`` for a
    twin without a ``feed`` property."""
    history = history_of(ctx).history
    window = (utc("from", start), utc("to", end))
    if window[1] <= window[0]:
        msg = f"to: {window[1].isoformat()} is not after from {window[0].isoformat()}"
        raise GraphQLInputError(msg)
    feed = twin.properties.get(FEED_PROPERTY)
    if not isinstance(feed, str) or not 0 < len(feed) <= MAX_FEED_CHARS:
        return []
    counts = await in_thread(history.reject_counts, *window, feed=feed)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [RejectCount(reason=reason, count=count) for reason, count in ranked]
