"""What the worker reads from: a ``Source`` of record batches, acknowledged after commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from ingest._errors import IngestError
from ingest.codecs import RawRecord
from ontology.history import SourcePosition


class SourceUnavailableError(IngestError):
    """The source cannot be reached for now (a broker restarting): try again later."""


@dataclass(frozen=True, slots=True)
class SourceBatch:
    """Records from one place of a source (one Kafka partition, one file, one simulator run).

    ``records[i].position`` is the record's own position (Kafka offset, line);
    ``position`` spans them. ``state_only`` marks records history holds already
    (a restart catching state up after a crash between the two commits).
    ``rejects_held`` marks records whose reject records history holds already (a
    rebuild reading them again): samples and events are written, rejects not.
    """

    records: tuple[RawRecord, ...]
    position: SourcePosition
    received_at: datetime
    state_only: bool = False
    rejects_held: bool = False


@runtime_checkable
class Source(Protocol):
    @property
    def feed(self) -> str:
        """The feed's name (rejects and feed health are kept per feed)."""
        ...

    @property
    def exhausted(self) -> bool:
        """True once a finite source (a file, a fixed simulation) has nothing more."""
        ...

    async def start(self) -> None: ...

    async def fetch(self, max_records: int, timeout_s: float) -> SourceBatch | None:
        """The next batch (at most ``max_records``), or None if nothing came in ``timeout_s``."""
        ...

    async def ack(self, batch: SourceBatch) -> None:
        """Everything in ``batch`` (and before it) is committed to the stores.

        Raises ``SourceUnavailableError`` when the acknowledgement could not be
        delivered for now; the worker tries again later.
        """
        ...

    async def stop(self) -> None: ...


@runtime_checkable
class BackloggedSource(Protocol):
    """A source that can tell how far behind its reader is (Kafka: its partitions' lag)."""

    async def lag(self) -> int | None:
        """Records ready to fetch and not fetched yet; None while that is unknown."""
        ...


@runtime_checkable
class HandedOverSource(Protocol):
    """A source whose parts can move between readers (Kafka: a consumer group's partitions)."""

    @property
    def takeovers(self) -> int:
        """How many times this reader was given parts it did not hold just before: another
        reader may have moved the state of their twins meanwhile."""
        ...
