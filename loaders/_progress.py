"""How a load reports progress: a small protocol the CLI implements with a progress bar."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Told about each phase of a load: ``reading``, ``models``, ``rows``, ``twins``, ``edges``."""

    def phase(self, name: str, total: int) -> None:
        """A phase starts with ``total`` units of work (files, rows, twins, edges)."""
        ...

    def advance(self, done: int) -> None:
        """``done`` more units of the current phase are finished."""
        ...


class NoProgress:
    """Progress that shows nothing."""

    def phase(self, name: str, total: int) -> None:
        return None

    def advance(self, done: int) -> None:
        return None
