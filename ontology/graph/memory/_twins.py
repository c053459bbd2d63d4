"""The in-process store's models, twins, aliases and signals."""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from dtdl import with_article
from ontology._errors import AlreadyExistsError, InvalidError, NotFoundError
from ontology.graph._audit import (
    ACTION_ALIAS_ADD,
    ACTION_ALIAS_REMOVE,
    ACTION_MODEL_ADD,
    ACTION_MODEL_DELETE,
    ACTION_TWIN_CREATE,
    ACTION_TWIN_DELETE,
    ACTION_TWIN_LIFECYCLE,
    ACTION_TWIN_UPDATE,
)
from ontology.graph._identifiers import KIND_ALIAS, KIND_MODEL, KIND_TWIN, alias_text, check_aliases
from ontology.graph._limits import require_batch, require_page, require_principal
from ontology.graph._registry import plan_delete, plan_upload
from ontology.graph._updates import (
    merge_properties,
    require_transition,
    upsert_unchanged,
)
from ontology.graph._values import (
    Alias,
    BulkResult,
    JsonValue,
    Lifecycle,
    Model,
    Page,
    Rejection,
    Twin,
    TwinSpec,
)
from ontology.graph.memory._rows import TwinRow, to_twin
from ontology.graph.memory._state import NO_PROPERTIES, MemoryState, bulk, owned, page_of

if TYPE_CHECKING:
    import dtdl


TWICE = "the batch lists this twin id twice"


def _spec_key(spec: object) -> str:
    twin_id = getattr(spec, "id", None)
    return twin_id if isinstance(twin_id, str) else repr(spec)[:80]


def _invalid(what: str, reasons: Sequence[str]) -> InvalidError:
    return InvalidError(f"{what} is invalid: " + "; ".join(reasons))


def _aliases_json(aliases: tuple[Alias, ...]) -> JsonValue:
    return [[a.namespace, a.value] for a in aliases]


class MemoryTwins(MemoryState):
    # ----------------------------------------------------------------- models
    def add_models(self, texts: Sequence[str], *, principal: str) -> tuple[Model, ...]:
        require_principal(principal)
        with self._lock:
            now = self._clock()
            upload = plan_upload(self._models, texts, principal=principal, now=now)
            for model in upload.added:
                self._models[model.dtmi] = model
                self._log(now, principal, ACTION_MODEL_ADD, model.dtmi, None, model.dtmi)
            self._model_set = upload.model_set
            if upload.added:
                self._invalidate()
            return tuple(self._models[dtmi] for dtmi in upload.dtmis)

    def get_model(self, dtmi: str) -> Model:
        model = self._models.get(dtmi)
        if model is None:
            raise NotFoundError(KIND_MODEL, dtmi)
        return model

    def list_models(self) -> tuple[Model, ...]:
        with self._lock:
            return tuple(self._models[d] for d in sorted(self._models))

    def delete_model(self, dtmi: str, *, principal: str) -> None:
        require_principal(principal)
        with self._lock:
            using = sorted(t.id for t in self._twins.values() if t.model == dtmi)
            model_set = plan_delete(self._models, self._set(), dtmi, using)
            del self._models[dtmi]
            self._model_set = model_set
            self._log(self._clock(), principal, ACTION_MODEL_DELETE, dtmi, dtmi, None)

    def model_set(self) -> dtdl.ModelSet:
        with self._lock:
            return self._set()

    # ------------------------------------------------------------------ twins
    @staticmethod
    def _new_twin(spec: TwinSpec, etag: str, old: TwinRow | None, now: datetime) -> TwinRow:
        if old is None:
            return TwinRow(
                spec.id, spec.model, owned(spec.properties), spec.lifecycle, etag,
                tuple(spec.aliases), now, now,
            )  # fmt: skip
        return TwinRow(
            spec.id, spec.model, owned(spec.properties), old.lifecycle, etag,
            tuple(spec.aliases), old.created_at, now,
        )  # fmt: skip

    def create_twin(self, spec: TwinSpec, *, principal: str) -> Twin:
        require_principal(principal)
        with self._lock:
            reasons = self._rules().twin(spec)
            if reasons:
                what = f"twin {_spec_key(spec)!r}"
                raise _invalid(what, reasons)
            if spec.id in self._twins:
                raise AlreadyExistsError(KIND_TWIN, spec.id)
            self._require_aliases_free(spec.id, tuple(spec.aliases))
            now = self._clock()
            twin = self._new_twin(spec, self._etag(), None, now)
            self._replace_twin(None, twin)
            self._invalidate()
            self._log(now, principal, ACTION_TWIN_CREATE, twin.id, None, twin)
            return to_twin(twin)

    def get_twin(self, twin_id: str) -> Twin:
        return to_twin(self._twin(twin_id))

    def get_twins(self, twin_ids: Sequence[str]) -> tuple[Twin | None, ...]:
        require_batch("twin ids", twin_ids)
        rows = map(self._twins.get, twin_ids)
        return tuple(to_twin(row) if row is not None else None for row in rows)

    def update_twin(
        self,
        twin_id: str,
        properties: Mapping[str, JsonValue],
        *,
        etag: str | None,
        principal: str,
    ) -> Twin:
        require_principal(principal)
        given: object = properties
        if not isinstance(given, Mapping):
            kind = type(given).__name__
            msg = f"properties for twin {twin_id!r} are {with_article(kind)}; expected a mapping"
            raise InvalidError(msg)
        with self._lock:
            twin = self._twin(twin_id)
            self._check_etag(twin, etag)
            merged = merge_properties(twin.properties, properties)
            reasons = self._rules().properties(twin_id, twin.model, merged)
            if reasons:
                what = f"update of twin {twin_id!r}"
                raise _invalid(what, reasons)
            if merged == twin.properties:
                return to_twin(twin)
            now = self._clock()
            new = twin._replace(properties=owned(merged), etag=self._etag(), updated_at=now)
            self._twins[twin_id] = new
            self._log(now, principal, ACTION_TWIN_UPDATE, twin_id, twin, new)
            return to_twin(new)

    def delete_twin(self, twin_id: str, *, etag: str | None, principal: str) -> None:
        require_principal(principal)
        with self._lock:
            twin = self._twin(twin_id)
            self._check_etag(twin, etag)
            self._edges.drop_twin(twin_id)
            self._signals.pop(twin_id, None)
            self._replace_twin(twin, None)
            self._invalidate()
            self._log(self._clock(), principal, ACTION_TWIN_DELETE, twin_id, twin, None)

    def upsert_twins(self, specs: Sequence[TwinSpec], *, principal: str) -> BulkResult:
        require_principal(principal)
        require_batch("twin specs", specs)
        with self._lock, bulk(len(specs)):
            rules = self._rules()
            bad = rules.twins(specs)  # every spec checked up front, each reason kept
            flat: dict[str, bool] = {}
            now = self._clock()
            etag = self._etag()  # one per batch: each twin is written at most once in it
            twins, alias_table = self._twins, self._aliases
            log = self._audit.append
            new_tuple = tuple.__new__
            created = updated = unchanged = 0
            rejected: list[Rejection] = []
            seen: set[str] = set()
            audit_mark, seq_mark = len(self._audit), self._seq
            structural = False
            try:
                for index, spec in enumerate(specs):
                    if bad:
                        reasons = bad.get(index)
                        if reasons:
                            rejected.append(Rejection(_spec_key(spec), "; ".join(reasons)))
                            continue
                    twin_id = spec.id
                    old = twins.get(twin_id)
                    # listed twice: a row this batch wrote carries its etag; ``seen`` holds
                    # the ids it checked and did not write (unchanged or rejected)
                    if old is not None:
                        if old.etag == etag or twin_id in seen:
                            rejected.append(Rejection(twin_id, TWICE))
                            continue
                        if upsert_unchanged(old, spec):
                            seen.add(twin_id)
                            unchanged += 1
                            continue
                    elif seen and twin_id in seen:
                        rejected.append(Rejection(twin_id, TWICE))
                        continue
                    aliases = spec.aliases
                    if type(aliases) is not tuple:
                        aliases = tuple(aliases)
                    owners = None
                    if aliases:
                        for alias in aliases:
                            owners = alias_table.get(alias.namespace)
                            owner = owners.get(alias.value) if owners is not None else None
                            if owner is not None and owner != twin_id:
                                break
                        else:
                            owner = None
                        if owner is not None:
                            seen.add(twin_id)
                            conflict = self._alias_conflict(twin_id, aliases)
                            rejected.append(Rejection(twin_id, conflict or "alias conflict"))
                            continue
                    if old is None:
                        model = spec.model
                        props = spec.properties
                        if not props:
                            props = NO_PROPERTIES
                        else:
                            # a valid twin of a flat model holds scalars only: a shallow copy
                            # is a copy; else deep-copy only when a value is a container
                            props = dict(props)
                            scalar = flat.get(model)
                            if scalar is None:
                                scalar = flat[model] = rules.flat(model)
                            if not scalar:
                                for value in props.values():
                                    if type(value) is dict or type(value) is list:
                                        props = owned(props)
                                        break
                        new = new_tuple(
                            TwinRow,
                            (twin_id, model, props, spec.lifecycle, etag, aliases, now, now),
                        )
                        log((now, principal, ACTION_TWIN_CREATE, twin_id, None, new))
                        twins[twin_id] = new
                        if owners is not None and len(aliases) == 1:  # its table, found above
                            owners[aliases[0].value] = twin_id
                            aliases = ()
                        for alias in aliases:
                            owners = alias_table.get(alias.namespace)
                            if owners is None:
                                owners = alias_table[alias.namespace] = {}
                            owners[alias.value] = twin_id
                        created += 1
                    else:
                        if old.model != spec.model:
                            reasons = self._edges_fit(twin_id, spec.model)
                            if reasons:
                                seen.add(twin_id)
                                rejected.append(Rejection(twin_id, "; ".join(reasons)))
                                continue
                            structural = True
                        new = self._new_twin(spec, etag, old, now)
                        log((now, principal, ACTION_TWIN_UPDATE, twin_id, old, new))
                        self._replace_twin(old, new)
                        updated += 1
            except BaseException:
                # the audit entries of this batch say what it wrote: undo them in reverse
                for _, _, _, _, before, after in reversed(self._audit[audit_mark:]):
                    self._replace_twin(after, before)  # type: ignore[arg-type]
                del self._audit[audit_mark:]
                self._seq = seq_mark
                raise
            if created or structural:
                self._invalidate()
            return BulkResult(
                created=created, updated=updated, unchanged=unchanged, rejected=tuple(rejected)
            )

    def set_lifecycle(self, twin_id: str, to: Lifecycle, *, principal: str) -> Twin:
        require_principal(principal)
        with self._lock:
            twin = self._twin(twin_id)
            target = require_transition(twin_id, twin.lifecycle, to)
            now = self._clock()
            new = twin._replace(lifecycle=target, etag=self._etag(), updated_at=now)
            self._twins[twin_id] = new
            before, after = twin.lifecycle.value, target.value
            self._log(now, principal, ACTION_TWIN_LIFECYCLE, twin_id, before, after)
            return to_twin(new)

    def list_twins(
        self, *, model: str | None = None, first: int = 100, after: str | None = None
    ) -> Page[Twin]:
        require_page(first)
        with self._lock:
            rules = self._rules()
            if model is not None and not rules.has_model(model):
                raise NotFoundError(KIND_MODEL, model)
            allowed = rules.models_matching(model) if model is not None else None
            twins = self._twins
            index = self._index_if_worth()
            if index is None:  # after a change: one scan rather than an O(n log n) rebuild
                rows = twins.items()
                found = heapq.nsmallest(
                    first + 1,
                    (
                        t
                        for t, row in rows
                        if (after is None or t > after)
                        and (allowed is None or row.model in allowed)
                    ),
                )
                page = Page(
                    items=tuple(found[:first]),
                    next_cursor=found[first - 1] if len(found) > first else None,
                )
            else:
                nodes = index.all_nodes()
                if allowed is not None:
                    nodes = index.with_models(nodes, allowed)
                page = page_of(index, nodes, first, after)
            items = tuple(to_twin(twins[t]) for t in page.items)
            return Page(items=items, next_cursor=page.next_cursor)

    # ---------------------------------------------------------------- aliases
    def add_aliases(self, twin_id: str, aliases: Sequence[Alias], *, principal: str) -> Twin:
        require_principal(principal)
        reasons = check_aliases(twin_id, aliases)
        if reasons:
            what = f"aliases for twin {twin_id!r}"
            raise _invalid(what, reasons)
        with self._lock:
            twin = self._twin(twin_id)
            wanted = tuple(aliases)
            self._require_aliases_free(twin_id, wanted)
            held = set(twin.aliases)
            fresh = tuple(a for a in wanted if a not in held)
            if not fresh:
                return to_twin(twin)
            combined = twin.aliases + fresh
            combined_reasons = check_aliases(twin_id, combined)
            if combined_reasons:
                what = f"aliases for twin {twin_id!r}"
                raise _invalid(what, combined_reasons)
            return self._set_aliases(twin, combined, principal, ACTION_ALIAS_ADD)

    def remove_alias(self, alias: Alias, *, principal: str) -> None:
        require_principal(principal)
        with self._lock:
            owners = self._aliases.get(alias.namespace)
            owner = owners.get(alias.value) if owners is not None else None
            if owner is None:
                raise NotFoundError(KIND_ALIAS, alias_text(alias))
            twin = self._twins[owner]
            kept = tuple(a for a in twin.aliases if a != alias)
            self._set_aliases(twin, kept, principal, ACTION_ALIAS_REMOVE)

    def _set_aliases(
        self, twin: TwinRow, aliases: tuple[Alias, ...], principal: str, action: str
    ) -> Twin:
        now = self._clock()
        new = twin._replace(aliases=aliases, etag=self._etag(), updated_at=now)
        self._replace_twin(twin, new)
        before, after = _aliases_json(twin.aliases), _aliases_json(aliases)
        self._log(now, principal, action, twin.id, before, after)
        return to_twin(new)

    def resolve_aliases(self, namespace: str, values: Sequence[str]) -> tuple[str | None, ...]:
        if isinstance(values, str):
            msg = f"alias values {values!r} is one string; expected a sequence of values"
            raise InvalidError(msg)
        require_batch("alias values", values)
        owners = self._aliases.get(namespace)
        if not owners:
            return (None,) * len(values)
        return tuple(map(owners.get, values))
