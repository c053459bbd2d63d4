"""Unit conversions between DTDL unit names."""

from __future__ import annotations

import pytest

from ingest.pipeline import KNOWN_UNITS, conversion


@pytest.mark.parametrize(
    ("source", "target", "raw", "expected"),
    [
        ("degreeFahrenheit", "degreeCelsius", 32.0, 0.0),
        ("degreeCelsius", "kelvin", 0.0, 273.15),
        ("kelvin", "degreeFahrenheit", 373.15, 212.0),
        ("bar", "kilopascal", 1.0, 100.0),
        ("poundPerSquareInch", "bar", 14.5037738, 1.0),
        ("revolutionPerSecond", "revolutionPerMinute", 1.0, 60.0),
        ("kilowatt", "watt", 7.5, 7500.0),
        ("percent", "unity", 50.0, 0.5),
        ("millimetre", "millimetre", 3.0, 3.0),
    ],
)
def test_conversions(source: str, target: str, raw: float, expected: float) -> None:
    found = conversion(source, target)
    assert found is not None
    scale, offset = found
    assert raw * scale + offset == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize(("source", "target"), [("bar", "kelvin"), ("furlong", "metre")])
def test_no_conversion_between_quantities_or_unknown_units(source: str, target: str) -> None:
    assert conversion(source, target) is None


def test_every_unit_converts_to_itself() -> None:
    assert all(conversion(u, u) == (1.0, 0.0) for u in KNOWN_UNITS)
