"""Content modifiers over the JSON of submodels and their elements.

``$metadata`` leaves out values and children, ``level=core`` the
grandchildren, ``$value`` is the Value-Only serialisation, ``$path`` the
idShortPaths, ``$reference`` a ModelReference; ``idShortPath`` (``a.b[0].c``)
finds an element.
"""

from __future__ import annotations

import math
import re
from typing import Any

from server.aas._errors import ApiError

Json = Any

_CHILDREN = {
    "SubmodelElementCollection": "value",
    "SubmodelElementList": "value",
    "Entity": "statements",
    "AnnotatedRelationshipElement": "annotations",
}
_METADATA_DROP = frozenset(
    {"submodelElements", "value", "valueId", "statements", "first", "second", "annotations"}
    | {"inputVariables", "outputVariables", "inoutputVariables", "globalAssetId"}
    | {"specificAssetIds", "min", "max"}
)
_INTEGER = frozenset(
    {"xs:int", "xs:long", "xs:short", "xs:byte", "xs:integer", "xs:unsignedInt"}
    | {"xs:unsignedLong", "xs:unsignedShort", "xs:unsignedByte", "xs:positiveInteger"}
    | {"xs:negativeInteger", "xs:nonNegativeInteger", "xs:nonPositiveInteger"}
)
_REAL = frozenset({"xs:double", "xs:float", "xs:decimal"})
_SEGMENT = re.compile(r"([A-Za-z][A-Za-z0-9_-]*)((?:\[\d{1,9}\])*)")
_INDEX = re.compile(r"\[(\d{1,9})\]")
MAX_PATH = 4096


def children(element: Json) -> list[Json]:
    key = (
        "submodelElements"
        if element.get("modelType") == "Submodel"
        else _CHILDREN.get(element.get("modelType", ""))
    )
    found = element.get(key) if key else None
    return found if isinstance(found, list) else []


def _child_key(element: Json) -> str | None:
    if element.get("modelType") == "Submodel":
        return "submodelElements"
    return _CHILDREN.get(element.get("modelType", ""))


def core(element: Json) -> Json:
    """``level=core``: the element with its children, each without children of its own."""
    key = _child_key(element)
    if key is None or key not in element:
        return element
    out = dict(element)
    out[key] = [_without_children(c) for c in element[key]]
    return out


def _without_children(element: Json) -> Json:
    key = _child_key(element)
    if key is None or key not in element:
        return element
    return {k: v for k, v in element.items() if k != key}


def metadata(element: Json) -> Json:
    return {k: v for k, v in element.items() if k not in _METADATA_DROP}


def _property_value(element: Json) -> Json:
    text = element.get("value")
    kind = element.get("valueType")
    if text is None:
        return None
    if kind == "xs:boolean":
        return text == "true"
    if kind in _INTEGER:
        return int(text)
    if kind in _REAL:
        number = float(text)
        return number if math.isfinite(number) else text
    return text


def value_only(element: Json) -> Json:
    """The Value-Only form of an element (``None`` where it has none: leave it out)."""
    kind = element.get("modelType")
    if kind == "Property":
        return _property_value(element)
    if kind == "MultiLanguageProperty":
        texts = element.get("value")
        return [{s["language"]: s["text"]} for s in texts] if texts else None
    if kind in ("SubmodelElementCollection", "Submodel"):
        return _object(children(element))
    if kind == "SubmodelElementList":
        items = [value_only(c) for c in children(element)]
        return [i for i in items if i is not None]
    if kind in ("RelationshipElement", "AnnotatedRelationshipElement"):
        out = {k: element[k] for k in ("first", "second") if k in element}
        if kind == "AnnotatedRelationshipElement" and element.get("annotations"):
            out["annotations"] = _object(element["annotations"])
        return out
    if kind == "Entity":
        out = {"statements": _object(children(element))}
        for k in ("entityType", "globalAssetId", "specificAssetIds"):
            if k in element:
                out[k] = element[k]
        return out
    if kind == "Range":
        return {k: element[k] for k in ("min", "max") if k in element}
    if kind in ("File", "Blob"):
        return {k: element[k] for k in ("contentType", "value") if k in element}
    if kind == "ReferenceElement":
        return element.get("value")
    return None


def _object(elements: list[Json]) -> Json:
    out = {}
    for element in elements:
        value = value_only(element)
        if value is not None and "idShort" in element:
            out[element["idShort"]] = value
    return out


def paths(element: Json, prefix: str, *, deep: bool) -> list[str]:
    """idShortPaths of ``element``'s descendants (children only unless ``deep``)."""
    out: list[str] = []
    in_list = element.get("modelType") == "SubmodelElementList"
    for index, child in enumerate(children(element)):
        step = f"[{index}]" if in_list else child.get("idShort", "")
        path = (prefix + step) if (in_list or not prefix) else f"{prefix}.{step}"
        out.append(path)
        if deep:
            out.extend(paths(child, path, deep=True))
    return out


def find(submodel: Json, id_short_path: str) -> tuple[Json, list[Json]]:
    """The element at ``id_short_path`` and the fragment keys of its reference."""
    if not id_short_path or len(id_short_path) > MAX_PATH:
        msg = f"idShortPath {id_short_path[:64]!r} is empty or longer than {MAX_PATH} characters"
        raise ApiError(400, msg)
    current = submodel
    keys: list[Json] = []
    for part in id_short_path.split("."):
        match = _SEGMENT.fullmatch(part)
        if match is None:
            msg = f"idShortPath {id_short_path[:200]!r}: {part[:64]!r} is not idShort[index]..."
            raise ApiError(400, msg)
        name, indexes = match.group(1), _INDEX.findall(match.group(2))
        found = next((c for c in children(current) if c.get("idShort") == name), None)
        if found is None or current.get("modelType") == "SubmodelElementList":
            raise ApiError(404, f"no submodel element at idShortPath {id_short_path[:200]!r}")
        current = found
        keys.append({"type": found["modelType"], "value": name})
        for index in indexes:
            items = children(current) if current.get("modelType") == "SubmodelElementList" else []
            if int(index) >= len(items):
                raise ApiError(404, f"no submodel element at idShortPath {id_short_path[:200]!r}")
            current = items[int(index)]
            keys.append({"type": current["modelType"], "value": index})
    return current, keys
