"""How large any input may be, and the checks of a call's own parameters.

Every input has a size limit; the ``MAX_*`` values are the graph's. The
``require_*`` helpers raise ``InvalidError`` naming the parameter, the value
received and what was expected; ``show`` is the short ``repr`` those messages use.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from ontology._errors import InvalidError

MAX_PAGE = 10_000
"""The largest page any listing returns; larger ``first`` values are refused."""
MAX_READ_IDS = 10_000
"""The most twin ids one many-twin read (``children_of``, ``signals_of``, ...) takes."""
MAX_TREE_LEVELS = 8
"""The most levels one ``children_below`` call reads."""
MAX_TWIN_ID = 512
MAX_PROPERTIES = 1_000
MAX_ALIASES = 64
MAX_ALIAS_VALUE = 1_024
MAX_STRING = 65_536
MAX_VALUE_JSON = 262_144
MAX_BATCH = 1_000_000
MAX_PRINCIPAL = 256
MAX_DEPTH = 1_000
MAX_NAME = 512


def show(value: object, limit: int = 80) -> str:
    """``repr(value)``, cut to ``limit`` characters for an error message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def require_principal(principal: object) -> str:
    if not isinstance(principal, str) or not principal or len(principal) > MAX_PRINCIPAL:
        msg = (
            f"principal {show(principal)} is not valid; expected a non-empty string of at "
            f"most {MAX_PRINCIPAL} characters"
        )
        raise InvalidError(msg)
    return principal


def require_read_ids(twin_ids: Sequence[str], name: str | None = None) -> list[str]:
    """A many-twin read's ids (and edge name) checked: at most ``MAX_READ_IDS`` strings."""
    given: object = twin_ids
    if isinstance(given, str) or not isinstance(given, Sequence):
        msg = f"twin ids {show(given)} are not valid; expected a sequence of strings"
        raise InvalidError(msg)
    if len(given) > MAX_READ_IDS:
        msg = f"a read of {len(given)} twin ids; at most {MAX_READ_IDS} per call, split it"
        raise InvalidError(msg)
    ids: list[str] = []
    for item in given:
        if not isinstance(item, str):
            msg = f"twin id {show(item)} is of type {type(item).__name__}; expected a string"
            raise InvalidError(msg)
        ids.append(item)
    edge_name: object = name
    if edge_name is not None and not isinstance(edge_name, str):
        msg = (
            f"edge name {show(edge_name)} is of type {type(edge_name).__name__}; expected a string"
        )
        raise InvalidError(msg)
    return ids


def require_tree(depth: object, limit: object) -> tuple[int, int]:
    """``children_below``'s ``depth`` (1 to ``MAX_TREE_LEVELS``) and ``limit`` (1 to 10,000)."""
    if type(depth) is not int or not 1 <= depth <= MAX_TREE_LEVELS:
        msg = f"depth={show(depth)} is not valid; expected an integer 1..{MAX_TREE_LEVELS}"
        raise InvalidError(msg)
    if type(limit) is not int or not 1 <= limit <= MAX_READ_IDS:
        msg = f"limit={show(limit)} is not valid; expected an integer 1..{MAX_READ_IDS}"
        raise InvalidError(msg)
    return depth, limit


def require_after(after: object) -> str | None:
    """A cursor: ``None`` or a twin id (at most ``MAX_TWIN_ID`` characters)."""
    if after is not None and (type(after) is not str or len(after) > MAX_TWIN_ID):
        msg = (
            f"after={show(after)} is not valid; expected None or a twin id of at most "
            f"{MAX_TWIN_ID} characters"
        )
        raise InvalidError(msg)
    return after


def require_page(first: object) -> int:
    if type(first) is not int or not 1 <= first <= MAX_PAGE:
        msg = f"page size first={show(first)} is not valid; expected an integer 1..{MAX_PAGE}"
        raise InvalidError(msg)
    return first


def require_depth(max_depth: object) -> int:
    """``None`` means unlimited (returned as ``MAX_DEPTH``)."""
    if max_depth is None:
        return MAX_DEPTH
    if type(max_depth) is not int or not 1 <= max_depth <= MAX_DEPTH:
        msg = f"max_depth={show(max_depth)} is not valid; expected an integer 1..{MAX_DEPTH}"
        raise InvalidError(msg)
    return max_depth


def require_batch(kind: str, items: Sequence[object]) -> None:
    if len(items) > MAX_BATCH:
        msg = f"a batch of {len(items)} {kind}; at most {MAX_BATCH} per call, split it"
        raise InvalidError(msg)


def require_audit_since(since: object) -> datetime | None:
    """``audit``'s ``since``: ``None`` or a time with a zone, returned in UTC."""
    if since is None:
        return None
    if not isinstance(since, datetime) or since.utcoffset() is None:
        msg = f"audit since={show(since)} is not valid; expected a datetime with a time zone"
        raise InvalidError(msg)
    return since.astimezone(UTC)


def require_audit_cursor(after: object) -> int | None:
    """``audit``'s ``after``: ``None`` or the last ``seq`` seen (an integer >= 0)."""
    if after is not None and (type(after) is not int or after < 0):
        msg = f"audit cursor after={show(after)} is not valid; expected the last seq seen (>= 0)"
        raise InvalidError(msg)
    return after
