"""``MemoryStore``: the in-process ``GraphStore``, the embedded default.

Everything lives in Python dicts (twins, aliases, edges both ways, signals)
plus the hierarchy as an ``ontology.rollup.Topology`` (numpy arrays of the
``contains`` DAG, rebuilt lazily for traversal and rollups), numpy columns of
the signals rollups read (kept current by ``set_signals``) and of the values
rollups derived, turned into signal rows only when read (``_derived``). With a
``snapshot`` path it loads that file on start and writes it atomically on
``flush()`` and ``close()``, so a restart keeps
models, twins, edges, aliases, signals, rollup definitions and the audit trail.

Twins and edges handed out are immutable values (properties are read-only
mappings holding copies of what the caller gave). Thread-safe: every
operation runs under one lock.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import MappingProxyType

from ontology.graph._limits import require_audit_cursor, require_audit_since, require_page
from ontology.graph._values import CONTAINS, AuditRecord, Edge, Page
from ontology.graph.memory import _snapshot as snapshot_file
from ontology.graph.memory._graph import MemoryGraph
from ontology.graph.memory._many import MemoryManyReads
from ontology.graph.memory._signals import MemorySignals
from ontology.graph.memory._state import bulk
from ontology.graph.memory._twins import MemoryTwins
from ontology.rollup._engine import RollupEngine


class MemoryStore(MemoryTwins, MemoryGraph, MemorySignals, MemoryManyReads):
    """The in-process graph store; ``snapshot`` persists it across restarts."""

    def __init__(
        self,
        *,
        snapshot: Path | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(clock)
        self._engine = RollupEngine()
        self._masks = {}
        self._path = Path(snapshot) if snapshot is not None else None
        if self._path is not None and self._path.exists():
            self._load(self._path)

    def _load(self, path: Path) -> None:
        # about one object per hundred bytes: a large snapshot pauses the collector
        with bulk(path.stat().st_size // 100):
            self._load_snapshot(path)

    def _load_snapshot(self, path: Path) -> None:
        snap = snapshot_file.read(path)
        self._seq = snap.seq
        self._models = snap.models
        self._model_set = None
        for twin in snap.twins.values():
            self._replace_twin(None, twin)
        for source, name, target, props in snap.edges:
            if name == CONTAINS and not props:
                self._edges.put_contains(source, target)
            else:
                self._edges.put(Edge(source, name, target, MappingProxyType(dict(props))))
        self._signals = snap.signals
        self._rollups = snap.rollups
        self._audit = snap.audit
        self._invalidate()

    @property
    def snapshot_path(self) -> Path | None:
        return self._path

    def flush(self) -> None:
        """Write the snapshot (atomically); a no-op without a snapshot path."""
        if self._path is None:
            return
        with self._lock, bulk(len(self._twins) + len(self._audit)):
            self._derived.settle_all(self._signals, self._twins)
            snapshot_file.write(
                self._path,
                seq=self._seq,
                models=self._models.values(),
                twins=self._twins,
                edges=self._edges.rows(),
                signals=self._signals,
                rollups=self._rollups.values(),
                audit=self._audit,
            )

    def close(self) -> None:
        self.flush()

    # ------------------------------------------------------------------ audit
    def audit(
        self,
        *,
        key: str | None = None,
        since: datetime | None = None,
        first: int = 100,
        after: int | None = None,
    ) -> Page[AuditRecord]:
        require_page(first)
        require_audit_cursor(after)
        start = require_audit_since(since)
        with self._lock:
            entries = self._audit
            found: list[AuditRecord] = []
            more = False
            begin = after or 0
            if start is not None:  # entries are in write order, so their times ascend
                begin = max(begin, bisect_left(entries, start, key=_entry_time))
            for index in range(begin, len(entries)):
                entry = entries[index]
                at, principal, action, _, before, after_value = entry
                key_of_entry = snapshot_file.entry_key(entry)
                if key is not None and key_of_entry != key:
                    continue
                if len(found) == first:
                    more = True
                    break
                found.append(
                    AuditRecord(
                        seq=index + 1,
                        at=at,
                        principal=principal,
                        action=action,
                        key=key_of_entry,
                        before=snapshot_file.as_json(before),
                        after=snapshot_file.as_json(after_value),
                    )
                )
            cursor = str(found[-1].seq) if more else None
            return Page(items=tuple(found), next_cursor=cursor)


def _entry_time(entry: snapshot_file.AuditEntry) -> datetime:
    return entry[0]
