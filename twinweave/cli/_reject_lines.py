"""A refused record told on stderr: where it is in its source, what was wrong and how it
starts (``twinweave ingest`` prints the first few of a run; history keeps up to
``ingest.worker.MAX_REJECTS_KEPT`` of each reason a batch, and the batch counts them all)."""

from __future__ import annotations

from ontology.history import Reject, SourceKind, SourcePosition

MAX_TOLD = 10
"""Rejects a run tells one by one; the rest are counted (progress lines, the summary)."""
START_CHARS = 80
"""How much of the record's start a line shows."""


def place(source: SourcePosition, offset: int | None) -> str:
    """``feed.ndjson line 7``, ``topic t partition 0 offset 12``, ``mqtt message 3``."""
    if source.kind == SourceKind.FILE and source.path is not None:
        return f"{source.path} line {offset}" if offset is not None else source.path
    if source.kind == SourceKind.KAFKA and source.topic is not None:
        where = f"{source.topic} partition {source.partition}"
        return f"{where} offset {offset}" if offset is not None else where
    return f"{source.kind} record {offset}" if offset is not None else str(source.kind)


def reject_line(reject: Reject) -> str:
    """One line: the place, the reason, the detail (what was wrong and what was expected)
    and the record's start."""
    text = reject.raw.decode("utf-8", errors="replace")
    start = text[:START_CHARS] + ("..." if len(text) > START_CHARS else "")
    told = f"{place(reject.source, reject.offset)}: {reject.reason}: {reject.detail}"
    return f"{told}; the record starts {start!r}" if start else told
