"""Event times as sources write them -> microseconds since the Unix epoch (UTC)."""

from __future__ import annotations

import math
from datetime import datetime

MAX_EPOCH_MS = 10**14
"""About the year 5138: beyond it (or before 1970) a number is not a plausible time."""


def time_us(value: object) -> int | None:
    """Milliseconds since the epoch (int or float) or an ISO 8601 string with a zone; else None."""
    kind = type(value)
    if kind is int:
        ms = value
        assert isinstance(ms, int)
        return ms * 1000 if 0 <= ms < MAX_EPOCH_MS else None
    if kind is float:
        assert isinstance(value, float)
        if not (math.isfinite(value) and 0 <= value < MAX_EPOCH_MS):
            return None
        return round(value * 1000)
    if kind is str:
        assert isinstance(value, str)
        return _iso_us(value)
    return None


def _iso_us(text: str) -> int | None:
    if len(text) > 64:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    seconds = parsed.timestamp()
    if not 0 <= seconds * 1000 < MAX_EPOCH_MS:
        return None
    # exact microseconds: whole seconds from timestamp(), the fraction from the field
    return int(seconds) * 1_000_000 + parsed.microsecond
