"""The nouns of the knowledge graph as typed, immutable values.

See "The nouns" in ARCHITECTURE.md. Stores take and return these; nothing here
does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Generic, Literal, TypeVar

JsonValue = None | bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"]

T = TypeVar("T")
"""The item type of a :class:`Page`."""

CONTAINS = "contains"
"""The relationship name of hierarchy edges; they form a DAG."""

SYSTEM_PRINCIPAL = "system"


class Lifecycle(StrEnum):
    """Where a twin is in its life: provisioned -> active -> passive -> retired."""

    PROVISIONED = "provisioned"
    ACTIVE = "active"
    PASSIVE = "passive"
    RETIRED = "retired"


LIFECYCLE_TRANSITIONS: Mapping[Lifecycle, frozenset[Lifecycle]] = {
    Lifecycle.PROVISIONED: frozenset({Lifecycle.ACTIVE, Lifecycle.RETIRED}),
    Lifecycle.ACTIVE: frozenset({Lifecycle.PASSIVE, Lifecycle.RETIRED}),
    Lifecycle.PASSIVE: frozenset({Lifecycle.ACTIVE, Lifecycle.RETIRED}),
    Lifecycle.RETIRED: frozenset(),
}
"""The explicit lifecycle operations allowed from each state."""


@dataclass(frozen=True, slots=True)
class Alias:
    """Another system's name for a twin, unique per namespace: ``("erp", "EQ-10023")``."""

    namespace: str
    value: str


@dataclass(frozen=True, slots=True)
class Model:
    """One uploaded version of a DTDL Interface; versions are kept, never edited in place."""

    dtmi: str
    text: str
    """The JSON text of the document that defined it (the whole document)."""
    uploaded_at: datetime
    uploaded_by: str


@dataclass(frozen=True, slots=True)
class TwinSpec:
    """What a caller gives to create or upsert a twin."""

    id: str
    model: str
    properties: Mapping[str, JsonValue] = field(default_factory=dict)
    aliases: tuple[Alias, ...] = ()
    lifecycle: Lifecycle = Lifecycle.PROVISIONED


@dataclass(frozen=True, slots=True)
class Twin:
    """One asset as the graph store holds it now."""

    id: str
    model: str
    properties: Mapping[str, JsonValue]
    lifecycle: Lifecycle
    etag: str
    """Changes on every write; pass it back for optimistic concurrency."""
    aliases: tuple[Alias, ...]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Edge:
    """A relationship instance ``source -[name]-> target``; ``contains`` edges form the DAG."""

    source: str
    name: str
    target: str
    properties: Mapping[str, JsonValue] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SignalUpdate:
    """A new value of a twin's signal (telemetry, property or derived)."""

    twin: str
    signal: str
    value: JsonValue
    time: datetime
    batch: str | None = None
    """The ingest batch (or rollup run) that wrote it: the lineage handle."""


@dataclass(frozen=True, slots=True)
class SignalValue:
    """A signal's current value on a twin."""

    value: JsonValue
    time: datetime
    batch: str | None


@dataclass(frozen=True, slots=True)
class ChildPage:
    """A twin's children (every id) and one page of them with their records and live
    signals (``GraphStore.children_with_signals``)."""

    twin: Twin
    """The parent itself."""
    children: tuple[str, ...]
    """Every child's id, in id order."""
    page: tuple[tuple[Twin, Mapping[str, SignalValue]], ...]
    """The children after the cursor, at most ``first``, in id order, each with its live
    signals (as ``GraphStore.twins_with_signals``)."""


class Aggregate(StrEnum):
    SUM = "sum"
    MIN = "min"
    MAX = "max"
    MEAN = "mean"
    WEIGHTED_MEAN = "weighted_mean"
    COUNT = "count"


@dataclass(frozen=True, slots=True)
class RollupSpec:
    """A declared aggregate of a signal over each twin's descendants or children.

    ``name`` is the derived signal written on every twin of ``on_model`` (or on
    every twin with at least one contributing node when ``on_model`` is None);
    contributing nodes are the twin's descendants (``scope="descendants"``,
    each distinct node once, however many paths reach it) or its children,
    restricted to twins of ``of_model`` (or models extending it) when given.
    ``weight`` names the weight signal of a weighted mean.
    """

    name: str
    signal: str
    aggregate: Aggregate
    scope: Literal["descendants", "children"] = "descendants"
    of_model: str | None = None
    on_model: str | None = None
    weight: str | None = None


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """Who changed which model, twin, edge, alias or lifecycle, when, before and after."""

    seq: int
    at: datetime
    principal: str
    action: str
    """e.g. ``twin.create``, ``twin.update``, ``twin.lifecycle``, ``edge.add``, ``model.add``."""
    key: str
    """The entity's identity: twin id, DTMI, or ``source -[name]-> target``."""
    before: JsonValue
    after: JsonValue


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a listing; pass ``next_cursor`` as ``after`` for the next one."""

    items: tuple[T, ...]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class Rejection:
    """An input item a bulk operation refused, with the reason."""

    key: str
    reason: str


@dataclass(frozen=True, slots=True)
class BulkResult:
    """The outcome of an idempotent bulk write."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: tuple[Rejection, ...] = ()
