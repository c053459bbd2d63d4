"""Identity: the names a source used -> worker twin indexes, through the graph store's aliases.

Names are resolved a table at a time (one ``get_twins`` and one
``resolve_aliases`` call per namespace for all names not cached), never per
sample. Answers are cached for ``ttl_s`` seconds, unknown names included, so a
twin created (or retired) later is seen within that time.
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from ingest.pipeline._config import Pipeline
from ingest.pipeline._state import TwinTable
from ontology import GraphStore, Lifecycle

UNKNOWN = -1
DEFAULT_TTL_S = 60.0
MAX_CACHED = 1_000_000


class Identity:
    """Resolves raw twin names for one pipeline against one graph store."""

    def __init__(
        self,
        store: GraphStore,
        pipeline: Pipeline,
        twins: TwinTable,
        *,
        ttl_s: float = DEFAULT_TTL_S,
        clock: Callable[[], float] = _time.monotonic,
    ) -> None:
        self._store = store
        self._pipeline = pipeline
        self._twins = twins
        self._ttl = ttl_s
        self._clock = clock
        self._cache: dict[str, tuple[int, float]] = {}
        self._models: dict[int, str] = {}
        self._pending_models: dict[str, str] = {}

    def resolve(self, names: Sequence[str]) -> tuple[npt.NDArray[np.int32], list[int]]:
        """Each name's twin index (``UNKNOWN`` if none), and the twins met for the first time."""
        now = self._clock()
        out = np.full(len(names), UNKNOWN, dtype=np.int32)
        missing: list[int] = []
        for i, name in enumerate(names):
            hit = self._cache.get(name)
            if hit is not None and hit[1] > now:
                out[i] = hit[0]
            else:
                missing.append(i)
        if not missing:
            return out, []
        if len(self._cache) + len(missing) > MAX_CACHED:
            self._cache.clear()
        first_seen: list[int] = []
        found = self._lookup([names[i] for i in missing])
        for i, (twin_id, retired) in zip(missing, found, strict=True):
            index = UNKNOWN
            if twin_id is not None:
                known = self._twins.get(twin_id)
                index = self._twins.add(twin_id, retired=retired)
                if twin_id in self._pending_models:
                    self._models[index] = self._pending_models[twin_id]
                if known is None:
                    first_seen.append(index)
            self._cache[names[i]] = (index, now + self._ttl)
            out[i] = index
        return out, first_seen

    def models(self, twins: Sequence[int]) -> tuple[str, ...]:
        """The distinct model DTMIs of these twin indexes (a batch's lineage)."""
        return tuple(sorted({self._models[t] for t in twins if t in self._models}))

    def _lookup(self, names: list[str]) -> list[tuple[str | None, bool]]:
        """(twin id, retired) for each name: as a twin id first, then per alias namespace."""
        result: list[tuple[str | None, bool]] = [(None, False)] * len(names)
        models: dict[str, str] = {}
        pending = list(range(len(names)))
        if self._pipeline.twin_ids:
            twins = self._store.get_twins(names)
            still = []
            for i, twin in zip(pending, twins, strict=True):
                if twin is None:
                    still.append(i)
                else:
                    result[i] = (twin.id, twin.lifecycle == Lifecycle.RETIRED)
                    models[twin.id] = twin.model
            pending = still
        for namespace in self._pipeline.namespaces:
            if not pending:
                break
            ids = self._store.resolve_aliases(namespace, [names[i] for i in pending])
            hits = [(i, twin_id) for i, twin_id in zip(pending, ids, strict=True) if twin_id]
            twins = self._store.get_twins([twin_id for _, twin_id in hits])
            for (i, twin_id), twin in zip(hits, twins, strict=True):
                retired = twin is not None and twin.lifecycle == Lifecycle.RETIRED
                result[i] = (twin_id, retired)
                if twin is not None:
                    models[twin_id] = twin.model
            resolved = {i for i, _ in hits}
            pending = [i for i in pending if i not in resolved]
        self._pending_models = models
        return result
