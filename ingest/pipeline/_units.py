"""Unit conversion to a signal's unit: ``model = raw * scale + offset`` (DTDL unit names)."""

from __future__ import annotations

# Each unit as (scale, offset) into its quantity's base unit: base = value * scale + offset.
_UNITS: dict[str, tuple[str, float, float]] = {
    # temperature, base kelvin
    "kelvin": ("temperature", 1.0, 0.0),
    "degreeCelsius": ("temperature", 1.0, 273.15),
    "degreeFahrenheit": ("temperature", 5.0 / 9.0, 273.15 - 32.0 * 5.0 / 9.0),
    # pressure, base pascal
    "pascal": ("pressure", 1.0, 0.0),
    "kilopascal": ("pressure", 1e3, 0.0),
    "megapascal": ("pressure", 1e6, 0.0),
    "bar": ("pressure", 1e5, 0.0),
    "millibar": ("pressure", 1e2, 0.0),
    "poundPerSquareInch": ("pressure", 6894.757293168361, 0.0),
    # rotational speed / frequency, base hertz (revolutions per second)
    "hertz": ("frequency", 1.0, 0.0),
    "revolutionPerSecond": ("frequency", 1.0, 0.0),
    "revolutionPerMinute": ("frequency", 1.0 / 60.0, 0.0),
    "kilohertz": ("frequency", 1e3, 0.0),
    # velocity, base metre per second
    "metrePerSecond": ("velocity", 1.0, 0.0),
    "millimetrePerSecond": ("velocity", 1e-3, 0.0),
    "metrePerMinute": ("velocity", 1.0 / 60.0, 0.0),
    "kilometrePerHour": ("velocity", 1.0 / 3.6, 0.0),
    # power, base watt
    "watt": ("power", 1.0, 0.0),
    "kilowatt": ("power", 1e3, 0.0),
    "megawatt": ("power", 1e6, 0.0),
    "horsepower": ("power", 745.6998715822702, 0.0),
    # length, base metre
    "metre": ("length", 1.0, 0.0),
    "millimetre": ("length", 1e-3, 0.0),
    "micrometre": ("length", 1e-6, 0.0),
    "centimetre": ("length", 1e-2, 0.0),
    "inch": ("length", 0.0254, 0.0),
    # ratio, base unity
    "unity": ("ratio", 1.0, 0.0),
    "percent": ("ratio", 1e-2, 0.0),
}

KNOWN_UNITS = frozenset(_UNITS)


def conversion(source: str, target: str) -> tuple[float, float] | None:
    """``(scale, offset)`` from ``source`` to ``target``; None when either is unknown or they
    measure different quantities."""
    if source == target:
        return 1.0, 0.0
    a, b = _UNITS.get(source), _UNITS.get(target)
    if a is None or b is None or a[0] != b[0]:
        return None
    # base = v*sa + oa; target = (base - ob) / sb
    scale = a[1] / b[1]
    offset = (a[2] - b[2]) / b[1]
    return scale, offset
