"""One fast value validator per DTDL Property, shared by the stores and the loaders.

``property_validator(model_set, prop)`` compiles the predicate once per
Property: common primitives and string/integer enums are decided inline,
everything else goes through ``ModelSet.check_instance`` after the size limits
(``tests/ontology/graph/test_validators.py`` holds the inline checks to
``check_instance``). ``value_problem`` says in words why a value does not fit
(null, over a size limit, not of the schema); ``check_signal_update`` checks a
live value.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import partial

import dtdl
from ontology.graph._identifiers import SIGNAL_PATTERN, signal_match
from ontology.graph._limits import MAX_STRING, MAX_VALUE_JSON, show
from ontology.graph._values import SignalUpdate

ValueValidator = Callable[[object], bool]
"""Whether a value fits one Property's schema (and the size limits)."""

_INT32 = 2**31
_INT64 = 2**63
_INF = math.inf
_NEG_INF = -math.inf


def is_boolean(value: object) -> bool:
    return value is True or value is False


def is_string(value: object) -> bool:
    return isinstance(value, str) and len(value) <= MAX_STRING


def is_integer(value: object) -> bool:
    return type(value) is int and -_INT32 <= value < _INT32


def is_long(value: object) -> bool:
    return type(value) is int and -_INT64 <= value < _INT64


def is_double(value: object) -> bool:
    kind = type(value)
    return kind is int or (kind is float and math.isfinite(value))  # type: ignore[arg-type]


FAST: Mapping[str, ValueValidator] = {
    "boolean": is_boolean,
    "string": is_string,
    "integer": is_integer,
    "long": is_long,
    "double": is_double,
}
"""Primitive schemas checked without a call into ``dtdl`` (same rules as
``ModelSet.check_instance``; ``tests/ontology/graph/test_rules.py`` holds them to it)."""


def compile_validator(model_set: dtdl.ModelSet, element_id: str, schema: object) -> ValueValidator:
    """A predicate for values of the element ``element_id`` with schema ``schema``.

    Common primitives and string/integer enums are checked inline; everything
    else goes through ``model_set.check_instance`` after a JSON size check.
    """
    if isinstance(schema, dtdl.PrimitiveSchema):
        fast = FAST.get(schema.name)
        if fast is not None:
            return fast
    if isinstance(schema, dtdl.EnumSchema):
        allowed = frozenset((type(v.enum_value), v.enum_value) for v in schema.enum_values)
        return lambda value: (
            (type(value) is str or type(value) is int) and ((type(value), value) in allowed)
        )
    check = partial(model_set.check_instance, element_id)

    def general(value: object) -> bool:
        return value_size_problem("", value) is None and check(value)

    return general


SCALAR_PRIMITIVES = frozenset(
    {"boolean", "date", "dateTime", "double", "duration", "float", "integer", "long", "string"}
    | {"time"}
)


def is_scalar_schema(schema: object) -> bool:
    """Whether every value of ``schema`` is a JSON scalar (str, number, bool)."""
    if isinstance(schema, dtdl.PrimitiveSchema):
        return schema.name in SCALAR_PRIMITIVES
    return isinstance(schema, dtdl.EnumSchema)


def property_validator(model_set: dtdl.ModelSet, prop: dtdl.Property) -> ValueValidator:
    """The validator of ``prop``'s values (see ``compile_validator``)."""
    return compile_validator(model_set, prop.id, prop.schema)


def value_size_problem(key: str, value: object) -> str | None:
    """Why ``value`` is over a size limit (a string, or a list/object as JSON), else None."""
    if type(value) is str:
        if len(value) > MAX_STRING:
            return f"{key}: a string of {len(value)} characters; at most {MAX_STRING}"
    elif type(value) is dict or type(value) is list:
        try:
            size = len(json.dumps(value, allow_nan=False))
        except (TypeError, ValueError) as err:
            return f"{key}: {show(value)} is not a JSON value ({err})"
        if size > MAX_VALUE_JSON:
            return f"{key}: a value of {size} JSON characters; at most {MAX_VALUE_JSON}"
    return None


def value_problem(check: ValueValidator, value: object) -> str | None:
    """Why ``value`` cannot be stored for a Property with validator ``check``, else None.

    The words name the value and the rule, not the key (the caller adds it):
    "is null", "a string of 70000 characters; at most 65536", or
    "<value> does not fit its schema".
    """
    if value is None:
        return "is null; leave it out instead"
    reason = value_size_problem("", value)
    if reason is not None:
        return reason.removeprefix(": ")
    if check(value):
        return None
    return f"{show(value)} does not fit its schema"


def check_value(
    twin_id: str, model: str, name: str, check: ValueValidator, value: object
) -> str | None:
    """``value_problem`` of a twin's property, naming the property, the twin and its model."""
    key = f"property {name!r} of twin {twin_id!r}"
    if value is None:
        return f"{key} is null; leave it out instead (model {model})"
    reason = value_size_problem(key, value)
    if reason is not None:
        return reason
    if check(value):
        return None
    return f"{key}: {show(value)} does not fit the schema model {model} declares for it"


def check_signal_update(update: SignalUpdate) -> str | None:
    key = f"signal {update.signal!r} of twin {update.twin!r}"
    if not isinstance(update.signal, str) or signal_match(update.signal) is None:
        return f"{key}: the name is not valid; expected {SIGNAL_PATTERN}"
    if not isinstance(update.time, datetime) or update.time.tzinfo is None:
        return f"{key}: time {show(update.time)} must be a timezone-aware datetime"
    value = update.value
    if type(value) is float and not math.isfinite(value):
        return f"{key}: {value!r} is not a JSON number; send null for no value"
    return value_size_problem(key, value)


def signal_checker() -> Callable[[SignalUpdate], str | None]:
    """``check_signal_update`` for the updates of one call.

    The usual update (a name an earlier update of the call passed with, an aware time, a
    finite float) passes at the cost of those tests: the full check formats its message
    key and matches the name for each one (about 60 % of a 5,000-key ``set_signals``)."""
    named: set[str] = set()

    def check(update: SignalUpdate) -> str | None:
        signal, moment, value = update.signal, update.time, update.value
        if (
            type(signal) is str
            and signal in named
            and type(moment) is datetime
            and moment.tzinfo is not None
            and type(value) is float
            and math.isfinite(value)
        ):
            return None
        reason = check_signal_update(update)
        if reason is None:
            named.add(signal)
        return reason

    return check


def schema_name(schema: object) -> str:
    """A schema's name in a message (a primitive's name, else its id, else its kind)."""
    name = getattr(schema, "name", None) or getattr(schema, "id", None)
    return str(name) if name else type(schema).__name__
