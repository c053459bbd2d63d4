"""Write twin graphs in the Azure Digital Twins bulk-import NDJSON shape (see ``_read_adt.py``)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ontology import Edge, Lifecycle, TwinSpec


def _twin_line(spec: TwinSpec) -> dict[str, Any]:
    line: dict[str, Any] = {"$dtId": spec.id, "$metadata": {"$model": spec.model}}
    line.update(spec.properties)
    if spec.aliases:
        by_namespace: dict[str, list[str]] = {}
        for alias in spec.aliases:
            by_namespace.setdefault(alias.namespace, []).append(alias.value)
        line["$aliases"] = {ns: v[0] if len(v) == 1 else v for ns, v in by_namespace.items()}
    if spec.lifecycle != Lifecycle.PROVISIONED:
        line["$lifecycle"] = spec.lifecycle.value
    return line


def _edge_line(edge: Edge) -> dict[str, Any]:
    line: dict[str, Any] = {
        "$dtId": edge.source,
        "$relationshipId": f"{edge.name}:{edge.target}",
        "$targetId": edge.target,
        "$relationshipName": edge.name,
    }
    line.update(edge.properties)
    return line


def write_adt_ndjson(
    path: Path,
    *,
    models: Sequence[str],
    twins: Iterable[TwinSpec],
    edges: Iterable[Edge],
    author: str = "twinweave",
    organization: str = "",
) -> int:
    """Write models, twins and edges as an ADT import file; returns the lines written."""
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    count = 0
    with path.open("w", encoding="utf-8", newline="\n") as out:

        def put(item: object) -> None:
            nonlocal count
            out.write(dumps(item))
            out.write("\n")
            count += 1

        put({"Section": "Header"})
        put({"fileVersion": "1.0.0", "author": author, "organization": organization})
        put({"Section": "Models"})
        for text in models:
            doc = json.loads(text)
            for item in doc if isinstance(doc, list) else [doc]:
                put(item)
        put({"Section": "Twins"})
        for spec in twins:
            put(_twin_line(spec))
        put({"Section": "Relationships"})
        for edge in edges:
            put(_edge_line(edge))
    return count
