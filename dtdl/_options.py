"""Settings of a parse: extension tolerance, version cap, DTMI resolver, solecisms."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, get_args

from dtdl._errors import DtdlError

Resolver = Callable[[list[str]], list[str]]
SolecismPhase = Literal["parse", "resolve"]
SOLECISM_PHASES: frozenset[str] = frozenset(get_args(SolecismPhase))


@dataclass(frozen=True)
class ParseOptions:
    """How :func:`dtdl.parse` treats a model set.

    ``allow_undefined_extensions``: ``None`` follows the DTDL version (v2 tolerates
    undefined extension contexts and terms, v3 rejects them). ``max_dtdl_version``
    caps the accepted core context version. ``resolver`` receives DTMIs that no
    text defines and returns JSON texts that may define them.

    ``tolerate_solecisms`` is a backward-compatibility setting matching the
    reference parser's ``TolerateSolecismsInParse`` / ``TolerateSolecismsInResolve``
    quirks; empty (the default) applies the language rules. With ``"parse"`` the
    texts given to :func:`dtdl.parse` are read leniently, with ``"resolve"`` the texts
    the resolver supplies. Leniency applies to DTDL v2 elements only and tolerates
    three solecisms that older parsers accepted: an object value holding nothing but
    ``@id`` (read as a reference to that DTMI), an ``@id`` with a reserved prefix
    (``dtmi:dtdl:``, ``dtmi:standard:``), and a sibling whose automatic id (from
    its ``name``) repeats an earlier sibling's (the later one is ignored).

    ``document_name`` names document ``i`` (the i-th text, then the resolver's texts
    in order) in messages, for example by its file; by default "document i".
    """

    allow_undefined_extensions: bool | None = None
    max_dtdl_version: int | None = None
    resolver: Resolver | None = None
    max_text_bytes: int = 64 * 1024 * 1024
    max_resolver_rounds: int = 16
    tolerate_solecisms: frozenset[SolecismPhase] = frozenset()
    document_name: Callable[[int], str | None] | None = None

    def __post_init__(self) -> None:
        phases: object = self.tolerate_solecisms
        if not isinstance(phases, (frozenset, set, tuple, list)) or not all(
            isinstance(p, str) and p in SOLECISM_PHASES for p in phases
        ):
            msg = (
                f"ParseOptions.tolerate_solecisms: got {phases!r}; expected a frozenset "
                f"of {sorted(SOLECISM_PHASES)}"
            )
            raise DtdlError(msg)
        if not isinstance(phases, frozenset):
            object.__setattr__(self, "tolerate_solecisms", frozenset(phases))

    def allows_undefined(self, version: int) -> bool:
        if self.allow_undefined_extensions is not None:
            return self.allow_undefined_extensions
        return version == 2

    def tolerates_solecisms(self, resolved: bool) -> bool:
        """Whether texts from the resolver (``resolved``) or from the caller are lenient."""
        return ("resolve" if resolved else "parse") in self.tolerate_solecisms
