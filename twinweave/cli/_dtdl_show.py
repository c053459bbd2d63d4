"""``twinweave dtdl show``: one Interface, flattened (inherited contents included)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import dtdl

_MAX_SCHEMA_DEPTH = 8


def _en(texts: Mapping[str, str]) -> str | None:
    if not texts:
        return None
    return texts.get("en") or next(iter(texts.values()))


def schema_text(schema: object, depth: int = 0) -> str:
    """A one-line rendering: ``double``, ``Array<double>``, ``Map<string, Object{a: long}>``."""
    if depth > _MAX_SCHEMA_DEPTH:
        return "..."
    if isinstance(schema, dtdl.PrimitiveSchema):
        return schema.name
    if isinstance(schema, dtdl.ArraySchema):
        return f"Array<{schema_text(schema.element_schema, depth + 1)}>"
    if isinstance(schema, dtdl.MapSchema):
        key = schema_text(schema.map_key.schema, depth + 1)
        value = schema_text(schema.map_value.schema, depth + 1)
        return f"Map<{key}, {value}>"
    if isinstance(schema, dtdl.EnumSchema):
        values = ", ".join(f"{v.name}={v.enum_value!r}" for v in schema.enum_values)
        return f"Enum<{schema.value_schema.name}>{{{values}}}"
    if isinstance(schema, dtdl.ObjectSchema):
        fields = ", ".join(f"{f.name}: {schema_text(f.schema, depth + 1)}" for f in schema.fields)
        return f"Object{{{fields}}}"
    return str(getattr(schema, "id", schema))


def origins(model: dtdl.ModelSet, interface: dtdl.Interface) -> dict[str, str]:
    """For each content name, the DTMI of the Interface that declares it."""
    found: dict[str, str] = {}
    for dtmi in (interface.id, *sorted(interface.bases)):
        declaring = model.interfaces.get(dtmi)
        if declaring is None:
            continue
        inherited: set[str] = set()
        for base in declaring.extends:
            parent = model.interfaces.get(base)
            if parent is not None:
                inherited.update(parent.contents)
        for name in declaring.contents:
            if name not in inherited:
                found.setdefault(name, dtmi)
    return found


def _content_row(content: object) -> dict[str, Any]:
    row: dict[str, Any] = {"kind": type(content).__name__, "name": getattr(content, "name", "")}
    row["id"] = getattr(content, "id", None)
    if isinstance(content, dtdl.Property | dtdl.Telemetry):
        row["schema"] = schema_text(content.schema)
        if content.semantic_types:
            row["semantic_types"] = list(content.semantic_types)
        if content.unit is not None:
            row["unit"] = content.unit
        if isinstance(content, dtdl.Property) and content.writable:
            row["writable"] = True
    elif isinstance(content, dtdl.Relationship):
        row["target"] = content.target
        row["min_multiplicity"] = content.min_multiplicity
        row["max_multiplicity"] = content.max_multiplicity
        if content.properties:
            row["properties"] = {n: schema_text(p.schema) for n, p in content.properties.items()}
        if content.writable:
            row["writable"] = True
    elif isinstance(content, dtdl.Component):
        row["schema"] = content.schema
    elif isinstance(content, dtdl.Command):
        if content.request is not None:
            row["request"] = f"{content.request.name}: {schema_text(content.request.schema)}"
        if content.response is not None:
            row["response"] = f"{content.response.name}: {schema_text(content.response.schema)}"
    return row


def describe(model: dtdl.ModelSet, dtmi: str) -> dict[str, Any]:
    """The flattened Interface ``dtmi`` as plain data (``show --format json``)."""
    interface = model.interfaces[dtmi]
    where = origins(model, interface)
    contents = []
    for name in sorted(interface.contents):
        row = _content_row(interface.contents[name])
        row["declared_by"] = where.get(name, interface.id)
        contents.append(row)
    return {
        "id": interface.id,
        "dtdl_version": interface.dtdl_version,
        "types": list(interface.types),
        "display_name": _en(interface.display_name),
        "description": _en(interface.description),
        "extends": list(interface.extends),
        "bases": sorted(interface.bases),
        "contents": contents,
    }


_DETAILS = ("schema", "unit", "target", "request", "response")


def _row_text(row: Mapping[str, Any], own: str, width: int) -> str:
    parts = [f"    {row['kind']:<12} {row['name']:<{width}}"]
    if row["kind"] == "Relationship":
        low = row.get("min_multiplicity")
        high = row.get("max_multiplicity")
        target = row.get("target") or "(any Interface)"
        parts.append(f"-> {target} [{0 if low is None else low}..{high if high else '*'}]")
        if row.get("properties"):
            inner = ", ".join(f"{n}: {s}" for n, s in row["properties"].items())
            parts.append(f"{{{inner}}}")
    else:
        if row.get("semantic_types"):
            parts.append("/".join(row["semantic_types"]))
        for key in _DETAILS:
            if key in row and key != "target":
                label = "" if key == "schema" else f"{key}="
                parts.append(f"{label}{row[key]}")
    if row.get("writable"):
        parts.append("writable")
    if row["declared_by"] != own:
        parts.append(f"(from {row['declared_by']})")
    return "  ".join(parts)


def render(description: Mapping[str, Any]) -> str:
    """``show`` as text: header, extends, bases, then one line per content."""
    own = description["id"]
    lines = [f"Interface {own} (DTDL v{description['dtdl_version']})"]
    if description["display_name"]:
        lines.append(f"  displayName: {description['display_name']}")
    if description["description"]:
        lines.append(f"  description: {description['description']}")
    extra = [t for t in description["types"] if t != "Interface"]
    if extra:
        lines.append(f"  co-types: {', '.join(extra)}")
    if description["extends"]:
        lines.append(f"  extends: {', '.join(description['extends'])}")
    if description["bases"]:
        lines.append(f"  bases (all, transitively): {', '.join(description['bases'])}")
    contents = description["contents"]
    inherited = sum(1 for row in contents if row["declared_by"] != own)
    lines.append(f"contents: {len(contents)} ({inherited} inherited)")
    width = max((len(row["name"]) for row in contents), default=0)
    lines.extend(_row_text(row, own, width) for row in contents)
    return "\n".join(lines) + "\n"


def render_json(description: Mapping[str, Any]) -> str:
    return json.dumps(description, indent=2, ensure_ascii=False) + "\n"
