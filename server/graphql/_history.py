"""History on ``Twin``: state at a time, bucketed series as arrays, events, lineage.

Every field here reads the history store through the request's history
loaders; a server started without one answers with a clear error.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import strawberry
from graphql import GraphQLFieldResolver, GraphQLResolveInfo, GraphQLSchema
from strawberry.scalars import JSON

import ontology
from ontology.history import Agg, Batch, HistoryStore, Series
from server.graphql._context import Context
from server.graphql._direct_resolvers import replace_resolver
from server.graphql._errors import GraphQLInputError, LimitError
from server.graphql._history_loaders import AsOfKey, HistoryLoaders, RangeKey
from server.graphql._series_json import series_lists
from server.graphql._signal import quality_name
from server.graphql._signal_names import check_signal_names
from server.graphql._threads import in_thread
from server.graphql._typing import as_json

MAX_SIGNALS = 100
MAX_EVENTS_PAGE = 1000
MIN_INTERVAL_S = 1


strawberry.enum(Agg, name="HistoryAggregate", description="A history bucket aggregate.")


@strawberry.type(
    description="One bucketed series as arrays: bucket starts and one array per aggregate."
)
class HistorySeries:
    signal: str
    timestamps: JSON = strawberry.field(
        description="Bucket starts in milliseconds since the Unix epoch (UTC), ascending; "
        "only buckets holding samples."
    )
    values: JSON = strawberry.field(
        description="Per aggregate (its lower-case name), an array aligned on timestamps: "
        "numbers, or null where a number series has none; text for a text series."
    )


@strawberry.type(description="A business state transition of a twin.")
class TwinEvent:
    twin: strawberry.ID
    time: datetime
    kind: str
    code: str
    message: str
    data: JSON
    batch: str | None


@strawberry.type(description="A page of events in time order.")
class EventPage:
    items: list[TwinEvent]
    next_cursor: str | None = strawberry.field(description="Pass as after for the next page.")


@strawberry.type(description="Where a batch's records came from in their source.")
class SourcePositionType:
    kind: str
    topic: str | None
    partition: int | None
    first_offset: int | None
    last_offset: int | None
    topics: list[str]
    path: str | None


@strawberry.type(description="Where a value came from: the batch that wrote it and its sources.")
class Lineage:
    signal: str
    value: JSON | None
    time: datetime | None
    quality: str | None
    batch: str | None
    received_at: datetime | None
    pipeline_version: str | None
    model_versions: list[str]
    principal: str | None
    count_in: int | None
    accepted: int | None
    rejected: JSON | None
    sources: list[SourcePositionType]


def history_of(ctx: Context) -> HistoryLoaders:
    """The request's history loaders; a clear error when the server has no history store."""
    if ctx.history_loaders is None:
        msg = "history: this server was started without a history store"
        raise GraphQLInputError(msg)
    return ctx.history_loaders


def utc(name: str, value: datetime) -> datetime:
    if value.tzinfo is None:
        msg = f"{name}: {value.isoformat()} has no time zone; expected e.g. 2026-06-01T12:00:00Z"
        raise GraphQLInputError(msg)
    return value.astimezone(UTC)


def series_type(series: Series, aggregates: list[Agg]) -> HistorySeries:
    timestamps, values = series_lists(series, aggregates)
    return HistorySeries(
        signal=series.key.signal, timestamps=as_json(timestamps), values=as_json(values)
    )


async def history_series(
    ctx: Context,
    twin_id: str,
    record: ontology.Twin | None,
    signals: list[str],
    start: datetime,
    end: datetime,
    interval_s: int,
    aggregates: list[Agg] | None,
) -> list[HistorySeries]:
    loaders = history_of(ctx)
    if not signals or len(signals) > MAX_SIGNALS:
        msg = f"signals: {len(signals)} names; expected 1 to {MAX_SIGNALS}"
        raise LimitError(msg)
    if interval_s < MIN_INTERVAL_S:
        msg = f"interval: {interval_s} seconds; expected at least {MIN_INTERVAL_S}"
        raise GraphQLInputError(msg)
    start, end = utc("from", start), utc("to", end)
    if end <= start:
        msg = f"to: {end.isoformat()} is not after from {start.isoformat()}"
        raise GraphQLInputError(msg)
    aggs = tuple(aggregates or [Agg.MEAN])
    keys = [RangeKey(twin_id, s, start, end, timedelta(seconds=interval_s), aggs) for s in signals]
    got = await loaders.range.load_many(keys)
    empty = [s.key.signal for s in got if not len(s.start)]
    await check_signal_names(ctx, twin_id, record, empty, "history(signals:)")
    return [series_type(s, list(aggs)) for s in got]


def resolve_history_directly(schema: GraphQLSchema) -> None:
    """``Twin.history`` resolved by graphql-core without strawberry's resolver wrapper when
    no ``aggregates`` are asked for (the mean), as ``Query.twin(id:)`` is
    (``resolve_twin_directly``): the wrapper converts each argument with strawberry's
    types and builds an ``Info`` per call, which graphql-core's coerced arguments (a list
    of names, two ``DateTime`` values, an ``Int``) do not need. The answers and errors
    are the same; with ``aggregates`` (enum values strawberry converts) it goes through
    the wrapper as before."""

    def direct(wrapped: GraphQLFieldResolver) -> GraphQLFieldResolver:
        def resolve(root: Any, info: GraphQLResolveInfo[Any], **args: Any) -> object:
            if args.get("aggregates") is not None:
                return wrapped(root, info, **args)
            signals, start, end = args["signals"], args["from"], args["to"]
            return history_series(
                info.context, root.id, root.record, signals, start, end, args["interval"], None
            )

        return resolve

    replace_resolver(schema.type_map.get("Twin"), "history", direct)


async def _events_page(
    ctx: Context,
    twins: list[str],
    start: datetime,
    end: datetime,
    kinds: list[str] | None,
    first: int,
    after: str | None,
) -> EventPage:
    history = history_of(ctx).history
    if not 0 < first <= MAX_EVENTS_PAGE:
        msg = f"first: {first}; expected 1 to {MAX_EVENTS_PAGE}"
        raise LimitError(msg)
    page = await in_thread(history.events, twins, start, end, kinds=kinds, first=first, after=after)
    return EventPage(items=[event_type(e) for e in page.items], next_cursor=page.next_cursor)


async def events_of(
    ctx: Context,
    twin_id: str,
    start: datetime,
    end: datetime,
    kinds: list[str] | None,
    first: int,
    after: str | None,
) -> EventPage:
    window = (utc("from", start), utc("to", end))
    return await _events_page(ctx, [twin_id], *window, kinds, first, after)


def event_type(event: ontology.history.Event) -> TwinEvent:
    return TwinEvent(
        twin=strawberry.ID(event.twin),
        time=event.time,
        kind=event.kind,
        code=event.code,
        message=event.message,
        data=as_json(dict(event.data)),
        batch=event.batch,
    )


def _batch(history: HistoryStore, batch_id: str) -> Batch | None:
    try:
        return history.get_batch(batch_id)
    except ontology.NotFoundError:
        return None


async def lineage_of(
    ctx: Context, twin_id: str, record: ontology.Twin | None, signal: str, at: datetime | None
) -> Lineage | None:
    loaders = history_of(ctx)
    if at is None:
        live = (await ctx.loaders.signals.load(twin_id)).get(signal)
        if live is None:
            await check_signal_names(ctx, twin_id, record, [signal], "lineage(signal:)")
            return None
        value: JSON | None = as_json(live.value)
        time: datetime | None = live.time
        quality, batch_id = None, live.batch
    else:
        row = await loaders.as_of.load(AsOfKey(twin_id, signal, utc("at", at)))
        if not row.found:
            await check_signal_names(ctx, twin_id, record, [signal], "lineage(signal:)")
            return None
        value, time, quality, batch_id = as_json(row.value), row.time, row.quality, row.batch
    batch = await in_thread(_batch, loaders.history, batch_id) if batch_id else None
    return Lineage(
        signal=signal,
        value=value,
        time=time,
        quality=quality_name(quality),
        batch=batch_id,
        received_at=batch.received_at if batch else None,
        pipeline_version=batch.pipeline_version if batch else None,
        model_versions=list(batch.model_versions) if batch else [],
        principal=batch.principal if batch else None,
        count_in=batch.count_in if batch else None,
        accepted=batch.accepted if batch else None,
        rejected=as_json(dict(batch.rejected)) if batch else None,
        sources=[
            SourcePositionType(
                kind=s.kind.value,
                topic=s.topic,
                partition=s.partition,
                first_offset=s.first_offset,
                last_offset=s.last_offset,
                topics=list(s.topics),
                path=s.path,
            )
            for s in (batch.sources if batch else ())
        ],
    )
