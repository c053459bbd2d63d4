"""Per-request DataLoaders: every store read of a query level goes out as one batch.

Each loader's batch function makes one worker-thread hop. Reads the
``GraphStore`` contract offers for many keys (``get_twins``, ``twins_exist``, ``list_models``,
``children_of``, ``parents_of``, ``signals_of``, ``twins_with_signals``,
``edges_from_many``, ``edges_to_many``, the authorizer's decisions) cost one
store call per batch (per ``MAX_READ_IDS`` keys), so a query's store calls do
not grow with its result; a twin with a page of its children and their signals
is one call (``children_with_signals``).

Authorization happens here, below every field: a twin the principal may not
read is ``None`` from ``twin``, and is dropped from ``children``, ``parents``
and from both ends of relationship lists before any resolver sees it.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TypeVar

from strawberry.dataloader import DataLoader

import dtdl
import ontology
from ontology.access import Action, AllowAll, Authorizer, Principal
from server.graphql._shared_exists import ROUND_IDS, SharedExists
from server.graphql._shared_live import LIVE_ROUND_IDS, SharedLive
from server.graphql._threads import in_thread, inline, read_store
from server.graphql._units import units_of

_ALL = "*"
T = TypeVar("T")
DIRECT_DECISIONS = 256
"""Lists longer than this are authorized in one call, outside the per-key loader."""
TREE_READ_LIMIT = ontology.MAX_READ_IDS
"""The most twins one ``children_below`` call reads; deeper levels are read when reached."""


def _in_chunks(read: Callable[[Sequence[str]], Sequence[T]], twin_ids: Sequence[str]) -> list[T]:
    """``read`` (a many-twin store read) over ``twin_ids``, ``MAX_READ_IDS`` at a time."""
    out: list[T] = []
    for start in range(0, len(twin_ids), ontology.MAX_READ_IDS):
        out.extend(read(twin_ids[start : start + ontology.MAX_READ_IDS]))
    return out


def _with_model_set(
    store: ontology.GraphStore, twin_ids: Sequence[str]
) -> tuple[list[tuple[ontology.Twin, Mapping[str, ontology.SignalValue]] | None], dtdl.ModelSet]:
    """``twins_with_signals`` of ``twin_ids`` and the parsed models, in one worker-thread
    hop: the models come from the store's cache, bar a recheck of their version now and
    then (``Neo4jStoreSettings.model_recheck_ms``), so a second hop to read them beside
    the twins would cost a thread wake-up each way for nothing."""
    return _in_chunks(store.twins_with_signals, twin_ids), store.model_set()


def _child_page_with_model_set(
    store: ontology.GraphStore, twin_id: str, first: int, after: str | None
) -> tuple[ontology.ChildPage | None, dtdl.ModelSet]:
    """``children_with_signals`` and the parsed models in one worker-thread hop (as
    :func:`_with_model_set`)."""
    return store.children_with_signals(twin_id, first=first, after=after), store.model_set()


_LOADERS = (
    "visible",
    "twin",
    "exists",
    "children",
    "parents",
    "signals",
    "edges_out",
    "edges_in",
    "model",
    "_all_models",
    "_model_set",
    "_rollups",
    "_trees",
)
"""The DataLoader properties of :class:`Loaders` (``release`` drops them)."""


class Loaders:
    """The DataLoaders of one request (created per request: their caches are the request's)."""

    def __init__(
        self,
        store: ontology.GraphStore,
        authorizer: Authorizer,
        principal: Principal,
        shared_exists: SharedExists | None = None,
        shared_live: SharedLive | None = None,
    ) -> None:
        self._store = store
        self._shared_exists = shared_exists
        """The server's existence reads shared with concurrent requests (``None``: alone)."""
        self._shared_live = shared_live
        """The server's live-state reads shared with concurrent requests (``None``: alone)."""
        self._authorizer = authorizer
        self._principal = principal
        self.known_children: dict[str, tuple[str, ...]] = {}
        """Visible children of twins, read ahead (``children_tree``): no await needed."""
        self.known_signals: dict[str, Mapping[str, ontology.SignalValue]] = {}
        """Live signals of twins, read ahead for a page (``twins_with_signals``)."""
        self.known_twins: dict[str, ontology.Twin] = {}
        """Records of twins read ahead with their live signals (``child_page``)."""
        self.known_model_set: dtdl.ModelSet | None = None
        self._units: dict[str, dict[str, str]] = {}

    # Each DataLoader is made when first asked for: a request uses two or three of the
    # thirteen, and making one (its cache, its batch state) costs about as much CPU as
    # a field resolving. ``release`` forgets them.
    @functools.cached_property
    def visible(self) -> DataLoader[str, bool]:
        return DataLoader(self._visible)

    @functools.cached_property
    def twin(self) -> DataLoader[str, ontology.Twin | None]:
        return DataLoader(self._twins)

    @functools.cached_property
    def exists(self) -> DataLoader[str, bool]:
        """Whether a twin exists and the principal may read it, its record not read."""
        return DataLoader(self._exists)

    @functools.cached_property
    def children(self) -> DataLoader[str, tuple[str, ...]]:
        return DataLoader(self._children)

    @functools.cached_property
    def parents(self) -> DataLoader[str, tuple[str, ...]]:
        return DataLoader(self._parents)

    @functools.cached_property
    def signals(self) -> DataLoader[str, Mapping[str, ontology.SignalValue]]:
        return DataLoader(self._signals)

    @functools.cached_property
    def edges_out(self) -> DataLoader[str, tuple[ontology.Edge, ...]]:
        return DataLoader(self._edges_out)

    @functools.cached_property
    def edges_in(self) -> DataLoader[str, tuple[ontology.Edge, ...]]:
        return DataLoader(self._edges_in)

    @functools.cached_property
    def model(self) -> DataLoader[str, ontology.Model | None]:
        return DataLoader(self._models)

    @functools.cached_property
    def _all_models(self) -> DataLoader[str, tuple[ontology.Model, ...]]:
        return DataLoader(self._list_models)

    @functools.cached_property
    def _model_set(self) -> DataLoader[str, dtdl.ModelSet]:
        loader = DataLoader(self._model_sets)
        if self.known_model_set is not None:  # read beside the twins: as if loaded
            loader.prime(_ALL, self.known_model_set)
        return loader

    @functools.cached_property
    def _rollups(self) -> DataLoader[str, tuple[ontology.RollupSpec, ...]]:
        return DataLoader(self._rollup_specs)

    @functools.cached_property
    def _trees(self) -> DataLoader[tuple[str, int], tuple[str, ...]]:
        return DataLoader(self._read_trees)

    def release(self) -> None:
        """Forget the request's DataLoaders (its answer is sent).

        Each DataLoader's batch function is a method of this object, a reference
        cycle refcounting cannot free: under concurrent requests such cycles
        outlived the young collections and piled up for full ones (tens of ms of
        pause each, measured). Dropped here, they are freed at once; a later use
        (a task still running) makes a fresh one.
        """
        for name in _LOADERS:
            self.__dict__.pop(name, None)

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
        if not twin_ids or not self.restricted:  # the default policy: nothing to drop
            return list(twin_ids)
        if len(twin_ids) > DIRECT_DECISIONS:
            decisions = await self._visible(twin_ids)
        else:
            decisions = await self.visible.load_many(twin_ids)
        return [t for t, ok in zip(twin_ids, decisions, strict=True) if ok]

    # -------------------------------------------------------------------- twins
    async def _twins(self, twin_ids: Sequence[str]) -> list[ontology.Twin | None]:
        allowed = await self.only_visible(twin_ids)
        found = (
            await read_store(self._store, _in_chunks, self._store.get_twins, allowed)
            if allowed
            else []
        )
        by_id = {t.id: t for t in found if t is not None}
        return [by_id.get(t) for t in twin_ids]

    async def _exists(self, twin_ids: Sequence[str]) -> list[bool]:
        found = set(await self.existing(twin_ids))
        return [t in found for t in twin_ids]

    async def _children(self, twin_ids: Sequence[str]) -> list[tuple[str, ...]]:
        raw = await read_store(self._store, _in_chunks, self._store.children_of, list(twin_ids))
        return await self._filtered(raw)

    async def twins_many(self, twin_ids: Sequence[str]) -> list[ontology.Twin | None]:
        """``twin.load_many``; a long list (a page) in one batch of its own, without a
        loader key (a future and a task wake-up) per twin."""
        if len(twin_ids) > DIRECT_DECISIONS:
            return await self._twins(twin_ids)
        return await self.twin.load_many(list(twin_ids))

    async def existing(self, twin_ids: Sequence[str]) -> list[str]:
        """The ids of ``twin_ids`` that the principal may read and that exist, order kept:
        their existence asked of the store (``GraphStore.twins_exist``, one call per
        ``MAX_READ_IDS``), no record read (a listing of ids, e.g. ``signalsAt``'s). A list
        of up to ``ROUND_IDS`` goes in a call shared with concurrent requests'
        (:class:`SharedExists`: requests asking for the same list share one)."""
        allowed = await self.only_visible(twin_ids)
        if not allowed:
            return []
        shared = self._shared_exists
        if shared is not None and len(allowed) <= ROUND_IDS:
            there = await shared.found(allowed)
            return [t for t in allowed if t in there]
        found = await read_store(self._store, _in_chunks, self._store.twins_exist, allowed)
        return [t for t, there in zip(allowed, found, strict=True) if there]

    async def exists_one(self, twin_id: str) -> bool:
        """Whether ``twin_id`` exists and the principal may read it: under the policy that
        hides nothing, straight from the call shared with concurrent requests (no
        DataLoader round of its own); else through :attr:`exists`."""
        shared = self._shared_exists
        if shared is None or self.restricted:
            return await self.exists.load(twin_id)
        (there,) = await shared.exist((twin_id,))
        return there

    async def children_tree(self, twin_id: str, levels: int) -> tuple[str, ...]:
        """The visible children of ``twin_id``, reading ``levels`` levels of children below
        it at once (``GraphStore.children_below``, one call per batch and depth): every
        twin read gets its visible children into :attr:`known_children`."""
        return await self._trees.load((twin_id, levels))

    async def _read_trees(self, keys: Sequence[tuple[str, int]]) -> list[tuple[str, ...]]:
        by_depth: dict[int, list[str]] = {}
        for twin_id, levels in keys:
            by_depth.setdefault(levels, []).append(twin_id)
        raw: dict[str, tuple[str, ...]] = {}
        for levels, twin_ids in by_depth.items():
            for start in range(0, len(twin_ids), ontology.MAX_READ_IDS):
                chunk = twin_ids[start : start + ontology.MAX_READ_IDS]
                raw.update(await self._read_tree(chunk, levels))
        visible = await self._filtered(list(raw.values()))
        self.known_children.update(zip(raw, visible, strict=True))
        return [self.known_children.get(twin_id, ()) for twin_id, _ in keys]

    async def _read_tree(self, twin_ids: list[str], levels: int) -> dict[str, tuple[str, ...]]:
        read = self._store.children_below
        return dict(await read_store(self._store, read, twin_ids, levels, limit=TREE_READ_LIMIT))

    async def _parents(self, twin_ids: Sequence[str]) -> list[tuple[str, ...]]:
        raw = await read_store(self._store, _in_chunks, self._store.parents_of, list(twin_ids))
        return await self._filtered(raw)

    async def _filtered(self, lists: Sequence[Sequence[str]]) -> list[tuple[str, ...]]:
        if not self.restricted:  # the default policy hides nothing: no sets to build
            return [tuple(ids) for ids in lists]
        union = sorted({t for ids in lists for t in ids})
        ok = set(await self.only_visible(union))
        return [tuple(sorted(t for t in ids if t in ok)) for ids in lists]

    async def _signals(self, twin_ids: Sequence[str]) -> list[Mapping[str, ontology.SignalValue]]:
        return await read_store(self._store, _in_chunks, self._store.signals_of, list(twin_ids))

    async def twins_with_signals(self, twin_ids: Sequence[str]) -> list[ontology.Twin | None]:
        """The records of a page of twins and their live signals, one store call per
        ``MAX_READ_IDS`` (``GraphStore.twins_with_signals``) beside the parsed models:
        each twin's ``signals`` then answers from :attr:`known_signals`.

        Only for the allow-everything policy (nothing to hide, so no decisions to
        ask first); a restricted principal reads through :meth:`twins_many`."""
        if self.restricted:
            msg = "twins_with_signals reads without authorization: the default policy only"
            raise RuntimeError(msg)
        known, signals = self.known_twins, self.known_signals
        if self.known_model_set is not None and all(
            t in known and t in signals for t in twin_ids
        ):  # read ahead with their parent's children (child_page): no store call
            return [known[t] for t in twin_ids]
        shared = self._shared_live
        if shared is not None and twin_ids and len(twin_ids) <= LIVE_ROUND_IDS:
            found, model_set = await shared.read(twin_ids)  # with concurrent requests'
        else:
            found, model_set = await read_store(
                self._store, _with_model_set, self._store, list(twin_ids)
            )
        if inline(self._store):
            return self._kept(found, model_set)
        self._model_set.prime(_ALL, model_set)  # as if loaded: later asks get this one
        return self._kept(found, await self.model_set())

    def twins_with_signals_now(self, twin_ids: Sequence[str]) -> list[ontology.Twin | None] | None:
        """:meth:`twins_with_signals` without an await, when the store's reads run inline
        and the policy hides nothing (``None`` otherwise: await that one)."""
        if self.restricted or not inline(self._store):
            return None
        return self._kept(*_with_model_set(self._store, list(twin_ids)))

    def _kept(
        self,
        found: Sequence[tuple[ontology.Twin, Mapping[str, ontology.SignalValue]] | None],
        model_set: dtdl.ModelSet,
    ) -> list[ontology.Twin | None]:
        """The twins of ``found``, their signals and ``model_set`` kept for their fields."""
        if "_model_set" in self.__dict__:  # already made: later asks get this one
            self._model_set.prime(_ALL, model_set)
        self.known_model_set = model_set
        out: list[ontology.Twin | None] = []
        for pair in found:
            if pair is None:
                out.append(None)
            else:
                self.known_signals[pair[0].id] = pair[1]
                out.append(pair[0])
        return out

    async def child_page(self, twin_id: str, first: int, after: str | None) -> ontology.Twin | None:
        """The record of ``twin_id`` with its children, and the page of them after ``after``
        (at most ``first``) with their records and live signals, in one store call
        (``GraphStore.children_with_signals``) beside the parsed models: its ``children``
        then answer from :attr:`known_children`, and the page's twins and their
        ``signals`` from :attr:`known_twins` and :attr:`known_signals`.

        Only for the allow-everything policy, as :meth:`twins_with_signals`."""
        if self.restricted:
            msg = "child_page reads without authorization: the default policy only"
            raise RuntimeError(msg)
        found, model_set = await read_store(
            self._store, _child_page_with_model_set, self._store, twin_id, first, after
        )
        self._model_set.prime(_ALL, model_set)
        self.known_model_set = model_set if inline(self._store) else await self.model_set()
        if found is None:
            return None
        self.known_children[twin_id] = found.children
        for twin, signals in found.page:
            self.known_twins[twin.id] = twin
            self.known_signals[twin.id] = signals
        return found.twin

    def units(self, model_set: dtdl.ModelSet, dtmi: str) -> dict[str, str]:
        """Each signal's unit, by name, of the model ``dtmi`` (worked out once per request)."""
        found = self._units.get(dtmi)
        if found is None:
            found = self._units[dtmi] = units_of(model_set, dtmi)
        return found

    async def _edges_out(self, twin_ids: Sequence[str]) -> list[tuple[ontology.Edge, ...]]:
        raw = await read_store(self._store, _in_chunks, self._store.edges_from_many, list(twin_ids))
        return await self._edges_visible(raw)

    async def _edges_in(self, twin_ids: Sequence[str]) -> list[tuple[ontology.Edge, ...]]:
        raw = await read_store(self._store, _in_chunks, self._store.edges_to_many, list(twin_ids))
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
        models = await read_store(self._store, self._store.list_models)
        return [models for _ in keys]

    async def model_set(self) -> dtdl.ModelSet:
        """Every model parsed together (one store call per request)."""
        return await self._model_set.load(_ALL)

    def model_set_soon(self) -> Awaitable[dtdl.ModelSet]:
        """:meth:`model_set` already on its way: await it after other loads of the same level,
        so its store call runs beside theirs instead of after them."""
        return self._model_set.load(_ALL)

    async def _model_sets(self, keys: Sequence[str]) -> list[dtdl.ModelSet]:
        model_set = await read_store(self._store, self._store.model_set)
        return [model_set for _ in keys]

    async def rollup_specs(self) -> tuple[ontology.RollupSpec, ...]:
        """The declared rollups (one store call per request)."""
        return await self._rollups.load(_ALL)

    async def _rollup_specs(self, keys: Sequence[str]) -> list[tuple[ontology.RollupSpec, ...]]:
        specs = await read_store(self._store, self._store.rollups)
        return [specs for _ in keys]
