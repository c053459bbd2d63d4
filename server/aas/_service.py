"""What the routes ask: twins as shells and submodels, checked with the Authorizer.

Every read asks the ``Authorizer`` which twins the principal may see; a twin
it may not see is a 404 exactly like an unknown id, and is left out of pages,
relationship targets and hierarchy nodes. Store calls are synchronous; the
routes run them in a worker thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from aas_core3_1 import jsonization

import aas
from ontology import MAX_PAGE, GraphStore, OntologyError
from ontology.access import Action, AllowAll, Authorizer, Principal
from server.aas._errors import ApiError

Json = Any
MAX_CHUNK = 200
"""Twins read from the store per step of a listing."""
MODEL_CHECK_S = 2.0
"""How long a built mapper is trusted before the store's model list is compared again."""


@dataclass(frozen=True, slots=True)
class AasApiSettings:
    """Settings of the AAS HTTP API."""

    mapping: aas.AasSettings = field(default_factory=aas.AasSettings)
    max_scan: int = 10_000
    """Twins one listing request looks at, at most (hidden ones count); then it returns a cursor."""
    max_serialization: int = 10_000
    """Twins ``/serialization`` writes at most when no ids are given."""


@dataclass(frozen=True, slots=True)
class Page:
    items: list[Json]
    cursor: list[object] | None


ItemsOf = Callable[[aas.TwinMapper, aas.TwinView], list[Json]]


class AasService:
    def __init__(
        self,
        store: GraphStore,
        settings: AasApiSettings | None = None,
        authorizer: Authorizer | None = None,
    ) -> None:
        self.store = store
        self.settings = settings or AasApiSettings()
        self.authorizer: Authorizer = authorizer or AllowAll()
        self.ids = aas.IdScheme(self.settings.mapping)
        self._reader = aas.TwinReader(store, self.ids)
        self._lock = threading.Lock()
        self._mapper: aas.TwinMapper | None = None
        self._models: tuple[str, ...] = ()
        self._checked = 0.0

    # ---------------------------------------------------------------- helpers
    def mapper(self) -> aas.TwinMapper:
        """The mapper of the store's current model set (rebuilt when models change)."""
        now = time.monotonic()
        with self._lock:
            if self._mapper is not None and now - self._checked < MODEL_CHECK_S:
                return self._mapper
            models = tuple(sorted(m.dtmi for m in self.store.list_models()))
            if self._mapper is None or models != self._models:
                self._mapper = aas.TwinMapper(self.store.model_set(), self.settings.mapping)
                self._models = models
            self._checked = now
            return self._mapper

    def visible(self, principal: Principal) -> aas.Visible:
        def check(ids: Sequence[str]) -> Sequence[bool]:
            return self.authorizer.allowed(principal, Action.READ, ids) if ids else ()

        return check

    def view(self, principal: Principal, twin_id: str, what: str, given: str) -> aas.TwinView:
        if not self.visible(principal)([twin_id])[0]:
            raise ApiError(404, f"no {what} with id {given[:300]!r}")
        view = self._reader.views([twin_id], self.visible(principal))[0]
        if view is None:
            raise ApiError(404, f"no {what} with id {given[:300]!r}")
        return view

    # ---------------------------------------------------------------- objects
    def shell(self, principal: Principal, shell_id: str) -> Json:
        twin_id = self.ids.twin_of_shell(shell_id)
        if twin_id is None:
            raise ApiError(404, f"no shell with id {shell_id[:300]!r}")
        view = self.view(principal, twin_id, "shell", shell_id)
        return jsonization.to_jsonable(self.mapper().shell(view))

    def submodel(self, principal: Principal, submodel_id: str) -> Json:
        parsed = self.ids.twin_of_submodel(submodel_id)
        if parsed is None:
            raise ApiError(404, f"no submodel with id {submodel_id[:300]!r}")
        twin_id, key = parsed
        view = self.view(principal, twin_id, "submodel", submodel_id)
        mapper = self.mapper()
        if key not in mapper.submodel_keys(view):
            raise ApiError(404, f"no submodel with id {submodel_id[:300]!r}")
        return mapper.submodel_jsonable(view, key)

    def submodel_of_shell(self, principal: Principal, shell_id: str, submodel_id: str) -> Json:
        """The submodel if the shell lists it (its keys checked; the shell itself is not built)."""
        twin_id = self.ids.twin_of_shell(shell_id)
        if twin_id is None:
            raise ApiError(404, f"no shell with id {shell_id[:300]!r}")
        view = self.view(principal, twin_id, "shell", shell_id)
        mapper = self.mapper()
        keys = mapper.submodel_keys(view)
        listed = {self.ids.submodel(twin_id, key): key for key in keys}
        key = listed.get(submodel_id)
        if key is None:
            raise ApiError(404, f"shell {shell_id[:300]!r} has no submodel {submodel_id[:300]!r}")
        return mapper.submodel_jsonable(view, key)

    def concept(self, concept_id: str) -> Json:
        found = self.mapper().concepts.get(concept_id)
        if found is None:
            raise ApiError(404, f"no concept description with id {concept_id[:300]!r}")
        return jsonization.to_jsonable(found)

    # ------------------------------------------------------------------ pages
    def page(
        self, principal: Principal, cursor: list[object] | None, limit: int, items_of: ItemsOf
    ) -> Page:
        """Items of twins in id order from ``cursor``: ``[twin id, items of it already given]``."""
        start: str | None = None
        skip = 0
        if cursor is not None:
            if len(cursor) != 2 or not isinstance(cursor[0], str) or not isinstance(cursor[1], int):
                raise ApiError(400, "cursor is not one this server gave out")
            start, skip = cursor[0], max(cursor[1], 0)
        mapper = self.mapper()
        out: list[Json] = []
        scanned = 0
        chunk = min(limit + 1, MAX_CHUNK)
        ids = self._ids_from(start, chunk)
        pending: list[str] = []
        while True:
            if not pending:
                pending = _take(ids, chunk)
                if not pending:
                    return Page(out, None)
                allowed = self.visible(principal)(pending)
                shown = [i for i, ok in zip(pending, allowed, strict=True) if ok]
                views = {
                    v.twin.id: v
                    for v in self._reader.views(shown, self.visible(principal))
                    if v is not None
                }
            twin_id = pending.pop(0)
            scanned += 1
            view = views.get(twin_id)
            items = items_of(mapper, view) if view is not None else []
            first = skip if twin_id == start else 0
            for index in range(first, len(items)):
                if len(out) == limit:
                    return Page(out, [twin_id, index])
                out.append(items[index])
            if scanned >= self.settings.max_scan:
                return Page(out, [pending[0], 0] if pending else [twin_id, len(items)])

    def _ids_from(self, start: str | None, chunk: int = MAX_PAGE) -> Iterator[str]:
        store = self.store
        after = start
        try:
            if start is not None and store.get_twins([start])[0] is not None:
                yield start
            while True:
                listed = store.list_twins(first=chunk, after=after)
                yield from (t.id for t in listed.items)
                if listed.next_cursor is None:
                    return
                after = listed.next_cursor
        except OntologyError as err:
            raise ApiError(400, f"cannot list twins: {err}") from err

    def environment_ids(self, principal: Principal) -> list[str]:
        ids = _take(self._ids_from(None), self.settings.max_serialization + 1)
        if len(ids) > self.settings.max_serialization:
            msg = (
                f"more than {self.settings.max_serialization} twins: name them with aasIds or "
                "submodelIds, or use twinweave aas export"
            )
            raise ApiError(400, msg)
        return [i for i, ok in zip(ids, self.visible(principal)(ids), strict=True) if ok]

    def views(self, principal: Principal, twin_ids: Sequence[str]) -> list[aas.TwinView]:
        allowed = self.visible(principal)(list(twin_ids))
        shown = [i for i, ok in zip(twin_ids, allowed, strict=True) if ok]
        return [v for v in self._reader.views(shown, self.visible(principal)) if v is not None]


def _take(ids: Iterator[str], n: int) -> list[str]:
    out: list[str] = []
    for twin_id in ids:
        out.append(twin_id)
        if len(out) >= n:
            break
    return out
