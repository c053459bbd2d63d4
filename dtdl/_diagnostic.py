"""One finding about a model set: what is wrong, where, and what to do."""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from typing import Literal

PREFIX = "dtmi:dtdl:parsingError:"
UNRESOLVED = "dtmi:dtdl:resolutionError:unresolvedIdentifier"
# warnings (the specification's recommendations) have no reference-parser code: our own ids
RECOMMENDATION = "dtmi:twinweave:recommendation:"

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Diagnostic:
    """A validation finding, identified by the reference parser's validation id."""

    validation_id: str
    primary_id: str | None
    secondary_id: str | None
    property: str | None
    value: str | None
    document: int | None
    line: int | None
    column: int | None
    cause: str
    action: str
    severity: Severity = "error"
    path: tuple[str | int, ...] = field(default=(), compare=False, repr=False)
    related_document: int | None = None
    """Where the element the finding relates to is (``duplicateDefinition``: the first
    definition): its document and line."""
    related_line: int | None = None

    @builtins.property
    def code(self) -> str:
        """The last segment of the validation id (``missingContext``)."""
        return self.validation_id.rsplit(":", 1)[-1]

    @builtins.property
    def message(self) -> str:
        return f"{self.cause} {self.action}"
