"""Settings of a parse: extension tolerance, version cap and DTMI resolver."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Resolver = Callable[[list[str]], list[str]]


@dataclass(frozen=True)
class ParseOptions:
    """How :func:`dtdl.parse` treats a model set.

    ``allow_undefined_extensions``: ``None`` follows the DTDL version (v2 tolerates
    undefined extension contexts and terms, v3 rejects them). ``max_dtdl_version``
    caps the accepted core context version. ``resolver`` receives DTMIs that no
    text defines and returns JSON texts that may define them.
    """

    allow_undefined_extensions: bool | None = None
    max_dtdl_version: int | None = None
    resolver: Resolver | None = None
    max_text_bytes: int = 64 * 1024 * 1024
    max_resolver_rounds: int = 16

    def allows_undefined(self, version: int) -> bool:
        if self.allow_undefined_extensions is not None:
            return self.allow_undefined_extensions
        return version == 2
