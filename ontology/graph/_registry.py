"""The model registry rules both stores share: validate uploads, keep versions, refuse deletes.

A store holds ``Model`` values (DTMI, the text of the document that defined it,
when, by whom); each DTMI (its version included, ``dtmi:acme:Line;2``) is a
separate model, so every version is kept. These functions decide; the store
only persists what they return.

API:

- ``plan_upload(held, texts, *, principal, now) -> Upload``: validates ``texts``
  together with every held model (``dtdl.parse``; uploaded texts come first, so
  a diagnostic's ``document`` is the index into ``texts``). A top-level DTMI
  already held with the same definition is a no-op; with a different one it is
  refused with ``AlreadyExistsError`` (a model version is never edited in
  place: upload a new version). Invalid DTDL raises ``ModelError`` carrying
  the diagnostics; DTMIs defined nowhere raise ``ModelError`` naming them.
  ``Upload.added`` are the new ``Model`` values (top-level Interfaces only),
  ``Upload.model_set`` the parsed set of everything held afterwards.
- ``plan_delete(held, model_set, dtmi, twins_using) -> dtdl.ModelSet``: the set
  without ``dtmi``; ``NotFoundError`` when it is not held, ``ModelInUseError``
  while twins use it (``twins_using``) or held models extend it or use it as
  a component.
- ``parse_held(held) -> dtdl.ModelSet``: the set of the held models (on load).
- ``element_text(model) -> str``: the JSON of the model's own element in its
  document (a document may define several Interfaces).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import dtdl
from dtdl import with_article
from ontology._errors import (
    AlreadyExistsError,
    InvalidError,
    ModelError,
    ModelInUseError,
    NotFoundError,
)
from ontology.graph._identifiers import KIND_MODEL
from ontology.graph._values import Model

MAX_UPLOAD_TEXTS = 10_000
_CHANGED = "model (with a different definition; upload a new version instead)"
MAX_UPLOAD_CHARS = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Upload:
    added: tuple[Model, ...]
    """The models new to the store."""
    dtmis: tuple[str, ...]
    """Every top-level DTMI the upload defines (new or already held), in upload order."""
    model_set: dtdl.ModelSet


def _elements(text: str) -> list[dict[str, Any]]:
    """The top-level JSON objects of a DTDL document (one object or an array)."""
    doc = json.loads(text)
    items = doc if isinstance(doc, list) else [doc]
    return [item for item in items if isinstance(item, dict)]


def _canonical(element: Mapping[str, Any]) -> str:
    return json.dumps(element, sort_keys=True, separators=(",", ":"))


def element_text(model: Model) -> str:
    for element in _elements(model.text):
        if element.get("@id") == model.dtmi:
            return _canonical(element)
    msg = f"model {model.dtmi!r}: its stored text does not define it; the store is damaged"
    raise ModelError(msg)


def _parse(texts: Sequence[str], uploaded: int) -> dtdl.ModelSet:
    try:
        return dtdl.parse(list(texts))
    except dtdl.ResolutionError as err:
        names = ", ".join(err.undefined[:10])
        msg = (
            f"the models refer to DTMIs neither uploaded nor held: {names}; "
            "upload them in the same call or first"
        )
        raise ModelError(msg, err.diagnostics) from err
    except dtdl.ParsingError as err:
        ours = [d for d in err.diagnostics if d.document is None or d.document < uploaded]
        shown = ours or err.diagnostics
        if not shown:
            msg = f"DTDL refused: {err}"
            raise ModelError(msg) from err
        first = shown[0]
        where = f" (document {first.document}, line {first.line})" if first.document else ""
        msg = f"DTDL refused: {len(err.diagnostics)} error(s); first{where}: {first.message}"
        raise ModelError(msg, err.diagnostics) from err


def _check_limits(texts: Sequence[str]) -> None:
    if isinstance(texts, str):
        msg = "texts is a single string; expected a sequence of DTDL JSON texts"
        raise InvalidError(msg)
    if len(texts) > MAX_UPLOAD_TEXTS:
        msg = f"an upload of {len(texts)} texts; at most {MAX_UPLOAD_TEXTS} per call"
        raise InvalidError(msg)
    total = 0
    items: Sequence[object] = texts
    for index, text in enumerate(items):
        if not isinstance(text, str):
            msg = (
                f"text {index} is {with_article(type(text).__name__)}; expected a DTDL JSON string"
            )
            raise InvalidError(msg)
        total += len(text)
    if total > MAX_UPLOAD_CHARS:
        msg = f"an upload of {total} characters; at most {MAX_UPLOAD_CHARS} per call"
        raise InvalidError(msg)


def plan_upload(
    held: Mapping[str, Model], texts: Sequence[str], *, principal: str, now: datetime
) -> Upload:
    _check_limits(texts)
    new_ids: list[tuple[str, int]] = []
    same: set[str] = set()
    dtmis: list[str] = []
    for index, text in enumerate(texts):
        try:
            elements = _elements(text)
        except ValueError:
            diagnostics = dtdl.validate([text])
            detail = diagnostics[0].message if diagnostics else "not JSON"
            msg = f"text {index} is not valid DTDL JSON: {detail}"
            raise ModelError(msg, diagnostics) from None
        for element in elements:
            dtmi = element.get("@id")
            if not isinstance(dtmi, str):
                continue  # dtdl.parse reports the missing or bad @id
            dtmis.append(dtmi)
            stored = held.get(dtmi)
            if stored is None:
                new_ids.append((dtmi, index))
            elif element_text(stored) == _canonical(element):
                same.add(dtmi)
            else:
                raise AlreadyExistsError(_CHANGED, dtmi)
    kept = [element_text(m) for dtmi, m in held.items() if dtmi not in same]
    model_set = _parse([*texts, *kept], len(texts))
    added = tuple(
        Model(dtmi=dtmi, text=texts[index], uploaded_at=now, uploaded_by=principal)
        for dtmi, index in new_ids
    )
    return Upload(added=added, dtmis=tuple(dtmis), model_set=model_set)


def plan_delete(
    held: Mapping[str, Model],
    model_set: dtdl.ModelSet,
    dtmi: str,
    twins_using: Sequence[str],
) -> dtdl.ModelSet:
    if dtmi not in held:
        raise NotFoundError(KIND_MODEL, dtmi)
    dependents = sorted(
        other
        for other in held
        if other != dtmi
        and other in model_set.interfaces
        and (
            dtmi in model_set.interfaces[other].bases
            or any(c.schema == dtmi for c in model_set.interfaces[other].components.values())
        )
    )
    if twins_using or dependents:
        raise ModelInUseError(dtmi, twins_using, dependents)
    return _parse([element_text(m) for other, m in held.items() if other != dtmi], 0)


def parse_held(held: Mapping[str, Model]) -> dtdl.ModelSet:
    return _parse([element_text(m) for m in held.values()], 0)
