"""What a codec reads: raw records with their source position, and what it returns."""

from __future__ import annotations

from dataclasses import dataclass

from ingest._errors import IngestError
from ingest.frame import Frame, RecordReject


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One record as a source delivered it.

    ``twin`` and ``signal`` are defaults for samples that do not name their own
    (a Kafka record's key, an MQTT topic's levels).
    """

    position: int
    payload: bytes
    twin: str | None = None
    signal: str | None = None


@dataclass(frozen=True, slots=True)
class Decoded:
    """A codec's result: the samples it could read, and what it refused, with reasons."""

    frame: Frame
    rejects: tuple[RecordReject, ...]


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
