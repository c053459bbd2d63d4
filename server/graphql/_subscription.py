"""The root ``Subscription``: signal changes and events under a subtree, from the change feed.

Both are resumable: every message carries the change feed's ``cursor``; a
client that reconnects with the last cursor it saw as ``after`` (or, over SSE,
in a ``Last-Event-ID`` header) gets everything after it that the feed still
holds. ``minInterval`` coalesces signal changes (the latest value per twin
and signal) into at most one message per interval. The subtree and what the
principal may read are fixed when the subscription starts.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator
from datetime import datetime

import strawberry

from ontology.changefeed import ChangeFeed, ChangeSet, CursorExpiredError, SignalChange
from server.graphql import _scan as scan
from server.graphql._context import Context
from server.graphql._errors import GraphQLInputError
from server.graphql._history import TwinEvent, event_type
from server.graphql._signal import quality_name
from server.graphql._threads import in_thread
from server.graphql._typing import as_json, subscription

Info = strawberry.Info[Context, None]
MAX_INTERVAL_S = 3600.0


@strawberry.type(description="A live value change.")
class SignalUpdateItem:
    twin: strawberry.ID
    signal: str
    value: strawberry.scalars.JSON | None
    time: datetime
    quality: str | None
    batch: str | None


@strawberry.type(description="Signal changes; pass cursor as after to resume after it.")
class SignalChanges:
    cursor: str
    changes: list[SignalUpdateItem]


@strawberry.type(description="Events; pass cursor as after to resume after it.")
class EventChanges:
    cursor: str
    events: list[TwinEvent]


def _feed(ctx: Context) -> ChangeFeed:
    if ctx.changes is None:
        msg = "subscriptions: this server was started without a change feed"
        raise GraphQLInputError(msg)
    return ctx.changes


def _resume_from(ctx: Context, after: str | None) -> str | None:
    if after is not None:
        return after
    headers = getattr(ctx.request, "headers", None)
    return headers.get("last-event-id") if headers is not None else None


async def _subtree(ctx: Context, under: str) -> frozenset[str]:
    below = await in_thread(scan.descendants, ctx.store, under, cap=ctx.limits.max_scan)
    visible = await ctx.loaders.only_visible([under, *below])
    return frozenset(visible) if visible and visible[0] == under else frozenset()


async def _subscribe(feed: ChangeFeed, after: str | None) -> AsyncIterator[ChangeSet]:
    try:
        async for change_set in feed.subscribe(after):
            yield change_set
    except CursorExpiredError as error:
        raise GraphQLInputError(str(error)) from error


async def _grouped(
    source: AsyncIterator[ChangeSet], interval: float
) -> AsyncIterator[list[ChangeSet]]:
    """Change sets in groups, one group per ``interval`` seconds at most (0: each alone)."""
    if interval <= 0:
        async for change_set in source:
            yield [change_set]
        return
    queue: asyncio.Queue[ChangeSet | BaseException] = asyncio.Queue()

    async def pump() -> None:
        try:
            async for change_set in source:
                await queue.put(change_set)
        except Exception as error:  # handed to the reader, raised there
            await queue.put(error)

    loop = asyncio.get_running_loop()
    task = asyncio.create_task(pump())
    last = loop.time() - interval
    try:
        while True:
            group = [await queue.get()]
            deadline = last + interval
            while (wait := deadline - loop.time()) > 0:
                try:
                    group.append(await asyncio.wait_for(queue.get(), wait))
                except TimeoutError:
                    break
            while not queue.empty():
                group.append(queue.get_nowait())
            for item in group:
                if isinstance(item, BaseException):
                    raise item
            yield [item for item in group if isinstance(item, ChangeSet)]
            last = loop.time()
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _item(change: SignalChange) -> SignalUpdateItem:
    return SignalUpdateItem(
        twin=strawberry.ID(change.twin),
        signal=change.signal,
        value=as_json(change.value),
        time=change.time,
        quality=quality_name(change.quality),
        batch=change.batch,
    )


@strawberry.type
class Subscription:
    @subscription("Live value changes of twins under a twin (itself included).")
    async def signal_changes(
        self,
        info: Info,
        under: strawberry.ID,
        signals: list[str] | None = None,
        min_interval: float = 0.0,
        after: str | None = None,
    ) -> AsyncGenerator[SignalChanges, None]:
        ctx = info.context
        feed = _feed(ctx)
        if not 0 <= min_interval <= MAX_INTERVAL_S:
            msg = f"minInterval: {min_interval} seconds; expected 0 to {MAX_INTERVAL_S}"
            raise GraphQLInputError(msg)
        twins = await _subtree(ctx, str(under))
        wanted = frozenset(signals) if signals is not None else None
        source = _subscribe(feed, _resume_from(ctx, after))
        async for group in _grouped(source, min_interval):
            latest: dict[tuple[str, str], SignalChange] = {}
            for change_set in group:
                for change in change_set.signals:
                    if change.twin in twins and (wanted is None or change.signal in wanted):
                        latest[(change.twin, change.signal)] = change
            if latest:
                items = [_item(c) for c in latest.values()]
                yield SignalChanges(cursor=group[-1].cursor, changes=items)

    @subscription("Events of twins under a twin (itself included); all kinds unless named.")
    async def events(
        self,
        info: Info,
        under: strawberry.ID,
        kinds: list[str] | None = None,
        after: str | None = None,
    ) -> AsyncGenerator[EventChanges, None]:
        ctx = info.context
        feed = _feed(ctx)
        twins = await _subtree(ctx, str(under))
        chosen = frozenset(kinds) if kinds else None
        async for change_set in _subscribe(feed, _resume_from(ctx, after)):
            events = [
                event_type(e)
                for e in change_set.events
                if e.twin in twins and (chosen is None or e.kind in chosen)
            ]
            if events:
                yield EventChanges(cursor=change_set.cursor, events=events)
