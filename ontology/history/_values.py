"""The nouns of history as typed values: sample columns, series, events, batches, rejects.

Samples travel as numpy columns, never as one object per sample: the ingest
worker appends whole frames and readers get arrays back. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

from ontology import JsonValue

TIME_DTYPE = np.dtype("datetime64[us]")
"""Every time column: UTC, microseconds since the Unix epoch."""


class Quality(IntEnum):
    """How far a sample can be trusted (a reduced OPC UA status)."""

    GOOD = 0
    UNCERTAIN = 1
    BAD = 2
    STALE = 3


class Agg(StrEnum):
    """A bucket aggregate of :meth:`HistoryStore.range`."""

    MIN = "min"
    MAX = "max"
    MEAN = "mean"
    FIRST = "first"
    LAST = "last"
    COUNT = "count"
    TWA = "twa"
    """Time-weighted mean: each value weighted by how long it held inside the bucket."""


@dataclass(frozen=True, slots=True)
class SeriesKey:
    """One (twin, signal) series."""

    twin: str
    signal: str


@dataclass(frozen=True, slots=True)
class Samples:
    """Columns of samples; every array has the same length.

    ``value`` holds numbers (booleans as 0.0/1.0) and is NaN where the sample
    is text; ``text`` holds strings (modes, product and batch codes, enum
    names) and is ``None`` where the sample is a number (or is ``None`` as a
    whole when every sample is a number). ``quality`` defaults to GOOD.
    """

    twin: npt.NDArray[np.object_]
    signal: npt.NDArray[np.object_]
    time: npt.NDArray[np.datetime64]
    value: npt.NDArray[np.float64]
    text: npt.NDArray[np.object_] | None = None
    quality: npt.NDArray[np.uint8] | None = None

    def __len__(self) -> int:
        return int(self.time.shape[0])


@dataclass(frozen=True, slots=True)
class Series:
    """The buckets of one series: arrays aligned on ``start`` (non-empty buckets only).

    ``values[agg]`` is float64 for numeric aggregates; for a text series only
    ``first``, ``last`` and ``count`` are defined (``text[agg]`` holds them).
    """

    key: SeriesKey
    start: npt.NDArray[np.datetime64]
    values: Mapping[Agg, npt.NDArray[np.float64]]
    text: Mapping[Agg, npt.NDArray[np.object_]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AsOf:
    """The last sample at or before a time, for many series at once (columns).

    Row ``i`` answers ``keys[i]`` of the call; ``found[i]`` is False where the
    series had no sample by then (its other columns are then NaN/NaT/None).
    """

    twin: npt.NDArray[np.object_]
    signal: npt.NDArray[np.object_]
    found: npt.NDArray[np.bool_]
    time: npt.NDArray[np.datetime64]
    value: npt.NDArray[np.float64]
    text: npt.NDArray[np.object_]
    quality: npt.NDArray[np.uint8]
    batch: npt.NDArray[np.object_]


@dataclass(frozen=True, slots=True)
class Event:
    """A business state transition of a twin (or of a feed twin).

    ``kind`` is one of ``mode``, ``fault``, ``lifecycle``, ``threshold``,
    ``feed``, ``structure``, ``model`` (stores accept any short name).
    ``code`` says which transition, e.g. ``RUNNING->FAULT`` or a fault code.
    (twin, kind, code, time) identifies an event: appending it again keeps one.
    """

    twin: str
    time: datetime
    kind: str
    code: str
    message: str = ""
    data: Mapping[str, JsonValue] = field(default_factory=dict)
    batch: str | None = None


class SourceKind(StrEnum):
    KAFKA = "kafka"
    MQTT = "mqtt"
    FILE = "file"
    SIMULATOR = "sim"
    API = "api"


@dataclass(frozen=True, slots=True)
class SourcePosition:
    """Where a batch's records came from in its source.

    Kafka: ``topic``, ``partition`` and the inclusive offset range
    ``first_offset``..``last_offset``. MQTT: ``topics``. File: ``path`` and the
    line (or record) range in ``first_offset``..``last_offset``.
    """

    kind: SourceKind
    topic: str | None = None
    partition: int | None = None
    first_offset: int | None = None
    last_offset: int | None = None
    topics: tuple[str, ...] = ()
    path: str | None = None


@dataclass(frozen=True, slots=True)
class Batch:
    """The unit of lineage: one fused ingest batch."""

    id: str
    sources: tuple[SourcePosition, ...]
    received_at: datetime
    pipeline_version: str
    model_versions: tuple[str, ...]
    """The DTMIs (with versions) the batch was checked against."""
    principal: str
    count_in: int
    accepted: int
    rejected: Mapping[str, int] = field(default_factory=dict)
    """Rejected samples by reason."""


@dataclass(frozen=True, slots=True)
class Reject:
    """A quarantined sample or record: where it came from and why it was refused."""

    batch: str
    feed: str
    reason: str
    time: datetime
    """When it was received."""
    source: SourcePosition
    offset: int | None = None
    """The record's own position (Kafka offset, file line) inside ``source``."""
    detail: str = ""
    """What exactly was wrong (names the key, the value and what was expected)."""
    raw: bytes = b""
    """The start of the raw record (stores keep at most MAX_RAW_BYTES)."""
    item: int | None = None
    """Which of the record's refusals this is: the refused sample's index among the samples
    decoded from the record, or -1, -2, ... for a codec's refusals in their order. With
    ``feed``, the place of ``source`` (kind, topic, partition, path) and ``offset`` it names
    the refused sample whatever batch it came in, so a store keeps one reject of it when two
    runs write it (a partition replayed or handed over cut into other batches; the later
    write wins). ``None`` (or no ``offset``): the reject is known by its batch and its
    position among the batch's rejects only; the ingest worker names the items of Kafka
    records only (other sources' positions count from 0 again in each process)."""


MAX_RAW_BYTES = 1024


@dataclass(frozen=True, slots=True)
class Retention:
    """How long each tier keeps data; ``None`` keeps it forever.

    The 1-minute and 1-hour tiers are maintained as batches commit, so they
    exist before any raw data expires.
    """

    raw: timedelta | None = timedelta(days=7)
    minute: timedelta | None = timedelta(days=90)
    hour: timedelta | None = None


def empty_samples() -> Samples:
    """A ``Samples`` with no rows."""
    none: Any = np.empty(0, dtype=object)
    return Samples(
        twin=none,
        signal=none,
        time=np.empty(0, dtype=TIME_DTYPE),
        value=np.empty(0, dtype=np.float64),
    )
