"""Which column of a columnar record's schema is what, and whether its type is one we read."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from ingest.frame import RejectReason

_TIME_UNITS = {"s": (1_000_000, 1), "ms": (1000, 1), "us": (1, 1), "ns": (1, 1000)}
"""A timestamp unit -> (multiply, divide) to microseconds."""


@dataclass(frozen=True, slots=True)
class Plan:
    """Column indexes (None: absent) and how to read them."""

    twin: int | None
    signal: int | None
    time: int
    time_unit: str
    time_scale: int
    time_divide: int
    value: int | None
    value_boolean: bool
    text: int | None
    quality: int | None


@dataclass(frozen=True, slots=True)
class PlanError:
    """The schema cannot be read: every row of the record is refused with this."""

    reason: RejectReason
    detail: str


def _is_text(kind: pa.DataType) -> bool:
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def plan_of(schema: pa.Schema) -> Plan | PlanError:
    """The plan for a schema, or why its records are refused."""
    index = {name: i for i, name in enumerate(schema.names)}
    if len(index) != len(schema.names):
        return PlanError(RejectReason.BAD_SHAPE, "a column name appears twice; expected each once")

    def wrong(name: str, expected: str) -> PlanError:
        kind = schema.field(index[name]).type
        return PlanError(
            RejectReason.WRONG_TYPE, f"column {name!r} is of type {kind}; expected {expected}"
        )

    for name in ("twin", "signal", "text"):
        if name in index and not _is_text(schema.field(index[name]).type):
            return wrong(name, "a string (or dictionary of strings)")
    if "time" not in index:
        return PlanError(RejectReason.BAD_SHAPE, "no 'time' column; expected the event times")
    time = schema.field(index["time"]).type
    if pa.types.is_timestamp(time):
        if time.tz is None:
            return PlanError(
                RejectReason.BAD_TIME,
                f"column 'time' is {time} without a time zone; expected a zone (UTC)",
            )
        unit = str(time.unit)
    elif time == pa.int64():
        unit = "ms"
    else:
        return wrong("time", "int64 milliseconds since the Unix epoch or a timestamp with a zone")
    if "value" not in index and "text" not in index:
        return PlanError(RejectReason.BAD_SHAPE, "no 'value' or 'text' column; expected one")
    value_boolean = False
    if "value" in index:
        kind = schema.field(index["value"]).type
        value_boolean = pa.types.is_boolean(kind)
        if not (
            value_boolean
            or pa.types.is_integer(kind)
            or pa.types.is_floating(kind)
            or pa.types.is_null(kind)
        ):
            return wrong("value", "numbers (integer or floating point) or booleans")
    if "quality" in index and not pa.types.is_integer(schema.field(index["quality"]).type):
        return wrong("quality", "integers 0-3")
    scale, divide = _TIME_UNITS[unit]
    return Plan(
        twin=index.get("twin"),
        signal=index.get("signal"),
        time=index["time"],
        time_unit=unit,
        time_scale=scale,
        time_divide=divide,
        value=index.get("value"),
        value_boolean=value_boolean,
        text=index.get("text"),
        quality=index.get("quality"),
    )
