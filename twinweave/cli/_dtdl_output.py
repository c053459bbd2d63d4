"""Printing findings as text lines, JSON, or SARIF 2.1.0 for code-scanning tools."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twinweave._version import __version__
from twinweave.cli._dtdl_findings import Finding

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
DTDL_HELP_URI = "https://aka.ms/dtdl"


@dataclass(frozen=True, slots=True)
class Summary:
    errors: int
    warnings: int
    files: int
    invalid_files: int | None = None
    """With ``--each-file``: how many files were invalid on their own."""

    @classmethod
    def of(
        cls, findings: Sequence[Finding], files: int, invalid_files: int | None = None
    ) -> Summary:
        errors = sum(1 for f in findings if f.severity == "error")
        return cls(
            errors=errors,
            warnings=len(findings) - errors,
            files=files,
            invalid_files=invalid_files,
        )

    def __str__(self) -> str:
        def count(n: int, word: str) -> str:
            return f"{n} {word}" if n == 1 else f"{n} {word}s"

        text = (
            f"{count(self.errors, 'error')}, {count(self.warnings, 'warning')} "
            f"in {count(self.files, 'file')}"
        )
        if self.invalid_files is not None:
            text += f", each validated on its own: {self.invalid_files} invalid"
        return text


def where(finding: Finding) -> str:
    """``file:line:col`` (as much of it as is known); empty for set-wide findings."""
    if finding.path is None:
        return ""
    parts = [str(finding.path)]
    if finding.line is not None:
        parts.append(str(finding.line))
        if finding.column is not None:
            parts.append(str(finding.column))
    return ":".join(parts)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def one_line(text: str) -> str:
    """``text`` with control characters escaped, so each finding stays on one line."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def text_line(finding: Finding) -> str:
    """``file:line:col: error[code]: message`` (always a single line)."""
    place = where(finding)
    head = f"{place}: " if place else ""
    return one_line(f"{head}{finding.severity}[{finding.code}]: {finding.message}")


def render_text(findings: Sequence[Finding], summary: Summary) -> str:
    lines = [text_line(f) for f in findings]
    lines.append(str(summary))
    return "\n".join(lines) + "\n"


def _as_json(finding: Finding) -> dict[str, Any]:
    return {
        "file": None if finding.path is None else str(finding.path),
        "line": finding.line,
        "column": finding.column,
        "severity": finding.severity,
        "code": finding.code,
        "validation_id": finding.validation_id,
        "primary_id": finding.primary_id,
        "secondary_id": finding.secondary_id,
        "property": finding.property,
        "value": finding.value,
        "cause": finding.cause,
        "action": finding.action,
        "message": finding.message,
    }


def render_json(findings: Sequence[Finding], summary: Summary, *, failed: bool) -> str:
    document = {
        "valid": not failed,
        "files": summary.files,
        "errors": summary.errors,
        "warnings": summary.warnings,
        "diagnostics": [_as_json(f) for f in findings],
    }
    if summary.invalid_files is not None:
        document["invalid_files"] = summary.invalid_files
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def artifact_uri(path: Path) -> str:
    """A relative URI (forward slashes) for files under the working directory."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.resolve().as_uri()


def _describe(code: str) -> str:
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", code).lower()
    return f"DTDL {words}" if words else "DTDL problem"


def _sarif_result(finding: Finding, rule_index: int, fallback: Path | None) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": finding.severity,
        "message": {"text": finding.message},
    }
    location: dict[str, Any] = {}
    # Code scanning refuses results without a file, so a finding about the whole set is
    # filed under the set's first file (without a region).
    path = finding.path if finding.path is not None else fallback
    if path is not None:
        physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(path)}}
        if finding.path is not None and finding.line is not None:
            region = {"startLine": finding.line}
            if finding.column is not None:
                region["startColumn"] = finding.column
            physical["region"] = region
        location["physicalLocation"] = physical
    if finding.primary_id is not None:
        location["logicalLocations"] = [
            {"fullyQualifiedName": finding.primary_id, "kind": "element"}
        ]
    if location:
        result["locations"] = [location]
    return result


def render_sarif(findings: Sequence[Finding], fallback: Path | None = None) -> str:
    """A SARIF 2.1.0 log; ``fallback`` is the file for findings that name none."""
    rules: list[dict[str, Any]] = []
    rule_index: dict[str, int] = {}
    for finding in findings:
        if finding.code not in rule_index:
            rule_index[finding.code] = len(rules)
            rules.append(
                {
                    "id": finding.code,
                    "name": finding.code,
                    "shortDescription": {"text": _describe(finding.code)},
                    "helpUri": DTDL_HELP_URI,
                    "properties": {"validationId": finding.validation_id},
                }
            )
    document = {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "twinweave",
                        "version": __version__,
                        "rules": rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": [_sarif_result(f, rule_index[f.code], fallback) for f in findings],
            }
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
