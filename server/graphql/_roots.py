"""The ``root`` twin filter: twins with no parent the principal may see (the tree's top)."""

from __future__ import annotations

from collections.abc import Sequence

from server.graphql._context import Context


async def roots_only(ctx: Context, twin_ids: Sequence[str], *, root: bool) -> list[str]:
    """``twin_ids`` (order kept) that have no visible parent (``root``) or have one (not).

    Parents come through the request's parents loader: one ``parents_of`` store call per
    ``MAX_READ_IDS`` twins, hidden parents already left out by the Authorizer.
    """
    parents = await ctx.loaders.parents.load_many(list(twin_ids))
    return [t for t, above in zip(twin_ids, parents, strict=True) if (not above) == root]
