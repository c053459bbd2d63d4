"""``twinweave dtdl validate --each-file``: every file its own model set, in one process.

This is how the public IoT Plug and Play model repository checks a model: the file
on its own, with what it references fetched from the repository by the DTMI-path
convention (``dtmi:com:example:Foo;1`` is ``dtmi/com/example/foo-1.json``). Two
versions of one model in the same folder are then no duplicate definition.

One resolver serves every file: the repository index is built at most once and a
dependency shared by many files is read once. A finding in a dependency is reported
once, not again for every file that pulls the dependency in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import dtdl
from twinweave.cli._dtdl_files import InputError, Progress, read
from twinweave.cli._dtdl_findings import (
    Finding,
    from_diagnostic,
    tool_finding,
    undecodable_finding,
)
from twinweave.cli._dtdl_resolver import DirectoryResolver

OptionsFor = Callable[[DirectoryResolver | None, list[Path]], dtdl.ParseOptions]
"""ParseOptions for one set: its resolver, and the files given (named in messages)."""


@dataclass
class EachFileResult:
    """Findings of all files, and how many files were invalid on their own."""

    findings: list[Finding] = field(default_factory=list)
    invalid_files: int = 0
    documents: list[Path] = field(default_factory=list)
    """Every file a finding may name: the files validated, then dependencies."""


def validate_each(
    paths: Sequence[Path],
    resolver: DirectoryResolver | None,
    options_for: OptionsFor,
    *,
    progress: Progress | None = None,
    hint: Callable[[Finding], Finding] = lambda f: f,
) -> EachFileResult:
    """Validate each of ``paths`` as its own model set, resolving from ``resolver``."""
    result = EachFileResult(documents=list(paths))
    known = set(paths)
    reported: set[tuple[Path | None, int | None, int | None, str, str | None]] = set()
    for index, path in enumerate(paths, start=1):
        invalid = False
        try:
            source = read(path)
        except InputError as exc:
            result.findings.append(tool_finding(path, "unreadableFile", str(exc), "Fix the file."))
            source = None
        if source is not None and source.text is None:
            result.findings.append(undecodable_finding(source))
        if source is None or source.text is None:
            result.invalid_files += 1
            continue
        if resolver is not None:
            resolver.begin(exclude=[path])
        diagnostics = dtdl.validate([source.text], options=options_for(resolver, [path]))
        documents = [path, *(resolver.paths if resolver is not None else [])]
        for diagnostic in diagnostics:
            finding = hint(from_diagnostic(diagnostic, documents))
            invalid = invalid or finding.severity == "error"
            key = (finding.path, finding.line, finding.column, finding.code, finding.primary_id)
            if key in reported:
                continue  # a dependency's finding, already reported with another file
            reported.add(key)
            if finding.path is not None and finding.path not in known:
                known.add(finding.path)
                result.documents.append(finding.path)
            result.findings.append(finding)
        result.invalid_files += invalid
        done = index % progress.every == 0 or index == len(paths) if progress else False
        if progress is not None and done and len(paths) >= progress.every:
            progress.say(
                f"validated {index}/{len(paths)} files one by one, {result.invalid_files} invalid"
            )
    return result
