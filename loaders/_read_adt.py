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
import json.scanner
from pathlib import Path
from typing import Any

from dtdl import with_article
from loaders import _fields
from loaders._errors import LoaderError
from loaders._files import read_text, too_many_rows
from loaders._limits import LoadLimits
from loaders._rows import EdgeRow, ModelDoc, Parsed, TwinRow, Where
from ontology import Alias, JsonValue, Lifecycle

SECTIONS = ("Header", "Models", "Twins", "Relationships")
_TWIN_META = ("$dtId", "$metadata", "$etag", "$aliases", "$lifecycle")
_REL_META = ("$dtId", "$relationshipId", "$targetId", "$relationshipName", "$etag", "$sourceId")
_TWIN_META_SET = frozenset(_TWIN_META)
_REL_META_SET = frozenset(_REL_META)
_JSON_SPACE = " \t\n\r"
_SCAN = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[arg-type]  # (1)
"""The C scanner ``json.loads`` runs, called without its Python wrapper (per line it counts).

(1) The stub types the context as a scanner; the standard library passes a
``JSONDecoder``, as here (``json.decoder.JSONDecoder.__init__``)."""


def _parse(line: str) -> Any:
    """``json.loads(line)``: the scanner for a line that is one value (and JSON whitespace).

    Anything else (leading whitespace, extra data, invalid JSON) goes to
    ``json.loads``, so values and error messages are those of ``json.loads``.
    """
    try:
        item, end = _SCAN(line, 0)
    except StopIteration:
        return json.loads(line)
    if end != len(line) and line[end:].strip(_JSON_SPACE):  # more than JSON whitespace (CRLF)
        return json.loads(line)
    return item


def read_adt(path: Path, limits: LoadLimits) -> Parsed:
    text = read_text(path, limits)
    file = str(path)
    out = Parsed(files=[file])
    section: str | None = None
    header_seen = False
    max_line = limits.max_line_bytes
    max_rows = limits.max_rows
    twins = out.twins
    edges = out.edges
    for number, line in enumerate(text.split("\n"), start=1):
        if not line or line.isspace():
            continue
        where = Where(file, number)
        if len(line) > max_line:
            out.rows += 1
            out.rejections.append(
                where.reject(f"line is longer than {limits.max_line_bytes:,} characters")
            )
            continue
        try:
            item = _parse(line)
        except ValueError as err:
            out.rows += 1
            out.rejections.append(where.reject(f"line is not a JSON object: {err}"))
            continue
        is_object = type(item) is dict
        if is_object and len(item) == 1 and "Section" in item:
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
        if out.rows > max_rows:
            raise too_many_rows(path, limits)
        if not is_object:
            out.rejections.append(
                where.reject(f"line holds {with_article(type(item).__name__)}; expected an object")
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
                twins.append(row)
        else:
            edge, reason = _relationship(where, item)
            if edge is None:
                out.rejections.append(where.reject(reason or "not a relationship"))
            else:
                edges.append(edge)
    return out


def _twin(where: Where, item: dict[str, JsonValue]) -> tuple[TwinRow | None, str | None]:
    twin_id = item.get("$dtId")
    if not isinstance(twin_id, str) or not twin_id:
        return None, f"$dtId {twin_id!r} is missing or not a string; expected the twin id"
    meta = item.get("$metadata")
    model = meta.get("$model") if isinstance(meta, dict) else None
    if not isinstance(model, str) or not model:
        return None, f'twin {twin_id!r} has no "$metadata": {{"$model": DTMI}}'
    properties: dict[str, object] = {}
    unknown: list[str] = []
    for key, value in item.items():  # one pass: properties, and $ keys not understood
        if key[:1] == "$":
            if key not in _TWIN_META_SET:
                unknown.append(key)
        elif type(value) is dict and "$metadata" in value:
            properties[key] = {k: v for k, v in value.items() if k != "$metadata"}
        else:
            properties[key] = value
    if unknown:
        return None, (
            f"twin {twin_id!r}: key {min(unknown)!r} is not understood; expected properties, "
            f"or one of {', '.join(_TWIN_META)}"
        )
    raw_aliases = item.get("$aliases")
    aliases: tuple[Alias, ...] = ()
    if raw_aliases is not None:
        aliases, reason = _fields.aliases(raw_aliases)
        if reason is not None:
            return None, reason
    raw_lifecycle = item.get("$lifecycle")
    lifecycle: Lifecycle | None = None
    if raw_lifecycle is not None:
        lifecycle, reason = _fields.lifecycle(raw_lifecycle)
        if reason is not None:
            return None, reason
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
    fields: list[str] = []
    for key in ("$dtId", "$targetId", "$relationshipName"):
        value = item.get(key)
        if not isinstance(value, str) or not value:
            return None, f"{key} {value!r} is missing or not a string"
        fields.append(value)
    source, target, name = fields
    properties: dict[str, JsonValue] = {}
    unknown: list[str] = []
    for key, value in item.items():  # one pass: properties, and $ keys not understood
        if key[:1] != "$":
            properties[key] = value
        elif key not in _REL_META_SET:
            unknown.append(key)
    if unknown:
        return None, f"relationship key {min(unknown)!r} is not understood"
    return EdgeRow(where, source, name, target, properties), None
