"""Exceptions of the ``dtdl`` package.

DtdlError               base of every error this package raises
└── ParsingError        a model set is invalid; carries ``.diagnostics`` (errors only)
    └── ResolutionError some referenced DTMIs are defined nowhere; carries ``.undefined``
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dtdl._diagnostic import Diagnostic


class DtdlError(Exception):
    """Base of every error raised by the ``dtdl`` package."""


class ParsingError(DtdlError):
    """The model set is invalid; ``diagnostics`` lists every error found."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics: list[Diagnostic] = list(diagnostics)
        first = self.diagnostics[0].message if self.diagnostics else "no details"
        msg = f"DTDL model set is invalid: {len(self.diagnostics)} error(s); first: {first}"
        super().__init__(msg)


class ResolutionError(ParsingError):
    """Referenced DTMIs are defined neither in the texts nor by the resolver."""

    def __init__(self, diagnostics: Sequence[Diagnostic], undefined: Sequence[str]) -> None:
        super().__init__(diagnostics)
        self.undefined: tuple[str, ...] = tuple(undefined)
