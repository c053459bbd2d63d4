"""Twins from a YAML or JSON hierarchy: nested ``children`` are ``contains`` edges.

The document is a list of twin entries, or a mapping with ``twins`` (that
list) and optionally ``relationships`` (``{source, name, target, properties}``
entries). A twin entry::

    id: plant/jkt1/packaging/line3       # or no id, and aliases that name a known twin
    model: dtmi:twinweave:sample:ProductionLine;1
    lifecycle: active                    # provisioned (default), active, passive, retired
    aliases: {erp: EQ-10023, mac: ["00:1b:..."]}
    properties: {name: Line 3, nameplate: {modelDesignation: X1}}
    parents: [other/parent]              # more parents besides the enclosing entry
    relationships: [{name: feeds, target: plant/.../filler2, properties: {...}}]
    children: [ ...entries... ]

A JSON file that is a DTDL document (it has ``@context``) is a model instead
(see ``_read_models.py``). YAML anchors and aliases (``&a``/``*a``) are refused:
they can blow a small file up into a huge value.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from dtdl import with_article
from loaders import _fields
from loaders._errors import LoaderError
from loaders._files import read_text, too_many_rows
from loaders._limits import LoadLimits
from loaders._rows import EdgeRow, Link, ModelDoc, Parsed, TwinRow, Where
from ontology import CONTAINS, JsonValue

_TWIN_KEYS = (
    "id",
    "model",
    "lifecycle",
    "aliases",
    "properties",
    "parents",
    "relationships",
    "children",
)
_EDGE_KEYS = ("source", "name", "target", "properties")


class _Loader(yaml.SafeLoader):
    """A safe loader that refuses aliases (``*name``)."""

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "YAML aliases (*name) are not supported here", event.start_mark
            )
        return super().compose_node(parent, index)


class _Lines:
    """Node tree -> plain values, remembering each mapping's line by identity."""

    def __init__(self, loader: _Loader) -> None:
        self.loader = loader
        self.lines: dict[int, int] = {}

    def value(self, node: yaml.Node) -> object:
        if isinstance(node, yaml.MappingNode):
            out: dict[object, object] = {}
            for key_node, value_node in node.value:
                key = self.value(key_node)
                out[key if isinstance(key, str) else str(key)] = self.value(value_node)
            self.lines[id(out)] = node.start_mark.line + 1
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.value(item) for item in node.value]
        scalar = self.loader.construct_object(node, deep=True)
        if isinstance(scalar, dt.datetime | dt.date | dt.time):
            return scalar.isoformat()
        if isinstance(scalar, bytes):
            return scalar.decode("latin-1")
        return scalar


def _compose(text: str) -> tuple[object, dict[int, int]]:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        lines = _Lines(loader)
        return lines.value(node), lines.lines
    finally:
        loader.dispose()


def parse_document(path: Path, text: str) -> tuple[object, dict[int, int]]:
    """The document's value and the lines of its mappings (empty when unknown).

    JSON is read with ``json`` first (a DTDL document needs no lines); a JSON
    hierarchy is then composed as YAML for its line numbers, where YAML 1.1
    takes it (it does not take tabs or some escapes: then lines are unknown).
    """
    if path.suffix.lower() == ".json":
        try:
            value = json.loads(text)
        except ValueError as err:
            msg = f"file {str(path)!r} is not valid JSON: {err}"
            raise LoaderError(msg) from err
        if is_dtdl(value):
            return value, {}
        try:
            return _compose(text)
        except yaml.YAMLError:
            return value, {}
    try:
        return _compose(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(err, "problem", None) or str(err)
        msg = f"file {str(path)!r} is not valid YAML{where}: {problem}"
        raise LoaderError(msg) from err


def is_dtdl(value: object) -> bool:
    """Whether a parsed JSON document is DTDL (an object, or array of objects, with @context)."""
    if isinstance(value, list):
        return bool(value) and all(isinstance(v, dict) and "@context" in v for v in value)
    return isinstance(value, dict) and "@context" in value


def read_tree(path: Path, limits: LoadLimits) -> Parsed:
    text = read_text(path, limits)
    value, lines = parse_document(path, text)
    file = str(path)
    if is_dtdl(value):
        if path.suffix.lower() != ".json":
            msg = f"file {file!r} looks like a DTDL model (it has @context); models are JSON files"
            raise LoaderError(msg)
        return Parsed(models=[ModelDoc(Where(file, 1), text)], rows=1, files=[file])
    walker = _Walker(path, lines, limits)
    if isinstance(value, list):
        walker.entries(value, None, 0)
    elif isinstance(value, dict):
        unknown = sorted(set(value) - {"twins", "relationships"})
        if unknown:
            msg = (
                f"file {file!r}: top-level key {unknown[0]!r} is not understood; expected "
                "'twins' (a list of twin entries) and optionally 'relationships'"
            )
            raise LoaderError(msg)
        walker.entries(value.get("twins") or [], None, 0)
        walker.relationships(value.get("relationships") or [])
    elif value is not None:
        msg = (
            f"file {file!r} holds {with_article(type(value).__name__)}; "
            "expected a list of twin entries "
            "or a mapping with 'twins'"
        )
        raise LoaderError(msg)
    return walker.out


class _Walker:
    def __init__(self, path: Path, lines: dict[int, int], limits: LoadLimits) -> None:
        self.path = path
        self.file = str(path)
        self.lines = lines
        self.limits = limits
        self.out = Parsed(files=[self.file])

    def _where(self, entry: object) -> Where:
        return Where(self.file, self.lines.get(id(entry)))

    def _count(self) -> None:
        self.out.rows += 1
        if self.out.rows > self.limits.max_rows:
            raise too_many_rows(self.path, self.limits)

    def entries(self, items: object, parent: str | None, depth: int) -> None:
        if depth > self.limits.max_depth:
            msg = (
                f"file {self.file!r}: children nest deeper than {self.limits.max_depth} levels; "
                "flatten the hierarchy with 'parents'"
            )
            raise LoaderError(msg)
        if not isinstance(items, list):
            self._count()
            self.out.rejections.append(
                Where(self.file, None).reject(
                    f"children/twins {items!r:.80} are not a list; expected a list of twin entries"
                )
            )
            return
        for entry in items:
            self._count()
            where = self._where(entry)
            row, reason = self._twin(entry, where, parent)
            if reason is not None or row is None:
                self.out.rejections.append(where.reject(reason or "empty entry"))
                # its children still load; a missing parent shows as a dangling parent
            else:
                self.out.twins.append(row)
            if isinstance(entry, dict) and "children" in entry:
                own = entry.get("id") if isinstance(entry.get("id"), str) else None
                self.entries(entry["children"], own, depth + 1)

    def _twin(
        self, entry: object, where: Where, parent: str | None
    ) -> tuple[TwinRow | None, str | None]:
        if not isinstance(entry, dict):
            return None, f"twin entry {entry!r:.80} is not a mapping; expected id, model, ..."
        unknown = sorted(set(entry) - set(_TWIN_KEYS))
        if unknown:
            return None, (
                f"twin entry key {unknown[0]!r} is not understood; expected one of "
                f"{', '.join(_TWIN_KEYS)} (properties go under 'properties')"
            )
        twin_id = entry.get("id")
        if twin_id is not None and (not isinstance(twin_id, str) or not twin_id):
            return None, f"id {twin_id!r} is not valid; expected a non-empty string"
        model = entry.get("model")
        if model is not None and not isinstance(model, str):
            return None, f"model {model!r} is not valid; expected a DTMI string"
        properties = entry.get("properties") or {}
        if not isinstance(properties, dict):
            return None, f"properties {properties!r:.80} are not a mapping of name to value"
        aliases, reason = _fields.aliases(entry.get("aliases"))
        if reason is not None:
            return None, reason
        lifecycle, reason = _fields.lifecycle(entry.get("lifecycle"))
        if reason is not None:
            return None, reason
        parents, reason = _fields.id_list(entry.get("parents"), "parents")
        if reason is not None:
            return None, reason
        links = [Link(CONTAINS, p, incoming=True) for p in ((parent,) if parent else ())]
        links.extend(Link(CONTAINS, p, incoming=True) for p in parents if p != parent)
        for rel in entry.get("relationships") or []:
            link, reason = _link(rel)
            if reason is not None:
                return None, reason
            if link is not None:
                links.append(link)
        if twin_id is None and not aliases:
            return None, "twin entry has no id and no aliases; expected one of them"
        return (
            TwinRow(
                where=where,
                id=twin_id,
                model=model,
                properties=dict(properties),
                aliases=aliases,
                links=tuple(links),
                lifecycle=lifecycle,
            ),
            None,
        )

    def relationships(self, items: object) -> None:
        if not isinstance(items, list):
            msg = f"file {self.file!r}: 'relationships' is not a list of relationship entries"
            raise LoaderError(msg)
        for entry in items:
            self._count()
            where = self._where(entry)
            reason = _edge_reason(entry)
            if reason is not None:
                self.out.rejections.append(where.reject(reason))
                continue
            assert isinstance(entry, dict)
            self.out.edges.append(
                EdgeRow(
                    where,
                    entry["source"],
                    entry["name"],
                    entry["target"],
                    _json_props(entry.get("properties") or {}),
                )
            )


def _edge_reason(entry: object) -> str | None:
    if not isinstance(entry, dict):
        return f"relationship entry {entry!r:.80} is not a mapping; expected source, name, target"
    unknown = sorted(set(entry) - set(_EDGE_KEYS))
    if unknown:
        return (
            f"relationship key {unknown[0]!r} is not understood; expected {', '.join(_EDGE_KEYS)}"
        )
    for key in ("source", "name", "target"):
        if not isinstance(entry.get(key), str) or not entry[key]:
            return f"relationship {key} {entry.get(key)!r} is missing or not a string"
    if not isinstance(entry.get("properties") or {}, dict):
        return "relationship properties are not a mapping of name to value"
    return None


def _link(rel: object) -> tuple[Link | None, str | None]:
    if not isinstance(rel, dict):
        return None, f"relationship {rel!r:.80} is not a mapping; expected name, target"
    unknown = sorted(set(rel) - {"name", "target", "properties"})
    if unknown:
        return None, (
            f"relationship key {unknown[0]!r} is not understood; expected name, target, properties"
        )
    name, target = rel.get("name"), rel.get("target")
    if not isinstance(name, str) or not name or not isinstance(target, str) or not target:
        return None, f"relationship {rel!r:.80} needs a name and a target (strings)"
    props = rel.get("properties") or {}
    if not isinstance(props, dict):
        return None, f"properties of relationship {name!r} are not a mapping"
    return Link(name, target, incoming=False, properties=_json_props(props)), None


def _json_props(props: Mapping[str, Any]) -> dict[str, JsonValue]:
    return {str(k): v for k, v in props.items()}
