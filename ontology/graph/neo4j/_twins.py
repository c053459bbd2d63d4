"""The Neo4j graph store's models, twins, aliases and live signals."""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from dtdl import with_article
from ontology._errors import (
    AlreadyExistsError,
    InvalidError,
    NotFoundError,
)
from ontology.graph._audit import (
    ACTION_ALIAS_ADD,
    ACTION_ALIAS_REMOVE,
    ACTION_MODEL_ADD,
    ACTION_MODEL_DELETE,
    ACTION_TWIN_CREATE,
    ACTION_TWIN_DELETE,
    ACTION_TWIN_LIFECYCLE,
    ACTION_TWIN_UPDATE,
    twin_json,
)
from ontology.graph._identifiers import KIND_ALIAS, KIND_MODEL, KIND_TWIN, alias_text, check_aliases
from ontology.graph._limits import require_batch, require_page, require_principal
from ontology.graph._registry import plan_delete, plan_upload
from ontology.graph._updates import merge_properties, require_transition, upsert_unchanged
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
from ontology.graph.neo4j import _twin_tx as ttx
from ontology.graph.neo4j._codec import alias_node_key, dumps

if TYPE_CHECKING:
    import dtdl
from ontology.graph.neo4j._state import (
    AuditEntry,
    Neo4jState,
    Plan,
    TwinOp,
    Tx,
    alias_clash,
    aliases_json,
    new_twin,
    page,
    raise_reasons,
    replaced,
    spec_key,
)


class Neo4jTwins(Neo4jState):
    # ---------------------------------------------------------------- models
    def add_models(self, texts: Sequence[str], *, principal: str) -> tuple[Model, ...]:
        require_principal(principal)
        now = self._clock()

        def work(tx: Tx) -> tuple[int, dict[str, Model], dtdl.ModelSet, tuple[Model, ...]]:
            held = {m.dtmi: m for m in ttx.fetch_models(tx, self._cy)}
            upload = plan_upload(held, texts, principal=principal, now=now)
            if upload.added:
                ttx.insert_models(tx, self._cy, upload.added)
                entries = [(ACTION_MODEL_ADD, m.dtmi, None, m.dtmi) for m in upload.added]
                self._audit(tx, principal, now, entries)
            held.update((m.dtmi, m) for m in upload.added)
            version = ttx.version(tx, self._cy, "models")
            return version, held, upload.model_set, tuple(held[d] for d in upload.dtmis)

        version, held, model_set, models = self._db.write(work)
        self._models = (version, held, model_set)
        self._models_checked = time.monotonic()
        return models

    def get_model(self, dtmi: str) -> Model:
        model = self._held().get(dtmi)
        if model is None:
            raise NotFoundError(KIND_MODEL, dtmi)
        return model

    def list_models(self) -> tuple[Model, ...]:
        held = self._held()
        return tuple(held[d] for d in sorted(held))

    def delete_model(self, dtmi: str, *, principal: str) -> None:
        require_principal(principal)
        now = self._clock()

        def work(tx: Tx) -> None:
            held = {m.dtmi: m for m in ttx.fetch_models(tx, self._cy)}
            model_set = self._model_set_in(tx)
            using = ttx.twins_of_models(tx, self._cy, [dtmi], 100)
            plan_delete(held, model_set, dtmi, using)
            ttx.delete_model(tx, self._cy, dtmi)
            self._audit(tx, principal, now, [(ACTION_MODEL_DELETE, dtmi, dtmi, None)])

        self._db.write(work)
        self._models = None

    def model_set(self) -> dtdl.ModelSet:
        cached = self._models  # recent enough: no round trip (see model_recheck_ms)
        if cached is None or self.settings.model_recheck_ms == 0:
            return self._current_models()[2]
        if time.monotonic() - self._models_checked < self.settings.model_recheck_ms / 1000:
            return cached[2]
        # Stale: one thread reads the counter; the threads asking meanwhile (a busy server's
        # requests all find it stale at once) answer from the cache rather than each read it.
        if not self._models_rechecking.acquire(blocking=False):
            return cached[2]
        try:
            return self._current_models()[2]
        finally:
            self._models_rechecking.release()

    # ----------------------------------------------------------------- twins
    def create_twin(self, spec: TwinSpec, *, principal: str) -> Twin:
        require_principal(principal)
        now = self._clock()

        def work(tx: Tx) -> Twin:
            raise_reasons(f"twin {spec_key(spec)!r}", self._rules(tx).twin(spec))
            if ttx.fetch_twin(tx, self._cy, spec.id) is not None:
                raise AlreadyExistsError(KIND_TWIN, spec.id)
            self._require_aliases_free(tx, spec.id, spec.aliases)
            twin = new_twin(spec, now)
            self._write_twins(tx, [twin], [])
            entry = (ACTION_TWIN_CREATE, twin.id, None, twin_json(twin))
            self._audit(tx, principal, now, [entry])
            return twin

        return self._db.write(work)

    def get_twin(self, twin_id: str) -> Twin:
        twin = self._db.read_one(lambda tx: ttx.fetch_twin(tx, self._cy, twin_id))
        if twin is None:
            raise NotFoundError(KIND_TWIN, twin_id)
        return twin

    def get_twins(self, twin_ids: Sequence[str]) -> tuple[Twin | None, ...]:
        require_batch("twin ids", twin_ids)
        ids = list(twin_ids)
        read = self._db.read_one if len(ids) <= ttx.READ_CHUNK else self._db.read
        found = read(lambda tx: ttx.fetch_twins(tx, self._cy, ids))
        return tuple(found.get(i) for i in ids)

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
            message = (
                f"properties for twin {twin_id!r} are {with_article(type(properties).__name__)}; "
                "expected a mapping"
            )
            raise InvalidError(message)
        now = self._clock()

        def work(tx: Tx) -> Twin:
            current = self._require_twin(tx, twin_id, etag)
            merged = merge_properties(current.properties, properties)
            reasons = self._rules(tx).properties(twin_id, current.model, merged)
            raise_reasons(f"update of twin {twin_id!r}", reasons)
            if merged == current.properties:
                return current
            twin = replaced(current, now, properties=merged)
            self._write_twins(tx, [], [(current, twin)])
            before, after = twin_json(current), twin_json(twin)
            self._audit(tx, principal, now, [(ACTION_TWIN_UPDATE, twin_id, before, after)])
            return twin

        return self._db.write(work)

    def delete_twin(self, twin_id: str, *, etag: str | None, principal: str) -> None:
        require_principal(principal)
        now = self._clock()

        def work(tx: Tx) -> None:
            current = self._require_twin(tx, twin_id, etag)
            ttx.delete_twin(tx, self._cy, twin_id)
            ttx.bump(tx, self._cy, "topology")
            self._audit(
                tx,
                principal,
                now,
                [(ACTION_TWIN_DELETE, twin_id, twin_json(current), None)],
            )

        self._db.write(work)

    def upsert_twins(self, specs: Sequence[TwinSpec], *, principal: str) -> BulkResult:
        require_principal(principal)
        require_batch("twin specs", specs)
        now = self._clock()

        def plan(tx: Tx) -> Plan[TwinOp]:
            rules = self._rules(tx)
            rejected: list[tuple[int, Rejection]] = []
            valid: list[tuple[int, TwinSpec]] = []
            seen: set[str] = set()
            for index, spec in enumerate(specs):
                reasons = rules.twin(spec)
                if reasons:
                    rejected.append((index, Rejection(spec_key(spec), "; ".join(reasons))))
                elif spec.id in seen:
                    reason = "the batch lists this twin id twice"
                    rejected.append((index, Rejection(spec.id, reason)))
                else:
                    seen.add(spec.id)
                    valid.append((index, spec))
            stored = ttx.fetch_twins(tx, self._cy, [spec.id for _, spec in valid])
            keys = sorted({alias_node_key(a) for _, spec in valid for a in spec.aliases})
            owner_of = ttx.alias_owners(tx, self._cy, keys)
            known = set(owner_of)
            models_now: dict[str, str] = {}
            ops: list[TwinOp] = []
            unchanged = 0
            for index, spec in valid:
                current = stored.get(spec.id)
                if current is not None and upsert_unchanged(current, spec):
                    unchanged += 1
                    continue
                clash = alias_clash(spec, owner_of)
                if clash is not None:
                    rejected.append((index, Rejection(spec.id, clash)))
                    continue
                if current is not None and current.model != spec.model:
                    reasons = self._edges_fit(tx, rules, spec.id, spec.model, models_now)
                    if reasons:
                        rejected.append((index, Rejection(spec.id, "; ".join(reasons))))
                        continue
                    models_now[spec.id] = spec.model
                if current is None:
                    ops.append((None, new_twin(spec, now)))
                else:
                    for alias in current.aliases:
                        if owner_of.get(alias_node_key(alias)) == current.id:
                            del owner_of[alias_node_key(alias)]
                    twin = replaced(
                        current,
                        now,
                        model=spec.model,
                        properties=dict(spec.properties),
                        aliases=tuple(spec.aliases),
                    )
                    ops.append((current, twin))
                for alias in spec.aliases:
                    owner_of[alias_node_key(alias)] = spec.id
            created = sum(1 for old, _ in ops if old is None)
            result = BulkResult(
                created=created,
                updated=len(ops) - created,
                unchanged=unchanged,
                rejected=tuple(r for _, r in sorted(rejected, key=lambda item: item[0])),
            )
            return Plan(result, ops, known)

        def write(tx: Tx, ops: Sequence[TwinOp], known: Collection[str]) -> range:
            if not ops:
                return range(0)
            created = [new for old, new in ops if old is None]
            updated = [(old, new) for old, new in ops if old is not None]
            self._bump_topology(tx, created, updated)  # first: the counters' lock order
            seqs = ttx.next_audit_seqs(tx, self._cy, len(ops))
            created_seqs: list[int] = []
            numbered: list[tuple[int, AuditEntry]] = []
            for seq, (old, new) in zip(seqs, ops, strict=True):
                if old is None:
                    created_seqs.append(seq)
                else:
                    before, after = twin_json(old), twin_json(new)
                    numbered.append((seq, (ACTION_TWIN_UPDATE, new.id, before, after)))
            audit = ttx.CreateAudit(
                principal,
                now,
                ACTION_TWIN_CREATE,
                created_seqs,
                [dumps(twin_json(t)) for t in created],
            )
            self._write_twins(tx, created, updated, known, audit)
            self._append_audit(tx, principal, now, numbered)
            return seqs

        return self._bulk(len(specs), plan, write, self._undo_upsert).result

    def _undo_upsert(self, tx: Tx, ops: Sequence[TwinOp]) -> None:
        """Undo committed upserts: delete the twins created, restore the twins replaced.

        A twin another writer changed since (its etag is no longer the one
        written) is left as that writer left it.
        """
        etags = ttx.etags_of(tx, self._cy, [new.id for _, new in ops])
        mine = [(old, new) for old, new in ops if etags.get(new.id) == new.etag]
        created = [new.id for old, new in mine if old is None]
        restored = [(new, old) for old, new in mine if old is not None]
        if created:
            ttx.bump(tx, self._cy, "topology")
        ttx.delete_twins(tx, self._cy, created, self._batch)
        known = {alias_node_key(a) for _, old in restored for a in old.aliases}
        self._write_twins(tx, [], restored, known)

    def set_lifecycle(self, twin_id: str, to: Lifecycle, *, principal: str) -> Twin:
        require_principal(principal)
        now = self._clock()

        def work(tx: Tx) -> Twin:
            current = self._require_twin(tx, twin_id, None)
            target = require_transition(twin_id, current.lifecycle, to)
            twin = replaced(current, now, lifecycle=target)
            ttx.replace_twins(tx, self._cy, [twin], self._batch)
            self._audit(
                tx,
                principal,
                now,
                [
                    (
                        ACTION_TWIN_LIFECYCLE,
                        twin_id,
                        current.lifecycle.value,
                        target.value,
                    )
                ],
            )
            return twin

        return self._db.write(work)

    def list_twins(
        self, *, model: str | None = None, first: int = 100, after: str | None = None
    ) -> Page[Twin]:
        limit = require_page(first)

        def work(tx: Tx) -> list[Twin]:
            models = None
            if model is not None:
                rules = self._rules(tx)
                if not rules.has_model(model):
                    raise NotFoundError(KIND_MODEL, model)
                models = sorted(rules.models_matching(model))
            return ttx.list_twins(tx, self._cy, models, after, limit + 1)

        twins = self._db.read(work)
        return page(twins, limit, lambda t: t.id)

    # --------------------------------------------------------------- aliases
    def add_aliases(self, twin_id: str, aliases: Sequence[Alias], *, principal: str) -> Twin:
        require_principal(principal)
        raise_reasons(f"aliases for twin {twin_id!r}", check_aliases(twin_id, aliases))
        now = self._clock()

        def work(tx: Tx) -> Twin:
            current = self._require_twin(tx, twin_id, None)
            self._require_aliases_free(tx, twin_id, aliases)
            fresh = tuple(a for a in aliases if a not in current.aliases)
            if not fresh:
                return current
            combined = (*current.aliases, *fresh)
            reasons = check_aliases(twin_id, combined)
            raise_reasons(f"aliases for twin {twin_id!r}", reasons)
            return self._set_aliases(tx, current, combined, principal, now, ACTION_ALIAS_ADD)

        return self._db.write(work)

    def remove_alias(self, alias: Alias, *, principal: str) -> None:
        require_principal(principal)
        now = self._clock()

        def work(tx: Tx) -> None:
            key = alias_node_key(alias)
            owner = ttx.alias_owners(tx, self._cy, [key]).get(key)
            if owner is None:
                raise NotFoundError(KIND_ALIAS, alias_text(alias))
            current = self._require_twin(tx, owner, None)
            kept = tuple(a for a in current.aliases if a != alias)
            self._set_aliases(tx, current, kept, principal, now, ACTION_ALIAS_REMOVE)

        self._db.write(work)

    def _set_aliases(
        self,
        tx: Tx,
        current: Twin,
        aliases: tuple[Alias, ...],
        principal: str,
        now: datetime,
        action: str,
    ) -> Twin:
        twin = replaced(current, now, aliases=aliases)
        self._write_twins(tx, [], [(current, twin)])
        before, after = aliases_json(current.aliases), aliases_json(aliases)
        self._audit(tx, principal, now, [(action, twin.id, before, after)])
        return twin

    def resolve_aliases(self, namespace: str, values: Sequence[str]) -> tuple[str | None, ...]:
        require_batch("alias values", values)
        if not values:
            return ()
        keys = [alias_node_key(Alias(namespace, v)) for v in values]
        read = self._db.read_one if len(keys) <= ttx.READ_CHUNK else self._db.read
        return tuple(read(lambda tx: ttx.resolve_alias_keys(tx, self._cy, keys)))
