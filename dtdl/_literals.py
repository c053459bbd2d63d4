"""Literal property values: strings, booleans, integers, language strings, identifiers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dtdl import _dtmi
from dtdl._context import Context
from dtdl._instance import duration_ok
from dtdl._json import Path
from dtdl._langstrings import check_lang_string
from dtdl._node import Node
from dtdl._vocab import Prop

Report = Callable[..., None]

_XSD = {
    "string": ("xsd:string", "http://www.w3.org/2001/XMLSchema#string"),
    "boolean": ("xsd:boolean", "http://www.w3.org/2001/XMLSchema#boolean"),
    "integer": ("xsd:integer", "http://www.w3.org/2001/XMLSchema#integer"),
    "duration": ("xsd:duration", "http://www.w3.org/2001/XMLSchema#duration"),
}
_FAMILY = {
    "string": "string",
    "boolean": "boolean",
    "integer": "integer",
    "duration": "duration",
    "identifier": "identifier",
    "unit": "object",
    "term": "identifier",
    "literal": "literal",
}
INT32 = (-(2**31), 2**31 - 1)


def _as_int(value: Any) -> int | None:
    """A JSON number that is a 32-bit integer (``2.0`` included), as an int."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not value.is_integer():
        return None
    number = int(value)
    return number if INT32[0] <= number <= INT32[1] else None


def _is_int(value: Any) -> bool:
    return _as_int(value) is not None


def _value_object(
    node: Node, key: str, item: dict[str, Any], family: str, rep: Report, path: Path
) -> tuple[bool, Any]:
    """Unwrap ``{"@value": v, "@type": t}``; report what is wrong with the object."""
    ok = True
    for k in item:
        if k in ("@value", "@type"):
            continue
        if node.version == 2 and k.startswith("@") and k not in ("@id", "@context", "@graph"):
            rep(
                "extraValueObjectKey",
                severity="warning",
                primary=node.id,
                prop=key,
                value=k,
                path=(*path, k),
            )
            continue
        code = {
            "@language": "valueObjectLanguage",
            "@id": "valueObjectId",
            "@context": "valueObjectContext",
            "@graph": "valueObjectGraph",
        }.get(k, "valueObjectKeyword" if k.startswith("@") else "valueObjectInvalidProp")
        rep(code, primary=node.id, prop=key, value=k, path=(*path, k))
        ok = False
    if "@value" not in item:
        rep(f"{family}ObjectNoValue", primary=node.id, prop=key, path=path)
        return False, None
    if "@type" not in item:
        rep("untypedValueObject", severity="warning", primary=node.id, prop=key, path=path)
    if "@type" in item:
        vtype = item["@type"]
        if isinstance(vtype, list) and len(vtype) == 1:
            vtype = vtype[0]
        if isinstance(vtype, list):
            rep("literalTypeNotSingular", primary=node.id, prop=key, path=path)
            return False, None
        if family == "literal":
            for kind, names in _XSD.items():
                if vtype in names and kind != "duration":
                    return _typed_literal(node, key, kind, item["@value"], rep, path)
            return ok, ("__value__", item["@value"])
        if vtype not in _XSD.get(family, ()):
            prefix = {
                "string": "stringTypeNotString",
                "boolean": "booleanTypeNotBoolean",
                "integer": "integerTypeNotInteger",
                "duration": "durationTypeNotDuration",
            }.get(family)
            if prefix:
                rep(prefix, primary=node.id, prop=key, path=path)
                return False, None
    inner = item["@value"]
    return ok, ("__value__", inner)


def _typed_literal(
    node: Node, key: str, kind: str, inner: Any, rep: Report, path: Path
) -> tuple[bool, Any]:
    """A literal value object whose ``@type`` names an XSD type: the value must match it."""
    good = {
        "string": isinstance(inner, str),
        "boolean": isinstance(inner, bool),
        "integer": _is_int(inner),
    }[kind]
    if not good:
        rep(
            f"{kind}ValueNotString" if kind == "string" else f"{kind}ValueNot{kind.title()}",
            primary=node.id,
            prop=key,
            path=path,
        )
        return False, None
    return True, ("__value__", inner)


def check_literal(
    node: Node,
    key: str,
    value: Any,
    spec: Prop,
    ctx: Context,
    rep: Report,
    path: Path,
    label: str | None = None,
) -> None:
    """Validate literal ``value`` of property ``key`` and store it on ``node``.

    ``label`` is the property's name in diagnostics (an extension property's IRI).
    """
    stored = key
    if spec.kind not in ("unit", "term"):
        key = label or key
    if spec.kind == "langString":
        check_lang_string(node, key, value, spec, rep, path)
        return
    family = _FAMILY.get(spec.kind, "string")
    items = value if isinstance(value, list) else [value]
    if spec.max == 1 and len(items) > 1:
        rep(f"{family}MultipleValues", primary=node.id, prop=key, path=path)
        return
    results: list[Any] = []
    for item in items:
        raw = item
        if isinstance(item, dict) and family not in ("identifier", "object"):
            ok, wrapped = _value_object(node, key, item, family, rep, path)
            if not ok:
                return
            raw = wrapped[1]
            if family == "string" and not isinstance(raw, str):
                rep("stringValueNotString", primary=node.id, prop=key, path=path)
                return
            if family == "boolean" and not isinstance(raw, bool):
                rep("booleanValueNotBoolean", primary=node.id, prop=key, path=path)
                return
            if family == "integer" and not _is_int(raw):
                rep("integerValueNotInteger", primary=node.id, prop=key, path=path)
                return
            if family == "duration" and not isinstance(raw, str):
                rep("durationValueNotString", primary=node.id, prop=key, path=path)
                return
        if family == "string":
            if not isinstance(raw, str):
                rep("stringNotString", primary=node.id, prop=key, path=path)
                return
            if spec.max_length is not None and len(raw) > spec.max_length:
                rep(
                    "stringTooLong",
                    primary=node.id,
                    prop=key,
                    value=raw,
                    path=path,
                    limit=str(spec.max_length),
                )
                return
            if spec.pattern is not None and not spec.pattern.match(raw):
                rep("stringInvalid", primary=node.id, prop=key, value=raw, path=path)
                return
        elif family == "boolean":
            if not isinstance(raw, bool):
                rep("booleanNotBoolean", primary=node.id, prop=key, path=path)
                return
        elif family == "integer":
            as_int = _as_int(raw)
            if as_int is None:
                rep("integerNotInteger", primary=node.id, prop=key, path=path)
                return
            raw = as_int
            lo, hi = spec.min_value, spec.max_value
            if lo is not None and hi is not None and lo == hi and raw != lo:
                rep(
                    "valueNotExact",
                    primary=node.id,
                    prop=key,
                    value=str(raw),
                    path=path,
                    limit=str(lo),
                )
                return
            # a bound on both sides is a range; a single bound is a minimum or a maximum
            if lo is not None and raw < lo:
                rep(
                    "valueBelowRange" if hi is not None else "valueBelowMin",
                    primary=node.id,
                    prop=key,
                    value=str(raw),
                    path=path,
                    limit=str(lo),
                )
                return
            if hi is not None and raw > hi:
                rep(
                    "valueAboveRange" if lo is not None else "valueAboveMax",
                    primary=node.id,
                    prop=key,
                    value=str(raw),
                    path=path,
                    limit=str(hi),
                )
                return
            if not INT32[0] <= raw <= INT32[1]:
                rep(
                    "valueAboveRange",
                    primary=node.id,
                    prop=key,
                    value=str(raw),
                    path=path,
                    limit=str(INT32[1]),
                )
                return
        elif family == "duration":
            if not isinstance(raw, str):
                rep("durationNotString", primary=node.id, prop=key, path=path)
                return
            if not duration_ok(raw, whole_fractions=True):
                rep("durationInvalid", primary=node.id, prop=key, value=raw, path=path)
                return
        elif family == "literal":
            # a string, an integer (2.0 counts), a decimal or a boolean
            if raw is None or isinstance(raw, (list, dict)):
                rep("literalNotValid", primary=node.id, prop=key, path=path)
                return
            as_int = _as_int(raw)
            if as_int is not None and isinstance(raw, float):
                raw = as_int
        elif family in ("identifier", "object") and not _identifier(
            node, key, raw, spec, ctx, rep, path
        ):
            return
        results.append(raw)
    if len(results) < spec.min:
        rep(f"{family}CountBelowMin", primary=node.id, prop=key, path=path, limit=str(spec.min))
        return
    if results:
        node.literals[stored] = results[0] if spec.max == 1 else results
        if stored == "name" and isinstance(results[0], str):
            node.name = results[0]


def _identifier(
    node: Node, key: str, raw: Any, spec: Prop, ctx: Context, rep: Report, path: Path
) -> bool:
    if spec.kind in ("unit", "term"):
        if isinstance(raw, dict):
            rep("refObjectNotAllowed", primary=node.id, prop=key, path=path)
            return False
        if not isinstance(raw, str):
            rep("refNotStringOrObject", primary=node.id, prop=key, path=path)
            return False
        return True
    if isinstance(raw, dict):
        rep("refObjectNotAllowed", primary=node.id, prop=key, path=path)
        return False
    if not isinstance(raw, str):
        rep("identifierNotString", primary=node.id, prop=key, path=path)
        return False
    if not raw.startswith("dtmi:") or not _dtmi.ANY.match(raw):
        rep("identifierNotDtmi", primary=node.id, prop=key, value=raw, path=path)
        return False
    if spec.max_length is not None and len(raw) > spec.max_length:
        rep(
            "identifierTooLong",
            primary=node.id,
            prop=key,
            value=raw,
            path=path,
            limit=str(spec.max_length),
        )
        return False
    if spec.pattern is not None and not spec.pattern.match(raw):
        rep("identifierInvalid", primary=node.id, prop=key, value=raw, path=path)
        return False
    return True
