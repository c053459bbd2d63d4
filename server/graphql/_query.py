"""The root ``Query``: twins by id or alias, filtered twin listings, models, the service."""

from __future__ import annotations

from datetime import datetime
from itertools import islice
from operator import lt
from typing import Any, cast

import strawberry
from graphql import GraphQLFieldResolver, GraphQLResolveInfo, GraphQLSchema

import ontology
from server.graphql import _scan as scan
from server.graphql._changes import changes_under
from server.graphql._connection import TwinConnection, connection
from server.graphql._context import Context
from server.graphql._direct_resolvers import replace_resolver
from server.graphql._errors import GraphQLInputError
from server.graphql._history import EventPage
from server.graphql._lookahead import selections_below
from server.graphql._model import ModelType, model_by_dtmi, model_type
from server.graphql._pages import slice_page
from server.graphql._roots import roots_only
from server.graphql._service import Service, service
from server.graphql._table import SignalTable, signal_table
from server.graphql._threads import read_store
from server.graphql._twin import AliasInput, TwinType, twin_ahead, twin_now
from server.graphql._typing import field

Info = strawberry.Info[Context, None]
MAX_ID_CHARS = 1024


@strawberry.input(description="Which twins to list; every condition given must hold.")
class TwinFilter:
    model: str | None = strawberry.field(default=None, description="Of this model or extending it.")
    semantic_type: str | None = strawberry.field(
        default=None, description="Whose model has a Property or Telemetry of this semantic type."
    )
    lifecycle: ontology.Lifecycle | None = None
    under: strawberry.ID | None = strawberry.field(
        default=None, description="Descendants of this twin."
    )
    alias: AliasInput | None = None
    root: bool | None = strawberry.field(
        default=None,
        description="True: only twins with no parent the principal may see (the hierarchy's "
        "top); false: only twins with one.",
    )


def _checked(name: str, value: str) -> str:
    if not value or len(value) > MAX_ID_CHARS:
        msg = f"{name}: a string of {len(value)} characters; expected 1 to {MAX_ID_CHARS}"
        raise GraphQLInputError(msg)
    return value


async def _resolve_alias(ctx: Context, alias: AliasInput) -> str | None:
    namespace = _checked("alias.namespace", alias.namespace)
    value = _checked("alias.value", alias.value)
    return (await read_store(ctx.store, ctx.store.resolve_aliases, namespace, [value]))[0]


async def _twin_by_alias(info: Info, alias: AliasInput) -> TwinType | None:
    twin_id = await _resolve_alias(info.context, alias)
    if twin_id is None:
        return None
    return await twin_ahead(info.context, twin_id, selections_below(info._raw_info))


def _twin_by_id(ctx: Context, twin_id: str, selection: list[Any]) -> TwinType | None:
    """``twin(id:)``: at once when :func:`twin_now` can read it, else a coroutine that
    graphql-core awaits (as an async resolver's)."""
    checked = _checked("id", twin_id)
    now = twin_now(ctx, checked, selection)
    if now is not None:
        return now[0]
    return cast("TwinType | None", twin_ahead(ctx, checked, selection))


def resolve_twin_directly(schema: GraphQLSchema) -> None:
    """``Query.twin(id:)`` resolved by graphql-core without strawberry's resolver wrapper.

    The wrapper converts every argument with strawberry's types (its conversion
    imports on each call) and builds an ``Info``: profiled, more CPU than
    reading the twin's live state. A twin asked for by id needs neither (an
    ``ID`` is a ``str`` as graphql-core coerces it); by alias (an input object)
    it goes through the wrapper as before. The answers and errors are the same.
    """

    def direct(wrapped: GraphQLFieldResolver) -> GraphQLFieldResolver:
        def resolve(root: object, info: GraphQLResolveInfo[Any], **args: Any) -> object:
            twin_id = args.get("id")
            if type(twin_id) is not str or args.get("alias") is not None:
                return wrapped(root, info, **args)
            return _twin_by_id(info.context, twin_id, selections_below(info))

        return resolve

    replace_resolver(schema.query_type, "twin", direct)


async def _semantic_models(ctx: Context, semantic_type: str) -> list[str]:
    model_set = await ctx.loaders.model_set()
    return sorted(
        dtmi
        for dtmi, interface in model_set.interfaces.items()
        if any(
            semantic_type in getattr(c, "semantic_types", ()) for c in interface.contents.values()
        )
    )


async def _models_ok(ctx: Context, f: TwinFilter, *, applied: bool) -> frozenset[str] | None:
    """The models a twin may have (``None``: any), unless the source already applied them."""
    if applied:
        return None
    allowed: frozenset[str] | None = None
    if f.model is not None:
        model_set = await ctx.loaders.model_set()
        extending = model_set.extending(f.model) if f.model in model_set else frozenset()
        allowed = frozenset({f.model}) | extending
    if f.semantic_type is not None:
        semantic = frozenset(await _semantic_models(ctx, f.semantic_type))
        allowed = semantic if allowed is None else allowed & semantic
    return allowed


async def _source(ctx: Context, f: TwinFilter) -> tuple[list[str], bool]:
    """Candidate ids from the most selective condition, and whether models were applied."""
    cap = ctx.limits.max_scan
    if f.alias is not None:
        found = await _resolve_alias(ctx, f.alias)
        if found is not None and f.under is not None:
            above = await read_store(ctx.store, ctx.store.ancestors, found)
            found = found if str(f.under) in above else None
        return ([found] if found is not None else []), False
    if f.under is not None:
        under = _checked("filter.under", str(f.under))
        if not await ctx.loaders.only_visible([under]):
            return [], True
        ids = await read_store(
            ctx.store,
            scan.descendants,
            ctx.store,
            under,
            cap=cap,
            model=f.model,
            semantic_type=f.semantic_type,
        )
        return ids, True
    if f.semantic_type is not None:
        union: set[str] = set()
        for dtmi in await _semantic_models(ctx, f.semantic_type):
            union.update(await read_store(ctx.store, scan.twins, ctx.store, cap=cap, model=dtmi))
        return list(union), f.model is None
    return await read_store(ctx.store, scan.twins, ctx.store, cap=cap, model=f.model), True


def _sorted_distinct(ids: list[str]) -> list[str]:
    """``sorted(set(ids))``; a store's listing (``under``) already is, which one pass of
    comparisons in C tells."""
    if all(map(lt, ids, islice(ids, 1, None))):
        return ids
    return sorted(set(ids))


async def _matching(ctx: Context, f: TwinFilter) -> list[str]:
    """The sorted ids of every visible twin matching the filter."""
    ids, applied = await _source(ctx, f)
    ids = await ctx.loaders.only_visible(_sorted_distinct(ids))
    if f.root is not None:
        ids = await roots_only(ctx, ids, root=f.root)
    models_ok = await _models_ok(ctx, f, applied=applied)
    if f.lifecycle is None and models_ok is None:
        return ids
    twins = await ctx.loaders.twin.load_many(ids)
    return [
        t.id
        for t in twins
        if t is not None
        and (f.lifecycle is None or t.lifecycle == f.lifecycle)
        and (models_ok is None or t.model in models_ok)
    ]


@strawberry.type
class Query:
    service: Service = strawberry.field(
        resolver=service, description="This server: version, stores and capabilities."
    )

    @field("One twin by id or by alias; null when unknown or not visible.")
    def twin(
        self,
        info: Info,
        id: strawberry.ID | None = None,
        alias: AliasInput | None = None,
    ) -> TwinType | None:
        # A plain function: a twin read inline (twin_now) needs no await; otherwise it
        # returns a coroutine, which graphql-core awaits as it would an async resolver's.
        if (id is None) == (alias is None):
            msg = "twin: give exactly one of id or alias"
            raise GraphQLInputError(msg)
        if alias is not None:
            return cast("TwinType | None", _twin_by_alias(info, alias))
        return _twin_by_id(info.context, str(id), selections_below(info._raw_info))

    @field("Twins matching a filter, as a Relay-style connection.")
    async def twins(
        self,
        info: Info,
        filter: TwinFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> TwinConnection:
        ids = await _matching(info.context, filter or TwinFilter())
        return connection(slice_page(ids, first, after, info.context.limits))

    @field("What changed under a twin since a time (shift handover): mode changes, faults, ...")
    async def changes(
        self,
        info: Info,
        since: datetime,
        under: strawberry.ID,
        kinds: list[str] | None = None,
        first: int = 100,
        after: str | None = None,
    ) -> EventPage:
        twin_id = _checked("under", str(under))
        return await changes_under(info.context, since, twin_id, kinds, first, after)

    @field("Signals of many twins at one time, as columns (history store).")
    async def signals_at(
        self, info: Info, twins: list[strawberry.ID], names: list[str], at: datetime
    ) -> SignalTable:
        return await signal_table(info.context, list(map(str, twins)), names, at)

    @field("Every model held.")
    async def models(self, info: Info) -> list[ModelType]:
        return [model_type(m) for m in await info.context.loaders.all_models()]

    @field("One model by DTMI (with version); null when unknown.")
    async def model(self, info: Info, dtmi: str) -> ModelType | None:
        return await model_by_dtmi(info.context, _checked("dtmi", dtmi))
