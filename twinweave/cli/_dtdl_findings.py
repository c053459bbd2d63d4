"""Findings: ``dtdl`` diagnostics tied to the file they are about, ready to print."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import dtdl
from twinweave.cli._dtdl_files import SourceFile

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem in a model set, located in a file when the diagnostic says where."""

    path: Path | None
    line: int | None
    column: int | None
    severity: Severity
    code: str
    validation_id: str
    primary_id: str | None
    secondary_id: str | None
    property: str | None
    value: str | None
    cause: str
    action: str

    @builtins.property  # the field `property` shadows the builtin in the class body
    def message(self) -> str:
        """Cause and action, naming the element when the cause does not already."""
        text = f"{self.cause} {self.action}".strip()
        if self.primary_id and self.primary_id not in text:
            text = f"{text} (element {self.primary_id})"
        return text


def code_of(validation_id: str) -> str:
    """The last segment of a validation id: ``dtmi:dtdl:parsingError:x`` -> ``x``."""
    return validation_id.rsplit(":", 1)[-1]


def from_diagnostic(diagnostic: dtdl.Diagnostic, paths: Sequence[Path]) -> Finding:
    """A finding for ``diagnostic``; ``paths[i]`` is the file of document ``i``."""
    document = diagnostic.document
    path = paths[document] if document is not None and 0 <= document < len(paths) else None
    return Finding(
        path=path,
        line=diagnostic.line,
        column=diagnostic.column,
        severity=diagnostic.severity,
        code=code_of(diagnostic.validation_id),
        validation_id=diagnostic.validation_id,
        primary_id=diagnostic.primary_id,
        secondary_id=diagnostic.secondary_id,
        property=diagnostic.property,
        value=diagnostic.value,
        cause=diagnostic.cause,
        action=diagnostic.action,
    )


def tool_finding(
    path: Path | None,
    code: str,
    cause: str,
    action: str,
    *,
    line: int | None = None,
    column: int | None = None,
    severity: Severity = "error",
) -> Finding:
    """A finding raised by the command itself (a file that is not UTF-8, ...)."""
    return Finding(
        path=path,
        line=line,
        column=column,
        severity=severity,
        code=code,
        validation_id=f"dtmi:twinweave:inputError:{code}",
        primary_id=None,
        secondary_id=None,
        property=None,
        value=None,
        cause=cause,
        action=action,
    )


def sort_key(finding: Finding, order: dict[Path, int]) -> tuple[int, int, int, str]:
    """Files in the order given, then line and column; set-wide findings last."""
    rank = order.get(finding.path, len(order)) if finding.path is not None else len(order) + 1
    return (rank, finding.line or 0, finding.column or 0, finding.code)


def undecodable_finding(source: SourceFile) -> Finding:
    """The finding for a file that is not UTF-8, naming the line and byte."""
    bad = source.undecodable
    assert bad is not None
    return tool_finding(
        source.path,
        "invalidEncoding",
        f"The file is not UTF-8 text: byte 0x{bad.byte:02x} at line {bad.line}, "
        f"byte {bad.column} cannot be decoded.",
        "Save the file as UTF-8 (JSON texts must be UTF-8).",
        line=bad.line,
        column=bad.column,
    )
