"""base64url ids (padded or not) and opaque cursors."""

from __future__ import annotations

import base64
import binascii
import json

from server.aas._errors import ApiError

MAX_ENCODED = 8192
"""The longest encoded id or cursor accepted (an id is at most 2048 characters)."""


def decode_id(text: str, what: str) -> str:
    """The UTF-8 id a base64url path or query value encodes; ``ApiError`` 400 when it is not one."""
    if not text or len(text) > MAX_ENCODED:
        msg = (
            f"{what} {text[:64]!r} is not a base64url-encoded identifier of at most 2048 characters"
        )
        raise ApiError(400, msg)
    body = text.rstrip("=")
    try:
        raw = (
            base64.b64decode(body + "=" * (-len(body) % 4), altchars=b"-_", validate=True)
            if len(body) % 4 != 1
            else b""
        )
        value = raw.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        value = ""
    if not value or len(value) > 2048:
        msg = (
            f"{what} {text[:64]!r} is not base64url (RFC 4648 §5, with or without padding) of a "
            "UTF-8 identifier of 1 to 2048 characters"
        )
        raise ApiError(400, msg)
    return value


def encode_id(value: str) -> str:
    """base64url without padding, as Part 2 writes ids in paths."""
    return base64.urlsafe_b64encode(value.encode("utf-8")).decode("ascii").rstrip("=")


def encode_cursor(position: list[object]) -> str:
    return encode_id(json.dumps(position, separators=(",", ":")))


def decode_cursor(text: str) -> list[object]:
    try:
        value = json.loads(decode_id(text, "cursor"))
    except (ApiError, ValueError):
        value = None
    if not isinstance(value, list) or not value:
        msg = f"cursor {text[:64]!r} is not one this server gave out; pass paging_metadata.cursor"
        raise ApiError(400, msg)
    return value
