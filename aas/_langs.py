"""DTDL language maps to AAS language-string sets.

DTDL keeps ``displayName`` (up to 512 characters) and ``description`` per
language; AAS allows 128 (names) and 1023 (descriptions) characters per entry
and one entry per language. Languages are compared case-insensitively and the
first entry wins; a text too long is cut and ends in an ellipsis; a language
tag that is not BCP 47 and empty texts are dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from aas_core3_1 import verification

from aas._text import xml_safe

T = TypeVar("T")

NAME_LIMIT = 128
TEXT_LIMIT = 1023


def lang_strings(
    texts: Mapping[str, str], limit: int, make: Callable[[str, str], T]
) -> list[T] | None:
    """One ``make(language, text)`` per distinct language, or ``None`` when there is none."""
    seen: set[str] = set()
    out: list[T] = []
    for language, raw in texts.items():
        key = language.casefold()
        text = xml_safe(raw).strip()
        if key in seen or not text or not verification.matches_bcp_47(language):
            continue
        seen.add(key)
        if len(text) > limit:
            text = text[: limit - 1] + "…"
        out.append(make(language, text))
    return out or None
