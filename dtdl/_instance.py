"""Whether a JSON value (already ``json.loads``-ed) conforms to a DTDL schema."""

from __future__ import annotations

import datetime
import math
import re
from typing import Any

from dtdl._schemas import (
    ArraySchema,
    EnumSchema,
    MapSchema,
    ObjectSchema,
    PrimitiveSchema,
    Schema,
)

_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_TIME = r"([01]\d|2[0-3]):([0-5]\d):([0-5]\d)(\.\d+)?"
_OFFSET = r"(Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)"
_DATETIME = re.compile(rf"^(\d{{4}}-\d{{2}}-\d{{2}})T{_TIME}{_OFFSET}$")
_TIME_RE = re.compile(rf"^{_TIME}{_OFFSET}?$")
_NUM = r"\d+"
_FRAC = r"\d+(?:\.\d+)?"


def duration_ok(value: str, *, whole_fractions: bool = False) -> bool:
    """ISO 8601 duration: components in order, a fraction only on the last one.

    ``whole_fractions`` also accepts fractions such as ``3.0`` (model property values);
    instance values reject them.
    """
    m = re.match(
        r"^P(\d+(?:\.\d+)?)W(?:(\d+(?:\.\d+)?)D)?"
        r"(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$",
        value,
    )
    if m:
        if value.endswith("T"):
            return False
        parts = [g for g in m.groups() if g is not None]
        return all("." not in p for p in parts[:-1])
    m = re.match(
        r"^P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)D)?"
        r"(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$",
        value,
    )
    if m is None or value in ("P", "PT") or value.endswith("T"):
        return False
    parts = [g for g in m.groups() if g is not None]
    if not parts:
        return False
    return all("." not in p for p in parts[:-1]) and (
        whole_fractions or not any(re.match(r"^\d+\.0+$", p) for p in parts)
    )


def _date(value: str) -> bool:
    m = _DATE.match(value)
    if m is None:
        return False
    try:
        datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return False
    return True


def _datetime(value: str) -> bool:
    m = _DATETIME.match(value)
    return m is not None and _date(m.group(1))


_FLOAT32_MAX = 3.4028234663852886e38


def _fits_float32(value: float) -> bool:
    return abs(value) <= _FLOAT32_MAX


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def primitive_conforms(name: str, value: Any) -> bool:
    if name == "boolean":
        return isinstance(value, bool)
    if name == "string":
        return isinstance(value, str)
    if name in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            return False
        lo, hi = _INT32 if name == "integer" else _INT64
        return lo <= value <= hi
    if name == "double":
        return _number(value) and math.isfinite(value)
    if name == "float":
        return _number(value) and math.isfinite(value) and _fits_float32(float(value))
    if not isinstance(value, str):
        return name in _GEO and _geo(name, value)
    if name == "date":
        return _date(value)
    if name == "dateTime":
        return _datetime(value)
    if name == "time":
        return _TIME_RE.match(value) is not None
    if name == "duration":
        return duration_ok(value)
    return False


_GEO = {
    "point": ("Point", 1),
    "multiPoint": ("MultiPoint", 2),
    "lineString": ("LineString", 2),
    "multiLineString": ("MultiLineString", 3),
    "polygon": ("Polygon", 3),
    "multiPolygon": ("MultiPolygon", 4),
}


def _positions(value: Any, depth: int) -> bool:
    if depth == 1:
        return (
            isinstance(value, list)
            and len(value) >= 2
            and all(_number(v) and math.isfinite(v) for v in value)
        )
    return isinstance(value, list) and all(_positions(v, depth - 1) for v in value)


def _geo(name: str, value: Any) -> bool:
    kind, depth = _GEO[name]
    return (
        isinstance(value, dict)
        and value.get("type") == kind
        and _positions(value.get("coordinates"), depth)
    )


def conforms(schema: Schema, value: Any) -> bool:
    """Whether ``value`` is an instance of ``schema``."""
    if isinstance(schema, PrimitiveSchema):
        return primitive_conforms(schema.name, value)
    if isinstance(schema, ArraySchema):
        return isinstance(value, list) and all(conforms(schema.element_schema, v) for v in value)
    if isinstance(schema, EnumSchema):
        return any(
            type(value) is type(ev.enum_value) and value == ev.enum_value
            for ev in schema.enum_values
        )
    if isinstance(schema, MapSchema):
        return isinstance(value, dict) and all(
            conforms(schema.map_value.schema, v) for v in value.values()
        )
    if isinstance(schema, ObjectSchema):
        if not isinstance(value, dict):
            return False
        fields = {f.name: f for f in schema.fields}
        return all(k in fields and conforms(fields[k].schema, v) for k, v in value.items())
    return False  # type: ignore[unreachable]  # a Schema union member added later
