"""The limits every GraphQL request is held to (typed settings; the CLI fills them)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class GraphQLLimits:
    """Page caps, scan caps and the guards' limits of the GraphQL endpoint."""

    default_page: int = 100
    """``first`` when a list field is asked without it."""
    max_page: int = 1000
    """The largest ``first`` a list field accepts; more is refused, not truncated."""
    max_scan: int = 1_000_000
    """The most twins one filter or traversal may match before counting and paging."""
    max_depth: int = 12
    """The deepest selection nesting a query may have."""
    max_tokens: int = 5000
    """The most lexical tokens a query document may have."""
    max_aliases: int = 30
    """The most aliased fields a query may have."""
    max_cost: int = 200_000
    """The static cost limit: list fields weigh ``first`` times what is selected below them."""
    max_query_bytes: int = 64 * 1024
    """The largest query text accepted."""
    timeout_s: float = 30.0
    """How long one operation may run before it is cancelled."""
