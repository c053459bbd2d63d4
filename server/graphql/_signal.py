"""``Signal`` (a live value with its unit and lineage handle) and ``Rollup``."""

from __future__ import annotations

import functools
from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from ontology.history import Quality


@strawberry.type(description="A signal's current value on a twin.")
class Signal:
    name: str
    value: JSON | None
    unit: str | None = strawberry.field(description="From the model's Telemetry or Property.")
    time: datetime
    quality: str | None = strawberry.field(
        description="GOOD, UNCERTAIN, BAD or STALE when known; the graph store keeps none yet."
    )
    batch: str | None = strawberry.field(
        description="The ingest batch (or rollup run) that wrote it: the lineage handle."
    )


@strawberry.type(description="A declared aggregate of a signal over a twin's contributors.")
class Rollup:
    name: str
    signal: str
    aggregate: str
    scope: str
    value: float | None
    time: datetime | None
    batch: str | None
    recomputed: bool = strawberry.field(
        description="True when recomputed over the inputs the caller may see."
    )


@functools.lru_cache(maxsize=64)
def quality_name(code: int | None) -> str | None:
    """A quality code's name (``Signal.quality``), looked up once per code, not an enum
    made per value."""
    return Quality(code).name if code is not None else None
