"""DTDL primitive schemas to ``xs:`` value types, and values to their lexical form.

AAS Property values are strings in the lexical form of their ``valueType``.
:func:`lexical` returns ``None`` for a value that does not fit (a string in an
``integer`` property, an out-of-range number, a date Python cannot hold): the
Property is then exported without a value rather than with a wrong one.
Dates and times are checked with Python's own parsers so that every reader
(basyx holds them as ``datetime``) can read what we write; a ``dateTime`` is
always written in UTC with ``Z``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import UTC, date, datetime, time

from aas_core3_1 import types as t
from aas_core3_1 import verification

from aas._text import xml_safe

XS = t.DataTypeDefXSD

_PRIMITIVE: dict[str, t.DataTypeDefXSD] = {
    "boolean": XS.BOOLEAN,
    "date": XS.DATE,
    "dateTime": XS.DATE_TIME,
    "double": XS.DOUBLE,
    "duration": XS.DURATION,
    "float": XS.FLOAT,
    "integer": XS.INT,
    "long": XS.LONG,
    "string": XS.STRING,
    "time": XS.TIME,
    "byte": XS.BYTE,
    "short": XS.SHORT,
    "unsignedByte": XS.UNSIGNED_BYTE,
    "unsignedShort": XS.UNSIGNED_SHORT,
    "unsignedInteger": XS.UNSIGNED_INT,
    "unsignedLong": XS.UNSIGNED_LONG,
    "decimal": XS.DECIMAL,
    "uuid": XS.STRING,
    "bytes": XS.BASE_64_BINARY,
}
"""DTDL v3 (and v4) primitive schema terms; anything else (geospatial) is an ``xs:string``."""

_INTEGERS = frozenset(
    {XS.INT, XS.LONG, XS.BYTE, XS.SHORT, XS.UNSIGNED_BYTE, XS.UNSIGNED_SHORT}
    | {XS.UNSIGNED_INT, XS.UNSIGNED_LONG, XS.INTEGER}
)
_FLOATS = frozenset({XS.DOUBLE, XS.FLOAT, XS.DECIMAL})


def xs_type(primitive: str) -> t.DataTypeDefXSD:
    """The ``xs:`` type of a DTDL primitive schema term (``xs:string`` for geospatial)."""
    return _PRIMITIVE.get(primitive, XS.STRING)


def lexical(value: object, value_type: t.DataTypeDefXSD) -> str | None:
    """``value`` in the lexical form of ``value_type``, or ``None`` when it does not fit."""
    if value is None:
        return None
    text = _text(value, value_type)
    if text is None or not text:
        return None
    return text if verification.value_consistent_with_xsd_type(text, value_type) else None


def _text(value: object, value_type: t.DataTypeDefXSD) -> str | None:
    if value_type is XS.BOOLEAN:
        return ("true" if value else "false") if isinstance(value, bool) else None
    if value_type in _INTEGERS:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else None
    if value_type in _FLOATS:
        return _number(value, decimal=value_type is XS.DECIMAL)
    if value_type is XS.STRING:
        if isinstance(value, str):
            return xml_safe(value)
        return xml_safe(json.dumps(value, ensure_ascii=False, sort_keys=True))
    if not isinstance(value, str):
        return None
    if value_type is XS.DATE_TIME:
        return _date_time(value)
    if value_type is XS.DATE:
        return _parses(value, date.fromisoformat)
    if value_type is XS.TIME:
        return _parses(value, time.fromisoformat)
    return value


def _number(value: object, *, decimal: bool) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, int):
        return str(value) if decimal else repr(float(value))
    if math.isnan(value):
        return None if decimal else "NaN"
    if math.isinf(value):
        return None if decimal else ("INF" if value > 0 else "-INF")
    return repr(value) if not decimal or "e" not in repr(value) else f"{value:f}"


def _date_time(value: str) -> str | None:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _parses(value: str, parse: Callable[[str], object]) -> str | None:
    try:
        parse(value)
    except ValueError:
        return None
    return value
