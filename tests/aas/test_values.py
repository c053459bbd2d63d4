"""Language strings and ``xs:`` values, through the mapping's public behaviour."""

from __future__ import annotations

import math

import pytest
from aas_core3_1 import types as t

from aas import lang_strings, lexical, xs_type

XS = t.DataTypeDefXSD


def test_duplicate_languages_are_removed_first_wins_case_insensitive() -> None:
    out = lang_strings({"en": "one", "EN": "two", "de": "zwei"}, 128, t.LangStringNameType)
    assert out is not None
    assert [(s.language, s.text) for s in out] == [("en", "one"), ("de", "zwei")]


def test_long_texts_are_cut_and_bad_tags_and_empty_texts_dropped() -> None:
    out = lang_strings({"en": "x" * 300, "not a tag": "y", "fr": "  "}, 128, t.LangStringNameType)
    assert out is not None
    assert len(out) == 1
    assert len(out[0].text) == 128
    assert out[0].text.endswith("…")
    assert lang_strings({}, 128, t.LangStringNameType) is None


@pytest.mark.parametrize(
    ("primitive", "expected"),
    [
        ("integer", XS.INT),
        ("long", XS.LONG),
        ("double", XS.DOUBLE),
        ("dateTime", XS.DATE_TIME),
        ("point", XS.STRING),
        ("unsignedLong", XS.UNSIGNED_LONG),
    ],
)
def test_primitive_schemas_map_to_xs_types(primitive: str, expected: XS) -> None:
    assert xs_type(primitive) is expected


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (True, XS.BOOLEAN, "true"),
        (1, XS.BOOLEAN, None),
        (7, XS.INT, "7"),
        (2**40, XS.INT, None),
        (True, XS.INT, None),
        ("7", XS.INT, None),
        (55, XS.DOUBLE, "55.0"),
        (0.1, XS.DOUBLE, "0.1"),
        (math.inf, XS.DOUBLE, "INF"),
        (math.nan, XS.DOUBLE, "NaN"),
        ("2017-07-13", XS.DATE, "2017-07-13"),
        ("2017-13-40", XS.DATE, None),
        ("2024-05-01T10:00:00+02:00", XS.DATE_TIME, "2024-05-01T08:00:00Z"),
        ("2024-05-01T10:00:00", XS.DATE_TIME, "2024-05-01T10:00:00Z"),
        ("P1DT2H", XS.DURATION, "P1DT2H"),
        ("bell\x07", XS.STRING, "bell"),
        ({"lat": 1.5}, XS.STRING, '{"lat": 1.5}'),
        ("", XS.STRING, None),
        (None, XS.STRING, None),
    ],
)
def test_values_in_lexical_form_or_none_when_they_do_not_fit(
    value: object, kind: XS, expected: str | None
) -> None:
    assert lexical(value, kind) == expected
