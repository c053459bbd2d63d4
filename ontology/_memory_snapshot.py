"""The in-process store's snapshot file: everything it holds, as one JSON document.

Written atomically (a temporary file beside it, flushed to disk, then renamed
over it), so a crash leaves the previous snapshot intact. Read back on start.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ontology._checks import edge_json, twin_json
from ontology._errors import InvalidError
from ontology._memory_rows import SignalRow, TwinRow, to_twin
from ontology._values import (
    CONTAINS,
    Aggregate,
    Alias,
    Edge,
    JsonValue,
    Lifecycle,
    Model,
    RollupSpec,
)

FORMAT = "twinweave-memory-store"
VERSION = 1

AuditEntry = tuple[datetime, str, str, str, object, object]
"""``(at, principal, action, key, before, after)``; before/after: a TwinRow, an Edge,
a ``(source, target)`` tuple (a plain contains edge) or JSON."""


@dataclass
class Snapshot:
    seq: int = 0
    models: dict[str, Model] = field(default_factory=dict)
    twins: dict[str, TwinRow] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    signals: dict[str, dict[str, SignalRow]] = field(default_factory=dict)
    rollups: dict[str, RollupSpec] = field(default_factory=dict)
    audit: list[AuditEntry] = field(default_factory=list)


def as_json(value: object) -> JsonValue:
    """An audit before/after value as JSON (twins and edges are kept as values until read)."""
    if isinstance(value, TwinRow):
        return twin_json(to_twin(value))
    if isinstance(value, Edge):
        return edge_json(value)
    if type(value) is tuple:  # a plain contains edge, kept as (source, target)
        source, target = value
        return edge_json(Edge(source, CONTAINS, target))
    return value  # type: ignore[return-value]


def write(
    path: Path,
    *,
    seq: int,
    models: Iterable[Model],
    twins: Iterable[TwinRow],
    edges: Iterable[Edge],
    signals: Mapping[str, Mapping[str, SignalRow]],
    rollups: Iterable[RollupSpec],
    audit: Iterable[AuditEntry],
) -> None:
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "seq": seq,
        "models": [[m.dtmi, m.text, m.uploaded_at.isoformat(), m.uploaded_by] for m in models],
        "twins": [
            [
                t.id,
                t.model,
                dict(t.properties),
                t.lifecycle.value,
                t.etag,
                [[a.namespace, a.value] for a in t.aliases],
                t.created_at.isoformat(),
                t.updated_at.isoformat(),
            ]
            for t in twins
        ],
        "edges": [[e.source, e.name, e.target, dict(e.properties)] for e in edges],
        "signals": {
            twin: {name: [v, t.isoformat(), b] for name, (v, t, b) in values.items()}
            for twin, values in signals.items()
        },
        "rollups": [
            [r.name, r.signal, r.aggregate.value, r.scope, r.of_model, r.on_model, r.weight]
            for r in rollups
        ],
        "audit": [
            [at.isoformat(), who, action, key, as_json(before), as_json(after)]
            for at, who, action, key, before, after in audit
        ],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as out:
        json.dump(doc, out, separators=(",", ":"), allow_nan=False)
        out.flush()
        os.fsync(out.fileno())
    tmp.replace(path)


def read(path: Path) -> Snapshot:
    try:
        with path.open(encoding="utf-8") as src:
            doc: dict[str, Any] = json.load(src)
    except (OSError, ValueError) as err:
        msg = f"snapshot {str(path)!r} cannot be read: {err}"
        raise InvalidError(msg) from err
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        msg = f"snapshot {str(path)!r} is not a {FORMAT} file"
        raise InvalidError(msg)
    if doc.get("version") != VERSION:
        msg = f"snapshot {str(path)!r} has version {doc.get('version')!r}; expected {VERSION}"
        raise InvalidError(msg)
    try:
        return _decode(doc)
    except (KeyError, TypeError, ValueError) as err:
        msg = f"snapshot {str(path)!r} is damaged: {err!r}"
        raise InvalidError(msg) from err


def _decode(doc: dict[str, Any]) -> Snapshot:
    when = datetime.fromisoformat
    snap = Snapshot(seq=int(doc["seq"]))
    for dtmi, text, at, by in doc["models"]:
        snap.models[dtmi] = Model(dtmi=dtmi, text=text, uploaded_at=when(at), uploaded_by=by)
    for tid, model, props, life, etag, aliases, created, updated in doc["twins"]:
        snap.twins[tid] = TwinRow(
            tid,
            model,
            props,
            Lifecycle(life),
            etag,
            tuple(Alias(ns, value) for ns, value in aliases),
            when(created),
            when(updated),
        )
    snap.edges = [Edge(s, n, t, MappingProxyType(p)) for s, n, t, p in doc["edges"]]
    for twin, values in doc["signals"].items():
        snap.signals[twin] = {name: (v, when(t), b) for name, (v, t, b) in values.items()}
    for name, signal, agg, scope, of_model, on_model, weight in doc["rollups"]:
        snap.rollups[name] = RollupSpec(
            name=name,
            signal=signal,
            aggregate=Aggregate(agg),
            scope=scope,
            of_model=of_model,
            on_model=on_model,
            weight=weight,
        )
    snap.audit = [
        (when(at), who, action, key, before, after)
        for at, who, action, key, before, after in doc["audit"]
    ]
    return snap
