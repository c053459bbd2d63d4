"""``Twin``: an asset with its model, properties, signals, hierarchy, relationships, rollups."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from enum import Enum
from typing import Annotated, cast

import strawberry
from strawberry.scalars import JSON

import ontology
from ontology.history import Agg
from server.graphql import _scan as scan
from server.graphql._connection import TwinConnection, connection
from server.graphql._context import Context
from server.graphql._errors import GraphQLInputError
from server.graphql._feeds import RejectCount, reject_counts
from server.graphql._history import (
    EventPage,
    HistorySeries,
    Lineage,
    events_of,
    history_of,
    history_series,
    lineage_of,
    utc,
)
from server.graphql._lifecycle import allowed_transitions
from server.graphql._lookahead import (
    child_page,
    children_levels,
    counts_only,
    needs_record,
    reads_live_signals,
)
from server.graphql._model import ModelType, model_by_dtmi
from server.graphql._pages import counted, decode_cursor, page_size, slice_page
from server.graphql._rollups import RollupValue, rollups_of
from server.graphql._signal import Rollup, Signal
from server.graphql._signals_at import TwinAtKey
from server.graphql._threads import read_store
from server.graphql._typing import as_json, field

strawberry.enum(ontology.Lifecycle, name="Lifecycle")  # registers it in place
Info = strawberry.Info[Context, None]


@strawberry.enum(description="Which way a relationship points from this twin.")
class Direction(Enum):
    OUTGOING = "outgoing"
    INCOMING = "incoming"


@strawberry.type(name="Alias", description="Another system's name for a twin.")
class AliasType:
    namespace: str
    value: str


@strawberry.input(description="Another system's name for a twin, to look it up by.")
class AliasInput:
    namespace: str
    value: str


@strawberry.type(description="A relationship instance: source -[name]-> target.")
class Relationship:
    name: str
    properties: JSON
    edge: strawberry.Private[ontology.Edge]

    @strawberry.field
    async def source(self, info: Info) -> TwinType | None:
        return await twin_by_id(info.context, self.edge.source)

    @strawberry.field
    async def target(self, info: Info) -> TwinType | None:
        return await twin_by_id(info.context, self.edge.target)


def _rollup(value: RollupValue) -> Rollup:
    spec = value.spec
    return Rollup(
        name=spec.name,
        signal=spec.signal,
        aggregate=spec.aggregate.value,
        scope=spec.scope,
        value=value.value,
        time=value.time,
        batch=value.batch,
        recomputed=value.recomputed,
    )


@strawberry.federation.type(name="Twin", keys=["id"], description="One asset as it is now.")
class TwinType:
    id: strawberry.ID
    record: strawberry.Private[ontology.Twin | None]
    """``None`` when the selection needs only the id (see ``_lookahead.ID_ONLY``)."""

    @property
    def held(self) -> ontology.Twin:
        """The twin's record; only fields outside ``ID_ONLY`` read it."""
        if self.record is None:  # never: the connection reads records when one is selected
            msg = f"twin {self.id!r} was resolved without its record"
            raise RuntimeError(msg)
        return self.record

    @field("The DTMI of the twin's model.")
    def model_id(self) -> str:
        return self.held.model

    @strawberry.field
    async def model(self, info: Info) -> ModelType | None:
        return await model_by_dtmi(info.context, self.held.model)

    @strawberry.field
    def properties(self) -> JSON:
        return as_json(dict(self.held.properties))

    @strawberry.field
    def lifecycle(self) -> ontology.Lifecycle:
        return self.held.lifecycle

    @field(
        "The states setLifecycle would accept now (the store's rules); none when the "
        "principal may not change the twin."
    )
    async def allowed_transitions(self, info: Info) -> list[ontology.Lifecycle]:
        return await allowed_transitions(info.context, self.held)

    @field("Pass it back to a mutation for optimistic concurrency.")
    def etag(self) -> str:
        return self.held.etag

    @strawberry.field
    def aliases(self) -> list[AliasType]:
        return [AliasType(namespace=a.namespace, value=a.value) for a in self.held.aliases]

    @strawberry.field
    def created_at(self) -> datetime:
        return self.held.created_at

    @strawberry.field
    def updated_at(self) -> datetime:
        return self.held.updated_at

    @field("Live values (all, or those named), rollups included; with at, as they were then.")
    def signals(
        self, info: Info, names: list[str] | None = None, at: datetime | None = None
    ) -> list[Signal]:
        # A plain function: with at, a list's rows are usually fetched ahead (see
        # _connection), and the answer needs no await; otherwise it returns the
        # coroutine below, which graphql-core awaits as it would an async resolver's.
        ctx = info.context
        ready = ready_signals(ctx, self, names, at)
        if ready is not None:
            return ready
        if at is not None:
            return cast("list[Signal]", _signals_at(ctx, self, names, at))
        return cast("list[Signal]", self._live_signals(ctx, names))

    async def _live_signals(self, ctx: Context, names: list[str] | None) -> list[Signal]:
        model_set = ctx.loaders.model_set_soon()  # beside the signals read, not after it
        held = dict(await ctx.loaders.signals.load(self.id))
        if ctx.loaders.restricted:
            for spec in await ctx.loaders.rollup_specs():
                held.pop(spec.name, None)
            for rollup in await rollups_of(ctx, self.held):
                if rollup.time is not None:
                    held[rollup.spec.name] = ontology.SignalValue(rollup.value, rollup.time, None)
        units = ctx.loaders.units(await model_set, self.held.model)
        return _live_list(held, units, names)

    @field("Declared rollups that target this twin.")
    async def rollups(self, info: Info) -> list[Rollup]:
        return [_rollup(r) for r in await rollups_of(info.context, self.held)]

    @field("The twins that contain this one (a DAG: maybe several).")
    async def parents(self, info: Info) -> list[TwinType]:
        return await twins_by_id(info.context, await info.context.loaders.parents.load(self.id))

    @field("The twins this one contains, in id order.")
    def children(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> TwinConnection:
        # A plain function (as signals): children read ahead by the level above answer
        # at once; otherwise the coroutine reads them, with every nested level of
        # children selected below in the same store call (GraphStore.children_below).
        ctx = info.context
        known = ctx.loaders.known_children.get(self.id)
        if known is not None:
            return connection(slice_page(known, first, after, ctx.limits))
        levels = children_levels(info.selected_fields)
        return cast("TwinConnection", self._children(ctx, levels, first, after))

    async def _children(
        self, ctx: Context, levels: int, first: int | None, after: str | None
    ) -> TwinConnection:
        if levels > 1:
            ids = await ctx.loaders.children_tree(self.id, levels)
        else:
            ids = await ctx.loaders.children.load(self.id)
        return connection(slice_page(ids, first, after, ctx.limits))

    @field("Distinct ancestors, nearest first, then by id.")
    async def ancestors(self, info: Info, depth: int | None = None) -> list[TwinType]:
        ctx = info.context
        raw = await read_store(ctx.store, _ancestors, ctx.store, self.id, depth)
        return await twins_by_id(ctx, await ctx.loaders.only_visible(raw))

    @field("Distinct descendants in id order, optionally filtered.")
    async def descendants(
        self,
        info: Info,
        depth: int | None = None,
        model: str | None = None,
        semantic_type: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> TwinConnection:
        ctx = info.context
        below = scan.Below(max_depth=depth, model=model, semantic_type=semantic_type)
        cap = ctx.limits.max_scan
        if not ctx.loaders.restricted and counts_only(info.selected_fields):
            # every descendant is visible: the store counts them without listing them
            total = await read_store(
                ctx.store, scan.count_descendants, ctx.store, self.id, cap=cap, **below
            )
            return connection(counted(total, first, after, ctx.limits))
        raw = await read_store(ctx.store, scan.descendants, ctx.store, self.id, cap=cap, **below)
        ids = await ctx.loaders.only_visible(sorted(raw))
        return connection(slice_page(ids, first, after, ctx.limits))

    @field("Typed relationships from (or to) this twin, by name.")
    async def relationships(
        self, info: Info, name: str | None = None, direction: Direction = Direction.OUTGOING
    ) -> list[Relationship]:
        loaders = info.context.loaders
        loader = loaders.edges_out if direction is Direction.OUTGOING else loaders.edges_in
        edges = await loader.load(self.id)
        return [
            Relationship(name=e.name, properties=as_json(dict(e.properties)), edge=e)
            for e in edges
            if name is None or e.name == name
        ]

    @field("Signals bucketed over [from, to): arrays of bucket starts and aggregates.")
    async def history(
        self,
        info: Info,
        signals: list[str],
        from_: Annotated[datetime, strawberry.argument(name="from")],
        to: datetime,
        interval: int = 60,
        aggregates: list[Agg] | None = None,
    ) -> list[HistorySeries]:
        return await history_series(
            info.context, self.id, self.record, signals, from_, to, interval, aggregates
        )

    @field("Business state transitions (mode, fault, lifecycle, ...) in [from, to).")
    async def events(
        self,
        info: Info,
        from_: Annotated[datetime, strawberry.argument(name="from")],
        to: datetime,
        kinds: list[str] | None = None,
        first: int = 100,
        after: str | None = None,
    ) -> EventPage:
        return await events_of(info.context, self.id, from_, to, kinds, first, after)

    @field("Where a signal's value (now, or at a time) came from: its batch and sources.")
    async def lineage(self, info: Info, signal: str, at: datetime | None = None) -> Lineage | None:
        return await lineage_of(info.context, self.id, self.record, signal, at)

    @field("A feed twin's refused samples in [from, to) by reason, most first (history).")
    async def reject_counts(
        self,
        info: Info,
        from_: Annotated[datetime, strawberry.argument(name="from")],
        to: datetime,
    ) -> list[RejectCount]:
        return await reject_counts(info.context, self.held, from_, to)

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> TwinType | None:
        return await twin_by_id(info.context, str(id))


def _ancestors(store: ontology.GraphStore, twin_id: str, depth: int | None) -> tuple[str, ...]:
    try:
        return store.ancestors(twin_id, max_depth=depth)
    except ontology.NotFoundError:
        return ()


def _live_list(
    held: Mapping[str, ontology.SignalValue], units: Mapping[str, str], names: list[str] | None
) -> list[Signal]:
    wanted = sorted(held) if names is None else [n for n in names if n in held]
    return [
        Signal(
            name=n,
            value=as_json(held[n].value),
            unit=units.get(n),
            time=held[n].time,
            quality=None,
            batch=held[n].batch,
        )
        for n in wanted
    ]


def ready_signals(
    ctx: Context, twin: TwinType, names: list[str] | None, at: datetime | None
) -> list[Signal] | None:
    """``signals(names, at)`` of ``twin`` from what was read ahead for its list (``None``
    when nothing was: the field then reads it)."""
    if at is not None:
        return _ready_at(ctx, twin, names, at)
    if twin.record is None:
        return None
    loaders = ctx.loaders
    known = loaders.known_signals.get(twin.id)  # never read ahead when restricted
    if known is None or loaders.known_model_set is None:
        return None
    return _live_list(known, loaders.units(loaders.known_model_set, twin.record.model), names)


def _ready_at(
    ctx: Context, twin: TwinType, names: list[str] | None, at: datetime
) -> list[Signal] | None:
    """The rows fetched ahead for this twin, if they were (``None`` otherwise)."""
    if ctx.signals_at is None or at.tzinfo is None:
        return None
    wanted = tuple(names) if names is not None else None
    ready = ctx.signals_at.ready(wanted, at.astimezone(UTC), with_units=twin.record is not None)
    got = ready.get(twin.id) if ready is not None else None
    return got[0].signals(got[1]) if got is not None else None


async def _signals_at(
    ctx: Context, twin: TwinType, names: list[str] | None, at: datetime
) -> list[Signal]:
    history_of(ctx)  # a clear error when the server has no history store
    loader = ctx.signals_at
    if loader is None:  # never: it exists whenever the history store does
        return []
    when = utc("at", at)
    # A twin without its record has a selection that names its signals and asks for
    # no unit (_lookahead.needs_record): its model is not needed. Without names it is.
    model = twin.held.model if names is None else twin.record.model if twin.record else None
    key = TwinAtKey(twin.id, model, tuple(names) if names is not None else None, when)
    return await loader.rows.load(key)


def _twin(twin_id: str, record: ontology.Twin | None) -> TwinType:
    """``TwinType(id=..., record=...)`` without the dataclass ``__init__`` call, which cost
    three times as much (1.8 against 0.5 microseconds here): a page of a tree of 1,111
    twins makes one per twin. ``strawberry.ID`` is a ``NewType``: the text itself."""
    twin: TwinType = _new(TwinType)
    twin.id = cast("strawberry.ID", twin_id)
    twin.record = record
    return twin


_new = object.__new__


def twin_type(held: ontology.Twin) -> TwinType:
    return _twin(held.id, held)


def twin_ref(twin_id: str) -> TwinType:
    """A twin known to exist and to be visible, for a selection that needs only ids."""
    return _twin(twin_id, None)


async def twin_by_id(ctx: Context, twin_id: str) -> TwinType | None:
    """The twin if it exists and the principal may read it; ``None`` otherwise (no hint which)."""
    held = await ctx.loaders.twin.load(twin_id)
    return twin_type(held) if held is not None else None


def twin_now(
    ctx: Context, twin_id: str, selection: Sequence[object]
) -> tuple[TwinType | None] | None:
    """:func:`twin_ahead`'s answer, in a 1-tuple, when it is read without an await: a
    selection that reads live signals or rollups, on a store read inline, under a policy
    that hides nothing; ``None`` when :func:`twin_ahead` must read it."""
    if children_levels(selection) != 0 and not needs_record(selection):
        return None
    if not reads_live_signals(selection):
        return None
    found = ctx.loaders.twins_with_signals_now([twin_id])
    if found is None:
        return None
    return (twin_type(found[0]) if found[0] is not None else None,)


async def twin_ahead(ctx: Context, twin_id: str, selection: Sequence[object]) -> TwinType | None:
    """``twin_by_id`` for a twin whose ``selection`` is read ahead: when it needs only
    the id and its children, the children read (``children_below``, every nested level
    at once) also tells whether the twin exists, so its record is never read; when it
    needs only the id (``history``, ``events`` ...), whether it exists is asked
    (``twins_exist``, shared with concurrent requests' on Neo4j), not its record; when it
    reads live signals or rollups and the policy hides nothing, the record and the live
    signals come in one store call (``twins_with_signals``)."""
    if not ctx.loaders.restricted:
        asked = child_page(selection)
        page = _page_of(ctx, asked) if asked is not None else None
        if page is not None:  # the twin, its children and a page of their signals: one call
            found = await ctx.loaders.child_page(twin_id, *page)
            return twin_type(found) if found is not None else None
    levels = children_levels(selection)
    if levels == 0 and not needs_record(selection):
        # only its id is asked (history, events, ...): whether it exists, not its record
        return twin_ref(twin_id) if await ctx.loaders.exists_one(twin_id) else None
    if levels == 0 or needs_record(selection):
        if reads_live_signals(selection) and not ctx.loaders.restricted:
            # its record and live signals in one store call (nothing to hide)
            (found,) = await ctx.loaders.twins_with_signals([twin_id])
            return twin_type(found) if found is not None else None
        return await twin_by_id(ctx, twin_id)
    if not await ctx.loaders.only_visible([twin_id]):
        return None  # hidden: as if it did not exist
    await ctx.loaders.children_tree(twin_id, levels)
    # children_below lists every twin of the levels it read, the first level's own
    # ones included: the twin is there exactly when it exists.
    return twin_ref(twin_id) if twin_id in ctx.loaders.known_children else None


def _page_of(ctx: Context, arguments: dict[str, object]) -> tuple[int, str | None] | None:
    """``children(first, after)``'s page as ``slice_page`` will cut it: its size and the
    id it starts after; ``None`` when the arguments are wrong (the field reports it) or
    ask for no twin."""
    first, after = arguments.get("first"), arguments.get("after")
    if type(first) is str and first.isdigit():  # a literal comes as its text; a variable typed
        first = int(first)
    if (first is not None and type(first) is not int) or (
        after is not None and type(after) is not str
    ):
        return None
    try:
        size = page_size(first, ctx.limits)
        start = decode_cursor(after) if after is not None else None
    except GraphQLInputError:  # LimitError too
        return None
    return (size, start) if size >= 1 else None


async def twins_by_id(ctx: Context, twin_ids: Sequence[str]) -> list[TwinType]:
    """The twins that exist and may be read, order kept (gone or hidden ones left out)."""
    found = await ctx.loaders.twins_many(twin_ids)
    return [twin_type(t) for t in found if t is not None]
