"""Query parameters: paging, ``level`` and ``extent``, and the modifier combinations refused."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from starlette.datastructures import QueryParams

from server.aas._codec import decode_cursor
from server.aas._errors import ApiError

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
"""The largest page a client may ask for; more is a 400, not a silent cut."""


class Content(StrEnum):
    NORMAL = ""
    METADATA = "$metadata"
    VALUE = "$value"
    REFERENCE = "$reference"
    PATH = "$path"


@dataclass(frozen=True, slots=True)
class Modifiers:
    content: Content
    deep: bool


@dataclass(frozen=True, slots=True)
class Paging:
    limit: int
    cursor: list[object] | None


def paging(query: QueryParams) -> Paging:
    raw = query.get("limit")
    limit = DEFAULT_LIMIT
    if raw is not None:
        try:
            limit = int(raw)
        except ValueError:
            limit = -1
        if not 1 <= limit <= MAX_LIMIT:
            msg = f"limit {raw[:32]!r} is not a whole number from 1 to {MAX_LIMIT}"
            raise ApiError(400, msg)
    cursor = query.get("cursor") or None  # an empty cursor is the first page
    return Paging(limit, decode_cursor(cursor) if cursor is not None else None)


def modifiers(query: QueryParams, content: Content) -> Modifiers:
    """``level`` and ``extent`` for ``content``; refused where Part 2 forbids the combination."""
    level = query.get("level")
    extent = query.get("extent")
    if level is not None and level not in ("deep", "core"):
        msg = f"level {level[:32]!r} is not one of 'deep', 'core'"
        raise ApiError(400, msg)
    if extent is not None and extent not in ("withBlobValue", "withoutBlobValue"):
        msg = f"extent {extent[:32]!r} is not one of 'withBlobValue', 'withoutBlobValue'"
        raise ApiError(400, msg)
    if content is Content.METADATA and (level is not None or extent is not None):
        msg = "$metadata takes neither level nor extent (Part 2, Table 'Valid combinations')"
        raise ApiError(400, msg)
    if content is Content.REFERENCE and (level == "deep" or extent is not None):
        msg = "$reference takes neither level=deep nor extent (Part 2, Table 'Valid combinations')"
        raise ApiError(400, msg)
    if content is Content.PATH and extent is not None:
        msg = "$path takes no extent (Part 2, Table 'Valid combinations')"
        raise ApiError(400, msg)
    return Modifiers(content, level != "core")
