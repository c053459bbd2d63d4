"""Why a record or a sample was refused: the reasons, and a refused record's description."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RejectReason(StrEnum):
    """Every reason the ingest quarantines a record or a sample (stored as its value)."""

    # a record that could not be decoded (counted once per record)
    MALFORMED = "malformed"
    """Not JSON / not a Sparkplug payload / truncated."""
    TOO_LARGE = "too_large"
    """Over a size limit: record bytes, samples per record, a name or a text."""
    BAD_SHAPE = "bad_shape"
    """Decodable, but not a sample: a missing field, or not an object where one is expected."""
    # a sample that breaks a rule
    WRONG_TYPE = "wrong_type"
    """A field of the wrong type, or a value that does not fit the signal's schema."""
    BAD_TIME = "bad_time"
    """A time that is not a time (or has no time zone)."""
    UNKNOWN_TWIN = "unknown_twin"
    UNKNOWN_SIGNAL = "unknown_signal"
    RETIRED_TWIN = "retired_twin"
    """The twin is retired; the sample is refused and an event raised."""
    NOT_FINITE = "not_finite"
    """NaN or infinity."""
    OUT_OF_RANGE = "out_of_range"
    """Outside the signal's valid range: impossible physics."""
    TOO_FAR_FUTURE = "too_far_future"
    TOO_LATE = "too_late"
    """Older than the allowed lateness (or the oldest time accepted)."""
    DUPLICATE = "duplicate"
    """The same (twin, signal, time) again in one batch: written once, the copy counted here."""


@dataclass(frozen=True, slots=True)
class RecordReject:
    """A record (or a part of one) a codec refused before any sample came out of it."""

    position: int
    """The record's source position (Kafka offset, file line, message number)."""
    reason: RejectReason
    detail: str
    """What exactly was wrong: names the field, the value and what was expected."""
    count: int = 1
    """How many samples this stands for, where the codec could tell (else 1)."""
