"""DTDL documents of a load into the store's model registry (or only validated, dry run).

All documents of a load go to the store in one ``add_models`` call: they may
refer to each other, and the registry validates them together with the models
it holds. A set the registry refuses is reported per diagnostic, at the file
and line the diagnostic points to; twins of those models are then rejected as
using unknown models.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import dtdl
from loaders._report import Counts, RowRejection
from loaders._rows import ModelDoc, Where
from ontology import AlreadyExistsError, GraphStore, InvalidError, ModelError


@dataclass(frozen=True, slots=True)
class ModelOutcome:
    counts: Counts
    rejections: tuple[RowRejection, ...]
    model_set: dtdl.ModelSet | None
    """The models to check twins against; ``None`` when none are held or valid."""


def _dtmis(text: str) -> list[str]:
    try:
        doc = json.loads(text)
    except ValueError:
        return []
    items = doc if isinstance(doc, list) else [doc]
    return [i["@id"] for i in items if isinstance(i, dict) and isinstance(i.get("@id"), str)]


def _diagnostic_rejections(
    docs: Sequence[ModelDoc], diagnostics: Sequence[object], fallback: str
) -> list[RowRejection]:
    out: list[RowRejection] = []
    for diag in diagnostics:
        document = getattr(diag, "document", None)
        line = getattr(diag, "line", None)
        message = getattr(diag, "message", None) or str(diag)
        if isinstance(document, int) and 0 <= document < len(docs):
            where = docs[document].where
            at = where.line + line - 1 if where.line is not None and line else where.line
            out.append(RowRejection(where.file, at, f"DTDL: {message}"))
    if not out:
        out = [doc.where.reject(f"DTDL: {fallback}") for doc in docs]
    return out


def _canonical(text: str) -> str | None:
    try:
        return json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))
    except ValueError:
        return None


def _dedupe(docs: Sequence[ModelDoc]) -> tuple[list[ModelDoc], list[RowRejection]]:
    """The same model given twice (a models folder and an NDJSON Models section) is kept once.

    The same DTMI defined twice differently rejects the later document.
    """
    kept: list[ModelDoc] = []
    refused: list[RowRejection] = []
    seen: dict[str, tuple[str | None, ModelDoc]] = {}
    for doc in docs:
        canonical = _canonical(doc.text)
        ids = _dtmis(doc.text)
        clash = next((seen[d] for d in ids if d in seen), None)
        if clash is None:
            kept.append(doc)
            seen.update(dict.fromkeys(ids, (canonical, doc)))
        elif clash[0] != canonical or canonical is None:
            refused.append(
                doc.where.reject(
                    f"model {ids[0]} is defined again, differently from {clash[1].where}; "
                    "give one of them a new version"
                )
            )
    return kept, refused


def _held_set(store: GraphStore) -> dtdl.ModelSet | None:
    return store.model_set() if store.list_models() else None


def load_models(
    store: GraphStore, docs: Sequence[ModelDoc], *, principal: str, dry_run: bool
) -> ModelOutcome:
    held = {m.dtmi: m for m in store.list_models()}
    if not docs:
        return ModelOutcome(Counts(), (), store.model_set() if held else None)
    docs, twice = _dedupe(docs)
    if twice:
        outcome = load_models(store, docs, principal=principal, dry_run=dry_run)
        return ModelOutcome(
            outcome.counts + Counts(rejected=len(twice)),
            (*twice, *outcome.rejections),
            outcome.model_set,
        )
    texts = [doc.text for doc in docs]
    dtmis = [d for text in texts for d in _dtmis(text)]
    new = sum(1 for d in dict.fromkeys(dtmis) if d not in held)
    if dry_run:
        return _validate_only(store, docs, dtmis, new)
    try:
        store.add_models(texts, principal=principal)
    except AlreadyExistsError as err:
        where = next((doc.where for doc in docs if err.key in _dtmis(doc.text)), docs[0].where)
        reason = (
            f"model {err.key} is held with a different definition; a model version is never "
            "edited in place: give the changed model a new version (;2)"
        )
        return ModelOutcome(Counts(rejected=len(docs)), (where.reject(reason),), _held_set(store))
    except ModelError as err:
        rejections = _diagnostic_rejections(docs, err.diagnostics, str(err))
        return ModelOutcome(Counts(rejected=len(docs)), tuple(rejections), _held_set(store))
    except InvalidError as err:
        return ModelOutcome(
            Counts(rejected=len(docs)),
            (Where(docs[0].where.file, None).reject(f"models refused: {err}"),),
            _held_set(store),
        )
    unchanged = len(set(dtmis)) - new
    return ModelOutcome(Counts(created=new, unchanged=unchanged), (), store.model_set())


def _validate_only(
    store: GraphStore,
    docs: Sequence[ModelDoc],
    dtmis: list[str],
    new: int,
) -> ModelOutcome:
    mine = set(dtmis)
    kept = [
        m.text
        for m in store.list_models()
        if not set(_dtmis(m.text)) & mine  # documents the load redefines are left out
    ]
    texts = [doc.text for doc in docs]
    try:
        model_set = dtdl.parse([*texts, *dict.fromkeys(kept)])
    except dtdl.ParsingError as err:
        rejections = _diagnostic_rejections(docs, err.diagnostics, str(err))
        return ModelOutcome(Counts(rejected=len(docs)), tuple(rejections), _held_set(store))
    return ModelOutcome(Counts(created=new, unchanged=len(mine) - new), (), model_set)
