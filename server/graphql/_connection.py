"""Relay-style connections of twins: total counts, cursors, page info."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, cast

import strawberry

from server.graphql._context import Context
from server.graphql._lookahead import needs_record, selects_live_signals, twin_selections
from server.graphql._pages import Slice, encode_cursor
from server.graphql._signals_at import Wanted, looked_ahead

if TYPE_CHECKING:
    from server.graphql._twin import TwinType

TwinRef = Annotated["TwinType", strawberry.lazy("server.graphql._twin")]


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type(name="TwinEdge")
class TwinEdge:
    cursor: str
    node: TwinRef


@strawberry.type(name="TwinConnection", description="A page of twins and how many there are.")
class TwinConnection:
    total_count: int = strawberry.field(description="Every twin that matches, on all pages.")
    page_info: PageInfo
    page: strawberry.Private[Slice]

    @strawberry.field
    def edges(self, info: strawberry.Info[Context, None]) -> list[TwinEdge]:
        # Plain functions, as Twin.signals: answered at once when the twins' selection
        # needs only their ids (no record to read), else a coroutine graphql-core awaits.
        twins = self._ids_only(info)
        if twins is None:
            return cast("list[TwinEdge]", self._edges(info))
        return [TwinEdge(cursor=encode_cursor(t.id), node=t) for t in twins]

    @strawberry.field
    def nodes(self, info: strawberry.Info[Context, None]) -> list[TwinRef]:
        twins = self._ids_only(info)
        if twins is None:
            return cast("list[TwinType]", self._nodes(info))
        ctx = info.context
        wanted = looked_ahead(info.selected_fields) if ctx.signals_at is not None else []
        if wanted:  # signals(names, at) without units: their rows, still without records
            return cast("list[TwinType]", self._with_rows(ctx, twins, wanted))
        return twins

    async def _with_rows(
        self, ctx: Context, twins: list[TwinType], wanted: list[Wanted]
    ) -> list[TwinType]:
        if ctx.signals_at is not None:
            await ctx.signals_at.prefetch([t.id for t in twins], None, wanted)
        return twins

    def _ids_only(self, info: strawberry.Info[Context, None]) -> list[TwinType] | None:
        """The page's twins without their records, when nothing selected on them needs one.

        The page's ids are visible ones (every connection is built from ids the
        authorizer allowed), and they exist: the store listed them.
        """
        from server.graphql._twin import twin_ref

        if needs_record(twin_selections(info.selected_fields)):
            return None
        return [twin_ref(t) for t in self.page.ids]

    async def _edges(self, info: strawberry.Info[Context, None]) -> list[TwinEdge]:
        return [TwinEdge(cursor=encode_cursor(t.id), node=t) for t in await self._nodes(info)]

    async def _nodes(self, info: strawberry.Info[Context, None]) -> list[TwinType]:
        from server.graphql._twin import twin_type, twins_by_id

        ctx = info.context
        selected = twin_selections(info.selected_fields)
        if selects_live_signals(selected) and not ctx.loaders.restricted:
            # records and live signals of the page in one store call (nothing to hide)
            found = await ctx.loaders.twins_with_signals(self.page.ids)
            twins = [twin_type(t) for t in found if t is not None]
        else:
            twins = await twins_by_id(ctx, self.page.ids)
        if not twins:
            return twins
        if ctx.signals_at is not None:
            wanted = looked_ahead(info.selected_fields)
            if wanted:
                held = [t.held for t in twins]
                await ctx.signals_at.prefetch([t.id for t in held], [t.model for t in held], wanted)
        return twins


def connection(page: Slice) -> TwinConnection:
    """The connection of a page of ids the authorizer allowed (its nodes are not checked
    again when their selection needs only ids).

    Made without the dataclasses' ``__init__`` calls (as ``_twin._twin``): a nested
    ``children`` selection makes one connection per twin of its inner levels."""
    ids = page.ids
    info: PageInfo = _new(PageInfo)
    info.has_next_page = page.has_next
    info.has_previous_page = page.has_previous
    info.start_cursor = encode_cursor(ids[0]) if ids else None
    info.end_cursor = encode_cursor(ids[-1]) if ids else None
    made: TwinConnection = _new(TwinConnection)
    made.total_count = page.total
    made.page_info = info
    made.page = page
    return made


_new = object.__new__
