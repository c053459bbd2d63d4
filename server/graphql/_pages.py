"""Relay-style paging over id-ordered lists: opaque cursors, ``first``/``after``, caps."""

from __future__ import annotations

import base64
import binascii
import functools
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from server.graphql._errors import GraphQLInputError, LimitError
from server.graphql._limits import GraphQLLimits

_PREFIX = "twin:"
MAX_CURSOR_CHARS = 2048
CURSORS_KEPT = 16_384
"""The most cursors :func:`encode_cursor` keeps (the least recently used go first)."""


@functools.lru_cache(maxsize=CURSORS_KEPT)
def encode_cursor(twin_id: str) -> str:
    """The opaque cursor of ``twin_id``, kept: a nested ``children`` selection gives every
    page a start and an end cursor (222 of them for a 3-level tree of 1,134 twins), the
    same ones request after request, and encoding one cost more than a twin's result."""
    return base64.urlsafe_b64encode((_PREFIX + twin_id).encode()).decode()


def decode_cursor(cursor: str) -> str:
    """The twin id a cursor points after; a clear error for anything this API did not make."""
    if len(cursor) <= MAX_CURSOR_CHARS:
        try:
            text = base64.urlsafe_b64decode(cursor.encode("ascii")).decode()
        except (binascii.Error, UnicodeError, ValueError):
            text = ""
        if text.startswith(_PREFIX):
            return text[len(_PREFIX) :]
    shown = cursor[:40] + ("..." if len(cursor) > 40 else "")
    msg = f"after: {shown!r} is not a cursor from this API (use pageInfo.endCursor)"
    raise GraphQLInputError(msg)


def page_size(first: int | None, limits: GraphQLLimits) -> int:
    """``first`` checked against the page cap (``None``: the default page)."""
    if first is None:
        return limits.default_page
    if first < 0:
        msg = f"first: {first} is negative; expected 0 to {limits.max_page}"
        raise GraphQLInputError(msg)
    if first > limits.max_page:
        msg = f"first: {first} is more than the page cap {limits.max_page}; page with after"
        raise LimitError(msg)
    return first


@dataclass(frozen=True, slots=True)
class Slice:
    """One page of an id-ordered list and what the connection reports about it."""

    ids: tuple[str, ...]
    total: int
    has_next: bool
    has_previous: bool


def slice_page(
    ordered: Sequence[str], first: int | None, after: str | None, limits: GraphQLLimits
) -> Slice:
    """The page of ``ordered`` (sorted ids) after the cursor ``after``."""
    size = page_size(first, limits)
    start = bisect_right(ordered, decode_cursor(after)) if after is not None else 0
    end = min(start + size, len(ordered))
    return Slice(tuple(ordered[start:end]), len(ordered), end < len(ordered), start > 0)


def counted(total: int, first: int | None, after: str | None, limits: GraphQLLimits) -> Slice:
    """What a connection selecting only ``totalCount`` needs: ``total`` and no ids (the
    page arguments checked as :func:`slice_page` checks them, with the same errors)."""
    page_size(first, limits)
    if after is not None:
        decode_cursor(after)
    return Slice((), total, has_next=False, has_previous=False)
