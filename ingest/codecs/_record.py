"""What a codec reads: raw records with their source position, and what it returns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from ingest._errors import IngestError
from ingest.frame import Frame, FrameBuilder, RecordReject, RejectReason


class RawRecord(NamedTuple):
    """One record as a source delivered it.

    ``twin`` and ``signal`` are defaults for samples that do not name their own
    (a Kafka record's key, an MQTT topic's levels); ``topic`` is the MQTT topic
    (Sparkplug B decoding needs it); ``content_type`` the payload's media type
    where the source says it (a Kafka ``content-type`` header). Immutable; a
    named tuple because a source makes one per record (a frozen dataclass took
    twice the time to build).
    """

    position: int
    payload: bytes
    twin: str | None = None
    signal: str | None = None
    topic: str | None = None
    content_type: str | None = None


@dataclass(frozen=True, slots=True)
class Decoded:
    """A codec's result: the samples it could read, and what it refused, with reasons."""

    frame: Frame
    rejects: tuple[RecordReject, ...]


class Codec(Protocol):
    def decode(self, records: Sequence[RawRecord]) -> Decoded:
        """Records -> a Frame and what was refused; never raises on bad input."""
        ...


@dataclass(frozen=True, slots=True)
class CodecLimits:
    """Size limits every codec applies; anything larger is refused as ``too_large``."""

    max_record_bytes: int = 1 << 20
    max_samples_per_record: int = 100_000
    max_name_length: int = 256
    """Twin references, signal names, metric names."""
    max_text_length: int = 1024
    """Text values (modes, product and batch codes)."""

    def __post_init__(self) -> None:
        for name in (
            "max_record_bytes",
            "max_samples_per_record",
            "max_name_length",
            "max_text_length",
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                msg = f"CodecLimits.{name}={value!r}; expected a whole number >= 1"
                raise IngestError(msg)


class RecordDecoding:
    """Decoding one record: the builder to fill and the rejects to add to (codecs subclass it)."""

    def __init__(
        self, builder: FrameBuilder, rejects: list[RecordReject], record: RawRecord
    ) -> None:
        self.builder = builder
        self.rejects = rejects
        self.record = record

    def refuse(self, reason: RejectReason, detail: str, count: int = 1) -> None:
        self.rejects.append(RecordReject(self.record.position, reason, detail, count))
