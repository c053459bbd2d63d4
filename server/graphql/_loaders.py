"""Per-request DataLoaders: every store read of a query level goes out as one batch.

Each loader's batch function makes one worker-thread hop. Reads the
``GraphStore`` contract offers for many keys (``get_twins``, ``list_models``,
the authorizer's decisions) cost one store call per batch; reads it offers
only per twin (``children``, ``parents``, ``get_signals``, ``edges_from``,
``edges_to``) cost one call per twin of the batch, inside that one hop.

Authorization happens here, below every field: a twin the principal may not
read is ``None`` from ``twin``, and is dropped from ``children``, ``parents``
and from both ends of relationship lists before any resolver sees it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from strawberry.dataloader import DataLoader

import dtdl
import ontology
from ontology.access import Action, AllowAll, Authorizer, Principal
from server.graphql._threads import in_thread

_ALL = "*"
DIRECT_DECISIONS = 256
"""Lists longer than this are authorized in one call, outside the per-key loader."""


def _all_children(store: ontology.GraphStore, twin_ids: Sequence[str]) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for twin_id in twin_ids:
        ids: list[str] = []
        after: str | None = None
        while True:
            try:
                page = store.children(twin_id, first=ontology.MAX_PAGE, after=after)
            except ontology.NotFoundError:
                break
            ids.extend(page.items)
            after = page.next_cursor
            if after is None:
                break
        out.append(tuple(ids))
    return out


def _each_parents(store: ontology.GraphStore, twin_ids: Sequence[str]) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for twin_id in twin_ids:
        try:
            out.append(store.parents(twin_id))
        except ontology.NotFoundError:
            out.append(())
    return out


def _each_signals(
    store: ontology.GraphStore, twin_ids: Sequence[str]
) -> list[Mapping[str, ontology.SignalValue]]:
    out: list[Mapping[str, ontology.SignalValue]] = []
    for twin_id in twin_ids:
        try:
            out.append(store.get_signals(twin_id))
        except ontology.NotFoundError:
            out.append({})
    return out


def _each_edges(
    store: ontology.GraphStore, twin_ids: Sequence[str], *, outgoing: bool
) -> list[tuple[ontology.Edge, ...]]:
    read = store.edges_from if outgoing else store.edges_to
    out: list[tuple[ontology.Edge, ...]] = []
    for twin_id in twin_ids:
        try:
            out.append(read(twin_id))
        except ontology.NotFoundError:
            out.append(())
    return out


def _twins_in_chunks(
    store: ontology.GraphStore, twin_ids: Sequence[str]
) -> list[ontology.Twin | None]:
    out: list[ontology.Twin | None] = []
    for start in range(0, len(twin_ids), ontology.MAX_PAGE):
        out.extend(store.get_twins(twin_ids[start : start + ontology.MAX_PAGE]))
    return out


class Loaders:
    """The DataLoaders of one request (created per request: their caches are the request's)."""

    def __init__(
        self, store: ontology.GraphStore, authorizer: Authorizer, principal: Principal
    ) -> None:
        self._store = store
        self._authorizer = authorizer
        self._principal = principal
        self.visible: DataLoader[str, bool] = DataLoader(self._visible)
        self.twin: DataLoader[str, ontology.Twin | None] = DataLoader(self._twins)
        self.children: DataLoader[str, tuple[str, ...]] = DataLoader(self._children)
        self.parents: DataLoader[str, tuple[str, ...]] = DataLoader(self._parents)
        self.signals: DataLoader[str, Mapping[str, ontology.SignalValue]] = DataLoader(
            self._signals
        )
        self.edges_out: DataLoader[str, tuple[ontology.Edge, ...]] = DataLoader(self._edges_out)
        self.edges_in: DataLoader[str, tuple[ontology.Edge, ...]] = DataLoader(self._edges_in)
        self.model: DataLoader[str, ontology.Model | None] = DataLoader(self._models)
        self._all_models: DataLoader[str, tuple[ontology.Model, ...]] = DataLoader(
            self._list_models
        )
        self._model_set: DataLoader[str, dtdl.ModelSet] = DataLoader(self._model_sets)
        self._rollups: DataLoader[str, tuple[ontology.RollupSpec, ...]] = DataLoader(
            self._rollup_specs
        )

    @property
    def restricted(self) -> bool:
        """False when the authorizer is the allow-everything default (nothing to hide)."""
        return not isinstance(self._authorizer, AllowAll)

    # ------------------------------------------------------------ authorization
    async def _visible(self, twin_ids: Sequence[str]) -> list[bool]:
        if not self.restricted:  # the default policy decides without I/O: no thread hop
            return [True] * len(twin_ids)
        decisions = await in_thread(
            self._authorizer.allowed, self._principal, Action.READ, list(twin_ids)
        )
        if len(decisions) != len(twin_ids):
            msg = f"the authorizer answered {len(decisions)} decisions for {len(twin_ids)} twins"
            raise RuntimeError(msg)
        return [bool(d) for d in decisions]

    async def only_visible(self, twin_ids: Sequence[str]) -> list[str]:
        """``twin_ids`` without the ones the principal may not read, order kept.

        Long lists (a traversal, a listing) go to the authorizer in one call of
        their own rather than key by key through the loader.
        """
        if not twin_ids:
            return []
        if len(twin_ids) > DIRECT_DECISIONS:
            decisions = await self._visible(twin_ids)
        else:
            decisions = await self.visible.load_many(twin_ids)
        return [t for t, ok in zip(twin_ids, decisions, strict=True) if ok]

    # -------------------------------------------------------------------- twins
    async def _twins(self, twin_ids: Sequence[str]) -> list[ontology.Twin | None]:
        allowed = await self.only_visible(twin_ids)
        found = await in_thread(_twins_in_chunks, self._store, allowed) if allowed else []
        by_id = {t.id: t for t in found if t is not None}
        return [by_id.get(t) for t in twin_ids]

    async def _children(self, twin_ids: Sequence[str]) -> list[tuple[str, ...]]:
        raw = await in_thread(_all_children, self._store, list(twin_ids))
        return await self._filtered(raw)

    async def _parents(self, twin_ids: Sequence[str]) -> list[tuple[str, ...]]:
        raw = await in_thread(_each_parents, self._store, list(twin_ids))
        return await self._filtered(raw)

    async def _filtered(self, lists: Sequence[Sequence[str]]) -> list[tuple[str, ...]]:
        union = sorted({t for ids in lists for t in ids})
        ok = set(await self.only_visible(union))
        return [tuple(sorted(t for t in ids if t in ok)) for ids in lists]

    async def _signals(self, twin_ids: Sequence[str]) -> list[Mapping[str, ontology.SignalValue]]:
        return await in_thread(_each_signals, self._store, list(twin_ids))

    async def _edges_out(self, twin_ids: Sequence[str]) -> list[tuple[ontology.Edge, ...]]:
        raw = await in_thread(_each_edges, self._store, list(twin_ids), outgoing=True)
        return await self._edges_visible(raw)

    async def _edges_in(self, twin_ids: Sequence[str]) -> list[tuple[ontology.Edge, ...]]:
        raw = await in_thread(_each_edges, self._store, list(twin_ids), outgoing=False)
        return await self._edges_visible(raw)

    async def _edges_visible(
        self, lists: Sequence[Sequence[ontology.Edge]]
    ) -> list[tuple[ontology.Edge, ...]]:
        ends = sorted({t for edges in lists for e in edges for t in (e.source, e.target)})
        ok = set(await self.only_visible(ends))
        return [tuple(e for e in edges if e.source in ok and e.target in ok) for edges in lists]

    # ------------------------------------------------------------------- models
    async def _models(self, dtmis: Sequence[str]) -> list[ontology.Model | None]:
        held = {m.dtmi: m for m in await self.all_models()}
        return [held.get(d) for d in dtmis]

    async def all_models(self) -> tuple[ontology.Model, ...]:
        """Every model held (one store call per request)."""
        return await self._all_models.load(_ALL)

    async def _list_models(self, keys: Sequence[str]) -> list[tuple[ontology.Model, ...]]:
        models = await in_thread(self._store.list_models)
        return [models for _ in keys]

    async def model_set(self) -> dtdl.ModelSet:
        """Every model parsed together (one store call per request)."""
        return await self._model_set.load(_ALL)

    async def _model_sets(self, keys: Sequence[str]) -> list[dtdl.ModelSet]:
        model_set = await in_thread(self._store.model_set)
        return [model_set for _ in keys]

    async def rollup_specs(self) -> tuple[ontology.RollupSpec, ...]:
        """The declared rollups (one store call per request)."""
        return await self._rollups.load(_ALL)

    async def _rollup_specs(self, keys: Sequence[str]) -> list[tuple[ontology.RollupSpec, ...]]:
        specs = await in_thread(self._store.rollups)
        return [specs for _ in keys]
