"""``DuckDBHistorySettings``: where the embedded history store keeps its file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ontology.history._errors import HistoryInputError
from ontology.history._tiers import check_retention
from ontology.history._values import Retention

MAX_THREADS = 64


@dataclass(frozen=True, slots=True)
class DuckDBHistorySettings:
    """The embedded history store: one DuckDB file, written by the process that opens it.

    ``path`` ``None`` keeps everything in memory (tests, demos). ``threads``
    ``None`` lets DuckDB use every core.
    """

    path: Path | None = None
    retention: Retention = field(default_factory=Retention)
    threads: int | None = None

    def __post_init__(self) -> None:
        check_retention(self.retention)
        if self.threads is not None and not 1 <= self.threads <= MAX_THREADS:
            message = (
                f"DuckDBHistorySettings.threads is {self.threads!r}; expected 1 to {MAX_THREADS} "
                "or None"
            )
            raise HistoryInputError(message)
