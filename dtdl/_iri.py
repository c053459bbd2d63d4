"""Full IRIs of DTDL terms: ``dtmi:dtdl:property:name;3`` is the term ``name``.

JSON-LD lets a model write a term or the IRI it stands for; both mean the same.
"""

from __future__ import annotations

from dtdl._context import Context
from dtdl._vocab import CLASS_TERMS, PROPERTY_TERMS

_QT = "dtmi:dtdl:extension:quantitativeTypes:v1:"


def _ext_prefixes(ctx: Context) -> list[str]:
    result = []
    for ext in ctx.extensions:
        family, _, version = ext.context.rpartition(";")
        name = family.rsplit(":", 1)[-1]
        if family.startswith("dtmi:dtdl:extension:"):
            result.append(f"dtmi:dtdl:extension:{name}:v{version}:")
    return result


def canonical_property(key: str, ctx: Context) -> str:
    version = ctx.version
    prefix = "dtmi:dtdl:property:"
    if key.startswith(prefix):
        name, _, ver = key[len(prefix) :].partition(";")
        if ver == str(version) and name in PROPERTY_TERMS[version]:
            return name
        return key
    if key == f"{_QT}property:unit" and version >= 3:
        return "unit"
    for ext_prefix in _ext_prefixes(ctx):
        if key.startswith(ext_prefix):
            tail = key[len(ext_prefix) :].split(":")
            if len(tail) == 2 and any(tail[1] in ext.property_terms for ext in ctx.extensions):
                return tail[1]
    return key


def canonical_type(term: str, ctx: Context) -> str:
    version = ctx.version
    for prefix in ("dtmi:dtdl:class:", "dtmi:standard:class:"):
        if term.startswith(prefix):
            name, _, ver = term[len(prefix) :].partition(";")
            if ver == str(version) and (
                name in CLASS_TERMS[version] or prefix == "dtmi:standard:class:"
            ):
                return name
            return term
    if term.startswith(f"{_QT}class:"):
        return term[len(f"{_QT}class:") :]
    for ext_prefix in _ext_prefixes(ctx):
        if term.startswith(ext_prefix):
            tail = term[len(ext_prefix) :]
            if ":" not in tail:
                return tail
    return term


def canonical_value(value: str, version: int) -> str:
    """A unit or enumerated value written as its IRI, back to its term."""
    for prefix in (
        "dtmi:standard:unit:",
        "dtmi:dtdl:instance:CommandType:",
        "dtmi:dtdl:instance:Schema:",
        "dtmi:standard:schema:geospatial:",
    ):
        if value.startswith(prefix):
            name, _, ver = value[len(prefix) :].partition(";")
            if ver == str(version):
                return name
    if value.startswith(f"{_QT}unit:"):
        return value[len(f"{_QT}unit:") :]
    return value
