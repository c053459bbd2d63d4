"""Concrete fixes appended to a diagnostic's action: the close term, the missing context.

A modeler who writes ``"schema": "dobule"`` or ``"@type": ["Telemetry",
"Temperature"]`` without the QuantitativeTypes context should read what to
type, not only which rule broke.
"""

from __future__ import annotations

import difflib
import re

from dtdl._units import ALL_UNITS, SEMANTIC_TYPES
from dtdl._vocab import CLASS_TERMS, PROPERTY_TERMS, VALUE_TERMS

QUANTITATIVE_TYPES = "dtmi:dtdl:extension:quantitativeTypes;1"
_MAX_VALUE = 100
_NOT_NAME_CHARACTER = re.compile(r"[^A-Za-z0-9_]+")


def hint(code: str, prop: str | None, value: str | None, version: str | None) -> str | None:
    """A sentence that names the likely fix, or None when there is no good guess."""
    if code == "excludedType" and version == "2":
        return (
            "DTDL v2 allows no Array anywhere in a Property's schema (the geospatial schemas "
            "hold Arrays); a Telemetry may have one, and so may a DTDL v3 Property."
        )
    if not value or len(value) > _MAX_VALUE:
        return None
    if code == "identifierNotDtmi" and value.startswith("_:"):
        return (
            f"'{value}' is a JSON-LD blank node, which names no model; a Relationship's "
            "target is an Interface's DTMI (leave 'target' out to allow any Interface)."
        )
    dtdl_version = 2 if version == "2" else 3
    if code == "typeUndefinedTerm":
        if dtdl_version == 3 and value in SEMANTIC_TYPES[3]:
            return (
                f"'{value}' is a semantic type of the QuantitativeTypes extension: add "
                f"\"{QUANTITATIVE_TYPES}\" to the '@context' array."
            )
        return _did_you_mean(value, CLASS_TERMS[dtdl_version] | set(SEMANTIC_TYPES[dtdl_version]))
    if code == "propertyUndefinedTerm":
        if dtdl_version == 3 and value == "unit":
            return (
                "'unit' belongs to the QuantitativeTypes extension: add "
                f"\"{QUANTITATIVE_TYPES}\" to '@context' and a semantic type to @type."
            )
        return _did_you_mean(value, PROPERTY_TERMS[dtdl_version])
    if code == "badDtmiOrTerm":
        return _did_you_mean(value, VALUE_TERMS[dtdl_version] | ALL_UNITS[dtdl_version])
    if code == "stringInvalid" and prop == "name":
        fixed = _NOT_NAME_CHARACTER.sub("_", value).strip("_")
        example = f" For example '{fixed}'." if fixed and fixed[0].isalpha() else ""
        return (
            "A name starts with a letter and holds only letters, digits and underscores, "
            f"not ending with one.{example}"
        )
    return None


def _did_you_mean(value: str, terms: frozenset[str] | set[str]) -> str | None:
    close = difflib.get_close_matches(value, sorted(terms), n=1, cutoff=0.75)
    if not close or close[0] == value:
        return None
    return f"Did you mean '{close[0]}'?"
