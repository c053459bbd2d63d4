"""The rows every reader produces: one shape whatever the file format."""

from __future__ import annotations

from dataclasses import dataclass, field

from loaders._report import RowRejection
from ontology import Alias, JsonValue, Lifecycle


@dataclass(frozen=True, slots=True)
class Where:
    """Where a row came from: file and 1-based line (``None`` when unknown)."""

    file: str
    line: int | None

    def reject(self, reason: str) -> RowRejection:
        return RowRejection(self.file, self.line, reason)

    def __str__(self) -> str:
        return self.file if self.line is None else f"{self.file}:{self.line}"


@dataclass(frozen=True, slots=True)
class Link:
    """An edge a twin row declares: a parent (``incoming``) or an outgoing relationship."""

    name: str
    other: str
    """The twin id at the other end."""
    incoming: bool
    properties: dict[str, JsonValue] = field(default_factory=dict)


@dataclass(slots=True)
class TwinRow:
    """One twin as a file describes it; ``id`` is ``None`` when only aliases name it."""

    where: Where
    id: str | None
    model: str | None
    properties: dict[str, object]
    """JSON values, or (with ``textual``) the raw CSV strings, coerced by the model."""
    aliases: tuple[Alias, ...] = ()
    links: tuple[Link, ...] = ()
    lifecycle: Lifecycle | None = None
    textual: bool = False


@dataclass(frozen=True, slots=True)
class EdgeRow:
    """One relationship line of its own (the ADT import ``Relationships`` section)."""

    where: Where
    source: str
    name: str
    target: str
    properties: dict[str, JsonValue]


@dataclass(frozen=True, slots=True)
class ModelDoc:
    """One DTDL document (a file, or one line of an ADT ``Models`` section)."""

    where: Where
    text: str


@dataclass(slots=True)
class Parsed:
    """Everything read from the inputs, before any store is consulted."""

    twins: list[TwinRow] = field(default_factory=list)
    edges: list[EdgeRow] = field(default_factory=list)
    models: list[ModelDoc] = field(default_factory=list)
    rejections: list[RowRejection] = field(default_factory=list)
    rows: int = 0
    files: list[str] = field(default_factory=list)

    def extend(self, other: Parsed) -> None:
        self.twins.extend(other.twins)
        self.edges.extend(other.edges)
        self.models.extend(other.models)
        self.rejections.extend(other.rejections)
        self.rows += other.rows
        self.files.extend(other.files)
