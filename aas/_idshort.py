"""Deterministic idShorts: DTDL names (up to 512 characters, any length >= 1) to AAS idShorts.

An idShort valid under both metamodels 3.0 and 3.1 matches
``[A-Za-z][A-Za-z0-9_]+`` and has 2 to 128 characters. :func:`id_short` maps a
name onto that set the same way every time: characters outside it become
``_``, a leading non-letter gets an ``x`` in front, a one-character name gets a
trailing ``_``, and a name longer than 128 characters is cut to 119 and ends in
``_`` plus eight hex digits of its SHA-1 (so two long names that share a prefix
stay apart). :class:`IdShortScope` then makes the idShorts of one namespace
unique (case-insensitively, so tools that fold case agree): the second claimant
of an idShort gets ``_2``, the third ``_3``, and so on.
"""

from __future__ import annotations

import hashlib
import re

MAX_ID_SHORT = 128
_BAD = re.compile(r"[^A-Za-z0-9_]")
_HASHED_HEAD = MAX_ID_SHORT - 9


def id_short(name: str) -> str:
    """The idShort for ``name`` before collision handling."""
    text = _BAD.sub("_", name)
    if not text or not ("A" <= text[0] <= "Z" or "a" <= text[0] <= "z"):
        text = "x" + text
    if len(text) < 2:
        text += "_"
    if len(text) > MAX_ID_SHORT:
        digest = hashlib.sha1(name.encode("utf-8"), usedforsecurity=False).hexdigest()[:8]
        text = f"{text[:_HASHED_HEAD]}_{digest}"
    return text


class IdShortScope:
    """The idShorts taken in one namespace (a submodel's or a collection's children)."""

    __slots__ = ("_taken",)

    def __init__(self, reserved: tuple[str, ...] = ()) -> None:
        self._taken: set[str] = {r.casefold() for r in reserved}

    def claim(self, name: str) -> str:
        """A unique idShort for ``name`` in this scope, recorded as taken."""
        base = id_short(name)
        candidate = base
        n = 1
        while candidate.casefold() in self._taken:
            n += 1
            suffix = f"_{n}"
            candidate = base[: MAX_ID_SHORT - len(suffix)] + suffix
        self._taken.add(candidate.casefold())
        return candidate
