"""Twin graphs in the Azure Digital Twins bulk-import shape (NDJSON, one JSON object a line).

::

    {"Section": "Header"}
    {"fileVersion": "1.0.0", "author": "...", "organization": "..."}
    {"Section": "Models"}
    {"@id": "dtmi:...;1", "@type": "Interface", "@context": "dtmi:dtdl:context;3", ...}
    {"Section": "Twins"}
    {"$dtId": "line3", "$metadata": {"$model": "dtmi:...;1"}, "name": "Line 3",
     "nameplate": {"$metadata": {}, "modelDesignation": "X1"}}
    {"Section": "Relationships"}
    {"$dtId": "site", "$relationshipId": "r1", "$targetId": "line3",
     "$relationshipName": "contains", "since": "2020-01-01"}

Hierarchy edges are Relationships named ``contains``. Twinweave reads two
optional twin keys of its own: ``$aliases`` (``{namespace: value | [values]}``)
and ``$lifecycle``; other ``$`` keys are refused. ``$metadata`` inside a
component value is dropped. Blank lines are skipped.
"""

from __future__ import annotations

import json
from pathlib import Path

from loaders import _fields
from loaders._errors import LoaderError
from loaders._files import read_text, too_many_rows
from loaders._limits import LoadLimits
from loaders._rows import EdgeRow, ModelDoc, Parsed, TwinRow, Where
from ontology import JsonValue

SECTIONS = ("Header", "Models", "Twins", "Relationships")
_TWIN_META = ("$dtId", "$metadata", "$etag", "$aliases", "$lifecycle")
_REL_META = ("$dtId", "$relationshipId", "$targetId", "$relationshipName", "$etag", "$sourceId")


def read_adt(path: Path, limits: LoadLimits) -> Parsed:
    text = read_text(path, limits)
    file = str(path)
    out = Parsed(files=[file])
    section: str | None = None
    header_seen = False
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        where = Where(file, number)
        if len(line) > limits.max_line_bytes:
            out.rows += 1
            out.rejections.append(
                where.reject(f"line is longer than {limits.max_line_bytes:,} characters")
            )
            continue
        try:
            item = json.loads(line)
        except ValueError as err:
            out.rows += 1
            out.rejections.append(where.reject(f"line is not a JSON object: {err}"))
            continue
        if isinstance(item, dict) and set(item) == {"Section"}:
            if item["Section"] not in SECTIONS:
                msg = (
                    f"{where}: section {item['Section']!r} is not known; expected one of "
                    f"{', '.join(SECTIONS)}"
                )
                raise LoaderError(msg)
            section = item["Section"]
            continue
        if section == "Header":
            if header_seen:
                out.rejections.append(where.reject("the Header section holds one object only"))
                out.rows += 1
            header_seen = True
            continue
        out.rows += 1
        if out.rows > limits.max_rows:
            raise too_many_rows(path, limits)
        if not isinstance(item, dict):
            out.rejections.append(
                where.reject(f"line holds a {type(item).__name__}; expected an object")
            )
        elif section is None:
            out.rejections.append(
                where.reject('line comes before any {"Section": ...} line; expected a section')
            )
        elif section == "Models":
            out.models.append(ModelDoc(where, line))
        elif section == "Twins":
            row, reason = _twin(where, item)
            if row is None:
                out.rejections.append(where.reject(reason or "not a twin"))
            else:
                out.twins.append(row)
        else:
            edge, reason = _relationship(where, item)
            if edge is None:
                out.rejections.append(where.reject(reason or "not a relationship"))
            else:
                out.edges.append(edge)
    return out


def _twin(where: Where, item: dict[str, JsonValue]) -> tuple[TwinRow | None, str | None]:
    twin_id = item.get("$dtId")
    if not isinstance(twin_id, str) or not twin_id:
        return None, f"$dtId {twin_id!r} is missing or not a string; expected the twin id"
    meta = item.get("$metadata")
    model = meta.get("$model") if isinstance(meta, dict) else None
    if not isinstance(model, str) or not model:
        return None, f'twin {twin_id!r} has no "$metadata": {{"$model": DTMI}}'
    unknown = sorted(k for k in item if k.startswith("$") and k not in _TWIN_META)
    if unknown:
        return None, (
            f"twin {twin_id!r}: key {unknown[0]!r} is not understood; expected properties, "
            f"or one of {', '.join(_TWIN_META)}"
        )
    aliases, reason = _fields.aliases(item.get("$aliases"))
    if reason is not None:
        return None, reason
    lifecycle, reason = _fields.lifecycle(item.get("$lifecycle"))
    if reason is not None:
        return None, reason
    properties: dict[str, object] = {}
    for key, value in item.items():
        if key.startswith("$"):
            continue
        if isinstance(value, dict) and "$metadata" in value:
            value = {k: v for k, v in value.items() if k != "$metadata"}
        properties[key] = value
    return (
        TwinRow(
            where=where,
            id=twin_id,
            model=model,
            properties=properties,
            aliases=aliases,
            lifecycle=lifecycle,
        ),
        None,
    )


def _relationship(where: Where, item: dict[str, JsonValue]) -> tuple[EdgeRow | None, str | None]:
    fields = {}
    for key in ("$dtId", "$targetId", "$relationshipName"):
        value = item.get(key)
        if not isinstance(value, str) or not value:
            return None, f"{key} {value!r} is missing or not a string"
        fields[key] = value
    unknown = sorted(k for k in item if k.startswith("$") and k not in _REL_META)
    if unknown:
        return None, f"relationship key {unknown[0]!r} is not understood"
    properties = {k: v for k, v in item.items() if not k.startswith("$")}
    return (
        EdgeRow(
            where, fields["$dtId"], fields["$relationshipName"], fields["$targetId"], properties
        ),
        None,
    )
