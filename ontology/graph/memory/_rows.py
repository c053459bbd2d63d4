"""How the in-process store keeps a twin: a light row, turned into a ``Twin`` when read.

Bulk loads write hundreds of thousands of twins; a tuple row costs a fraction
of a frozen dataclass and a read-only view per twin, so those are built only
for the twins a caller actually reads.
"""

from __future__ import annotations

from datetime import datetime
from types import MappingProxyType
from typing import NamedTuple

from ontology.graph._values import Alias, JsonValue, Lifecycle, SignalValue, Twin

SignalRow = tuple[JsonValue, datetime, str | None]
"""A signal's current ``(value, time, batch)``; a ``SignalValue`` when read."""

NAN = float("nan")


class TwinRow(NamedTuple):
    id: str
    model: str
    properties: dict[str, JsonValue]
    """Owned by the store: a copy of what the caller gave, never changed in place."""
    lifecycle: Lifecycle
    etag: str
    aliases: tuple[Alias, ...]
    created_at: datetime
    updated_at: datetime


def to_twin(row: TwinRow) -> Twin:
    return Twin(
        id=row.id,
        model=row.model,
        properties=MappingProxyType(row.properties),
        lifecycle=row.lifecycle,
        etag=row.etag,
        aliases=row.aliases,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def to_signal(row: SignalRow) -> SignalValue:
    return SignalValue(value=row[0], time=row[1], batch=row[2])


def as_float(value: object) -> float:
    """A signal value as a rollup input: numbers as they are, anything else NaN."""
    if type(value) is float or type(value) is int:
        return float(value)
    return NAN
