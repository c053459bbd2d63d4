"""Message templates read as English: "an Array", never "a Array"."""

from __future__ import annotations

import re

import pytest

from dtdl._messages import _MESSAGES, render, with_article

A_BEFORE_VOWEL = re.compile(r"\b[Aa] [AEIOaeio]\w")


@pytest.mark.parametrize(
    ("noun", "expected"),
    [
        ("Array", "an Array"),
        ("Enum", "an Enum"),
        ("Interface", "an Interface"),
        ("Object", "an Object"),
        ("AccelerationUnit", "an AccelerationUnit"),
        ("Map", "a Map"),
        ("Component", "a Component"),
        ("TemperatureUnit", "a TemperatureUnit"),
        ("Unitless", "a Unitless"),
        ("Undefined", "an Undefined"),
    ],
)
def test_the_article_follows_the_noun(noun: str, expected: str) -> None:
    assert with_article(noun) == expected


@pytest.mark.parametrize("code", sorted(_MESSAGES))
@pytest.mark.parametrize("noun", ["Array", "Interface", "Enum", "Object", "AccelerationUnit"])
def test_no_template_puts_a_before_a_vowel(code: str, noun: str) -> None:
    fields: dict[str, str | None] = {
        "primary": "dtmi:com:example:Pump;1",
        "secondary": "dtmi:com:example:Other;1",
        "prop": "schema",
        "value": "x",
        "expected": noun,
        "allowed": "integer or string",
        "limit": "5",
        "version": "3",
        "first": "in pump.json at line 3",
        "reserved_by": "DTDL",
    }
    cause, action = render(code, fields)
    assert not A_BEFORE_VOWEL.search(cause), cause
    assert not A_BEFORE_VOWEL.search(action), action
