"""The stores each implementation writes to, behind the GraphStore and HistoryStore contracts.

``embedded``: an in-process ``MemoryStore`` and an in-memory DuckDB history,
one pair per implementation. ``neo4j+questdb``: the real servers, each
implementation in its own Neo4j label namespace and QuestDB table prefix (so
they never see each other's writes), dropped after the run.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from ontology import GraphStore, MemoryStore, Neo4jStore, Neo4jStoreSettings, SignalUpdate
from ontology.history import (
    TIME_DTYPE,
    Batch,
    DuckDBHistoryStore,
    HistoryStore,
    QuestDBHistorySettings,
    QuestDBHistoryStore,
    Samples,
)

KINDS = ("embedded", "neo4j+questdb")


@dataclass(frozen=True, slots=True)
class StoreSpec:
    """Which stores, and where: passed to the peer processes as JSON."""

    kind: str = "embedded"
    neo4j_uri: str = "bolt://127.0.0.1:17687"
    namespace: str = "bench"
    questdb_host: str = "127.0.0.1"
    questdb_http: int = 19000
    questdb_pg: int = 18812
    prefix: str = "bench"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "neo4j_uri": self.neo4j_uri,
            "namespace": self.namespace,
            "questdb_host": self.questdb_host,
            "questdb_http": self.questdb_http,
            "questdb_pg": self.questdb_pg,
            "prefix": self.prefix,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> StoreSpec:
        return cls(**doc)

    def neo4j(self) -> Neo4jStoreSettings:
        return Neo4jStoreSettings(uri=self.neo4j_uri, namespace=self.namespace)

    def questdb(self) -> QuestDBHistorySettings:
        return QuestDBHistorySettings(
            host=self.questdb_host,
            http_port=self.questdb_http,
            pg_port=self.questdb_pg,
            prefix=self.prefix,
        )

    def renamed(self, name: str) -> StoreSpec:
        """The same servers, a namespace and prefix of ``name``'s own."""
        return StoreSpec(
            self.kind,
            self.neo4j_uri,
            f"{self.namespace}_{name}",
            self.questdb_host,
            self.questdb_http,
            self.questdb_pg,
            f"{self.prefix}_{name}",
        )


class CountingNeo4jStore(Neo4jStore):
    """The Neo4j store, remembering how many (twin, signal) keys each ``set_signals`` wrote.

    One ``set_signals`` call is one Neo4j write transaction (the keys go in
    ``UNWIND`` statements of ``batch_size`` rows).
    """

    def __init__(self, settings: Neo4jStoreSettings) -> None:
        super().__init__(settings)
        self.calls: list[tuple[int, int]] = []
        """``(keys passed, distinct keys)`` of each call."""

    def set_signals(
        self,
        updates: Sequence[SignalUpdate],
        *,
        before_commit: Callable[[], None] | None = None,
    ) -> None:
        self.calls.append((len(updates), len({(u.twin, u.signal) for u in updates})))
        super().set_signals(updates, before_commit=before_commit)


def open_stores(spec: StoreSpec) -> tuple[GraphStore, HistoryStore]:
    if spec.kind == "embedded":
        return MemoryStore(), DuckDBHistoryStore()
    graph = CountingNeo4jStore(spec.neo4j())
    try:
        history = QuestDBHistoryStore(spec.questdb())
    except BaseException:
        graph.close()
        raise
    return graph, history


def moment(ms: int) -> datetime:
    """Milliseconds since the epoch as an aware UTC datetime, exactly."""
    return datetime.fromtimestamp(ms // 1000, UTC).replace(microsecond=ms % 1000 * 1000)


def append_one(
    history: HistoryStore, twin: str, signal: str, ms: int, value: float, *, who: str
) -> None:
    """The per-event agents' ``history_store.append(asset.id, ev)``: one sample, its own
    lineage record (``who`` names the agent in it)."""
    samples = Samples(
        twin=np.array([twin], dtype=object),
        signal=np.array([signal], dtype=object),
        time=np.array([ms * 1000], dtype=np.int64).view(TIME_DTYPE),
        value=np.array([value]),
    )
    batch = Batch(
        id=uuid.uuid4().hex,
        sources=(),
        received_at=moment(ms),
        pipeline_version=who,
        model_versions=(),
        principal=who,
        count_in=1,
        accepted=1,
    )
    history.write_batch(batch, samples)
