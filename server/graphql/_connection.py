"""Relay-style connections of twins: total counts, cursors, page info."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from server.graphql._context import Context
from server.graphql._pages import Slice, encode_cursor
from server.graphql._signals_at import looked_ahead

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
    async def edges(self, info: strawberry.Info[Context, None]) -> list[TwinEdge]:
        return [TwinEdge(cursor=encode_cursor(n.held.id), node=n) for n in await self._nodes(info)]

    @strawberry.field
    async def nodes(self, info: strawberry.Info[Context, None]) -> list[TwinRef]:
        return await self._nodes(info)

    async def _nodes(self, info: strawberry.Info[Context, None]) -> list[TwinType]:
        from server.graphql._twin import twins_by_id

        ctx = info.context
        twins = await twins_by_id(ctx, self.page.ids)
        if ctx.signals_at is not None and twins:
            wanted = looked_ahead(info.selected_fields)
            if wanted:
                await ctx.signals_at.prefetch([t.held for t in twins], wanted)
        return twins


def connection(page: Slice) -> TwinConnection:
    ids = page.ids
    return TwinConnection(
        total_count=page.total,
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=encode_cursor(ids[0]) if ids else None,
            end_cursor=encode_cursor(ids[-1]) if ids else None,
        ),
        page=page,
    )
