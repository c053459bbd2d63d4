"""What a load did: counts per kind, and every rejected row with file, line and reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class RowRejection:
    """One input row (or model document) that was refused, and why."""

    file: str
    line: int | None
    """1-based line of the row in ``file``; ``None`` when the format has no lines."""
    reason: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Counts:
    """Outcome of one kind of write (models, twins, edges, lifecycle moves)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.created + other.created,
            self.updated + other.updated,
            self.unchanged + other.unchanged,
            self.rejected + other.rejected,
        )

    def as_json(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
        }


@dataclass(frozen=True, slots=True)
class LoadReport:
    """The result of :func:`loaders.load_paths`.

    ``rows`` counts input rows (CSV records, hierarchy entries, NDJSON lines of
    twins and relationships) and model documents; a row is rejected when any
    part of it was refused (its twin, one of its edges or aliases), and
    ``rejections`` says which part and why. With ``dry_run`` nothing was
    written and the counts say what would have been.
    """

    files: tuple[str, ...]
    rows: int
    models: Counts = Counts()
    twins: Counts = Counts()
    edges: Counts = Counts()
    aliases: int = 0
    """Aliases attached to twins by this load (new ones only)."""
    rejections: tuple[RowRejection, ...] = ()
    dry_run: bool = False
    notes: tuple[str, ...] = field(default=())

    @property
    def rejected_rows(self) -> int:
        return len({(r.file, r.line) for r in self.rejections})

    @property
    def accepted_rows(self) -> int:
        return self.rows - self.rejected_rows

    @property
    def ok(self) -> bool:
        return not self.rejections

    def as_json(self) -> dict[str, Any]:
        return {
            "files": list(self.files),
            "dry_run": self.dry_run,
            "rows": self.rows,
            "accepted_rows": self.accepted_rows,
            "rejected_rows": self.rejected_rows,
            "models": self.models.as_json(),
            "twins": self.twins.as_json(),
            "edges": self.edges.as_json(),
            "aliases_added": self.aliases,
            "rejections": [
                {"file": r.file, "line": r.line, "reason": r.reason} for r in self.rejections
            ],
            "notes": list(self.notes),
        }

    def as_text(self) -> str:
        verb = "would load" if self.dry_run else "loaded"
        lines = [
            f"{verb} {len(self.files)} file(s): {self.rows} row(s), "
            f"{self.accepted_rows} accepted, {self.rejected_rows} rejected",
        ]
        for name, counts in (("models", self.models), ("twins", self.twins), ("edges", self.edges)):
            lines.append(
                f"  {name + ':':8} {counts.created} created, {counts.updated} updated, "
                f"{counts.unchanged} unchanged, {counts.rejected} rejected"
            )
        lines.append(f"  aliases: {self.aliases} added")
        lines.extend(f"  note: {note}" for note in self.notes)
        if self.rejections:
            lines.append("rejected:")
            lines.extend(f"  {r}" for r in self.rejections)
        return "\n".join(lines)
