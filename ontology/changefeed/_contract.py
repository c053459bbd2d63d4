"""The change feed: what changed after each ingest commit, for any number of readers.

The ingest worker publishes one ``ChangeSet`` per committed batch (the signal
values it wrote to the graph store, with their batch, and the events it wrote
to history). Servers subscribe to serve GraphQL subscriptions. Every change set
has a ``cursor``; a subscriber that reconnects with the last cursor it saw gets
everything after it that the feed still holds, so nothing is lost between.

Implementations: in-process (the embedded mode, one process) and a Kafka topic
(production: the worker is another process, any number of servers read).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from ontology import JsonValue, OntologyError
from ontology.history import Event


@dataclass(frozen=True, slots=True)
class SignalChange:
    """A live value the worker wrote to the graph store."""

    twin: str
    signal: str
    value: JsonValue
    time: datetime
    quality: int
    batch: str | None


@dataclass(frozen=True, slots=True)
class ChangeSet:
    """What one committed batch changed; ``cursor`` orders change sets within a feed."""

    cursor: str
    batch: str | None
    at: datetime
    signals: tuple[SignalChange, ...]
    events: tuple[Event, ...]


class CursorExpiredError(OntologyError):
    """The cursor is older than anything the feed still holds (``.oldest`` is the first held)."""

    def __init__(self, cursor: str, oldest: str | None) -> None:
        self.cursor = cursor
        self.oldest = oldest
        super().__init__(
            f"change-feed cursor {cursor!r} is older than the oldest change held "
            f"({oldest!r}); expected a cursor seen recently, or none to start from now"
        )


@runtime_checkable
class ChangeFeed(Protocol):
    def publish(
        self,
        batch: str | None,
        signals: Sequence[SignalChange],
        events: Sequence[Event],
    ) -> str:
        """Publish what one commit changed; returns the change set's cursor."""
        ...

    def subscribe(self, after: str | None = None) -> AsyncIterator[ChangeSet]:
        """Change sets after ``after`` (``None``: from now on), then live ones as they come.

        Raises ``CursorExpiredError`` if ``after`` is older than the feed holds.
        """
        ...

    def close(self) -> None: ...
