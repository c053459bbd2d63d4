"""The in-process store's snapshot file: everything it holds, as one JSON document.

Written atomically (a temporary file beside it, flushed to disk, then renamed
over it), so a crash leaves the previous snapshot intact. Read back on start.

Format (version 2): ``{"format", "version", "seq", "models", "twins", "edges",
"signals", "rollups", "audit"}``, rows as arrays. An audit before/after value is
tagged: ``["r", id]`` the twin as it is now, ``["t", row]`` an older twin row,
``["e", edge]``, ``["c", [source, target]]`` a plain contains edge, ``["j", json]``.
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

from ontology._errors import InvalidError, StoreUnavailableError
from ontology.graph._audit import edge_json, twin_json
from ontology.graph._values import (
    CONTAINS,
    Aggregate,
    Alias,
    Edge,
    JsonValue,
    Lifecycle,
    Model,
    RollupSpec,
)
from ontology.graph.memory._rows import SignalRow, TwinRow

FORMAT = "twinweave-memory-store"
VERSION = 2

EdgeRow = tuple[str, str, str, Mapping[str, JsonValue]]
"""``(source, name, target, properties)``."""

AuditEntry = tuple[datetime, str, str, str | None, object, object]
"""``(at, principal, action, key, before, after)``; before/after: a TwinRow, an Edge,
a ``(source, target)`` tuple (a plain contains edge) or JSON. The key is None for a
plain contains edge: ``entry_key`` derives it."""


def entry_key(entry: AuditEntry) -> str:
    key = entry[3]
    if key is not None:
        return key
    pair = entry[5] if type(entry[5]) is tuple else entry[4]
    if type(pair) is not tuple or len(pair) != 2:
        msg = f"audit entry {entry[2]!r} has no key"
        raise ValueError(msg)
    return f"{pair[0]} -[{CONTAINS}]-> {pair[1]}"


@dataclass
class Snapshot:
    seq: int = 0
    models: dict[str, Model] = field(default_factory=dict)
    twins: dict[str, TwinRow] = field(default_factory=dict)
    edges: list[EdgeRow] = field(default_factory=list)
    signals: dict[str, dict[str, SignalRow]] = field(default_factory=dict)
    rollups: dict[str, RollupSpec] = field(default_factory=dict)
    audit: list[AuditEntry] = field(default_factory=list)


def as_json(value: object) -> JsonValue:
    """An audit before/after value as JSON (twins and edges are kept as values until read)."""
    if isinstance(value, TwinRow):
        return twin_json(value)
    if isinstance(value, Edge):
        return edge_json(value)
    if type(value) is tuple:  # a plain contains edge, kept as (source, target)
        source, target = value
        return edge_json(Edge(source, CONTAINS, target))
    return value  # type: ignore[return-value]


class _Times:
    """ISO texts of datetimes and back, each distinct value converted once (a batch shares one)."""

    def __init__(self) -> None:
        self._texts: dict[int, str] = {}  # by identity: hashing an aware datetime is slow
        self._keep: list[datetime] = []  # keeps every keyed object alive, so ids stay unique
        self._times: dict[str, datetime] = {}

    def text(self, at: datetime) -> str:
        found = self._texts.get(id(at))
        if found is None:
            found = self._texts[id(at)] = at.isoformat()
            self._keep.append(at)
        return found

    def time(self, text: str) -> datetime:
        found = self._times.get(text)
        if found is None:
            found = self._times[text] = datetime.fromisoformat(text)
        return found


def _twin_doc(t: TwinRow, times: _Times) -> list[Any]:
    return [
        t.id,
        t.model,
        t.properties,
        t.lifecycle.value,
        t.etag,
        [[a.namespace, a.value] for a in t.aliases],
        times.text(t.created_at),
        times.text(t.updated_at),
    ]


def _twin_row(doc: list[Any], times: _Times) -> TwinRow:
    tid, model, props, life, etag, aliases, created, updated = doc
    if not isinstance(props, dict):
        msg = f"twin {tid!r}: properties are not an object"
        raise TypeError(msg)
    return TwinRow(
        tid,
        model,
        props,
        Lifecycle(life),
        etag,
        tuple(Alias(ns, value) for ns, value in aliases),
        times.time(created),
        times.time(updated),
    )


def _audit_doc(value: object, twins: Mapping[str, TwinRow], times: _Times) -> list[Any]:
    """A before/after value tagged with how it is kept: twin row, edge, contains pair, JSON.

    A twin row that is still the twin's current one is written as a reference ("r").
    """
    if isinstance(value, TwinRow):
        if twins.get(value.id) is value:
            return ["r", value.id]
        return ["t", _twin_doc(value, times)]
    if isinstance(value, Edge):
        return ["e", [value.source, value.name, value.target, dict(value.properties)]]
    if type(value) is tuple:
        return ["c", list(value)]
    return ["j", value]


def _audit_value(doc: list[Any], twins: Mapping[str, TwinRow], times: _Times) -> object:
    kind, value = doc
    if kind == "r":
        return twins[value]
    if kind == "t":
        return _twin_row(value, times)
    if kind == "e":
        source, name, target, props = value
        return Edge(source, name, target, MappingProxyType(props))
    if kind == "c":
        return (value[0], value[1])
    if kind == "j":
        return value
    msg = f"audit value kind {kind!r}"
    raise ValueError(msg)


def write(
    path: Path,
    *,
    seq: int,
    models: Iterable[Model],
    twins: Mapping[str, TwinRow],
    edges: Iterable[EdgeRow],
    signals: Mapping[str, Mapping[str, SignalRow]],
    rollups: Iterable[RollupSpec],
    audit: Iterable[AuditEntry],
) -> None:
    times = _Times()
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "seq": seq,
        "models": [[m.dtmi, m.text, times.text(m.uploaded_at), m.uploaded_by] for m in models],
        "twins": [_twin_doc(t, times) for t in twins.values()],
        "edges": [[s, n, t, dict(p)] for s, n, t, p in edges],
        "signals": {
            twin: {name: [v, times.text(t), b] for name, (v, t, b) in values.items()}
            for twin, values in signals.items()
        },
        "rollups": [
            [r.name, r.signal, r.aggregate.value, r.scope, r.of_model, r.on_model, r.weight]
            for r in rollups
        ],
        "audit": [
            [
                times.text(entry[0]),
                entry[1],
                entry[2],
                entry_key(entry),
                _audit_doc(entry[4], twins, times),
                _audit_doc(entry[5], twins, times),
            ]
            for entry in audit
        ],
    }
    text = json.dumps(doc, separators=(",", ":"), allow_nan=False)  # the C encoder: fast
    tmp = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        tmp.replace(path)
    except OSError as err:
        msg = f"snapshot {str(path)!r} cannot be written: {err}; the previous one is kept"
        raise StoreUnavailableError(msg) from err


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
    times = _Times()
    when = times.time
    snap = Snapshot(seq=int(doc["seq"]))
    for dtmi, text, at, by in doc["models"]:
        snap.models[dtmi] = Model(dtmi=dtmi, text=text, uploaded_at=when(at), uploaded_by=by)
    for item in doc["twins"]:
        row = _twin_row(item, times)
        snap.twins[row.id] = row
    snap.edges = [(s, n, t, p) for s, n, t, p in doc["edges"]]
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
    twins = snap.twins
    snap.audit = [
        (
            when(at),
            who,
            action,
            key,
            _audit_value(before, twins, times),
            _audit_value(after, twins, times),
        )
        for at, who, action, key, before, after in doc["audit"]
    ]
    return snap
