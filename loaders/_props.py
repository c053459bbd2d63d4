"""Row properties against the twin's model: CSV text converted by schema, values checked.

Values are checked by ``ontology.property_validator`` and ``ontology.value_problem``:
the same rules and size limits as the graph stores apply, so a row the loader
accepts is a row the store accepts.

Component properties are kept flat while rows merge (``nameplate.ratedVoltage``)
so two files may each give part of a component; :func:`nest` builds the
component objects the store takes.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass

import dtdl
from dtdl import with_article
from ontology import JsonValue, ValueValidator, property_validator, value_problem

_TRUE = ("true", "1", "yes")
_FALSE = ("false", "0", "no")
_TEXT = ("string", "date", "dateTime", "time", "duration")


@dataclass(frozen=True, slots=True)
class View:
    """What rows need of one Interface, computed once (dtdl computes its views on access)."""

    properties: Mapping[str, dtdl.Property]
    components: Mapping[str, Mapping[str, dtdl.Property]]
    """Component name -> the Properties of its Interface."""
    telemetries: frozenset[str]
    relationships: frozenset[str]
    fields: Mapping[str, tuple[dtdl.Property, ValueValidator]]
    """Flat key (``name`` or ``component.name``) -> its Property and a bound validator."""


class Models:
    """A ``dtdl.ModelSet`` with per-Interface :class:`View` s cached."""

    def __init__(self, model_set: dtdl.ModelSet) -> None:
        self.model_set = model_set
        self.dtmis = frozenset(model_set.interfaces)
        self._views: dict[str, View] = {}

    def __contains__(self, dtmi: str) -> bool:
        return dtmi in self.dtmis

    def view(self, dtmi: str) -> View:
        """The view of a held model (``KeyError`` when it is not held)."""
        found = self._views.get(dtmi)
        if found is None:
            model_set = self.model_set
            iface = model_set.interfaces[dtmi]
            components: dict[str, Mapping[str, dtdl.Property]] = {}
            for name, comp in iface.components.items():
                inner = model_set.interfaces.get(comp.schema)
                components[name] = dict(inner.properties) if inner is not None else {}
            fields = {
                name: (prop, property_validator(model_set, prop))
                for name, prop in iface.properties.items()
            }
            for name, props in components.items():
                for inner_name, prop in props.items():
                    fields[f"{name}.{inner_name}"] = (prop, property_validator(model_set, prop))
            found = View(
                properties=dict(iface.properties),
                components=components,
                telemetries=frozenset(iface.telemetries),
                relationships=frozenset(iface.relationships),
                fields=fields,
            )
            self._views[dtmi] = found
        return found


def _schema_name(schema: object) -> str:
    name = getattr(schema, "name", None)
    if isinstance(name, str):
        return name
    if getattr(schema, "value_schema", None) is not None:
        return "enum"
    return type(schema).__name__.removesuffix("Schema").lower() or "complex"


def coerce(text: str, schema: object) -> tuple[JsonValue, str | None]:
    """A CSV cell as the JSON value ``schema`` wants, or the reason it cannot be one."""
    target = getattr(schema, "value_schema", None) or schema  # an Enum: its value schema
    name = getattr(target, "name", None)
    if name in _TEXT:
        return text, None
    if name == "boolean":
        low = text.lower()
        if low in _TRUE or low in _FALSE:
            return low in _TRUE, None
        return None, f"{text!r} is not a boolean; expected true or false"
    if name in ("integer", "long"):
        try:
            return int(text), None
        except ValueError:
            return None, f"{text!r} is not {with_article(str(name))}; expected a whole number"
    if name in ("double", "float"):
        try:
            number = float(text)
        except ValueError:
            return None, f"{text!r} is not {with_article(str(name))}; expected a number"
        if not math.isfinite(number):
            return None, f"{text!r} is not a finite {name}"
        return number, None
    try:  # arrays, maps, objects, geospatial: JSON in the cell
        value: JsonValue = json.loads(text)
    except ValueError:
        return (
            None,
            (f"{text!r} is not JSON; {with_article(_schema_name(schema))} cell holds a JSON value"),
        )
    return value, None


def _flatten(
    properties: Mapping[str, object], components: Mapping[str, object]
) -> tuple[dict[str, object], list[str]]:
    flat: dict[str, object] = {}
    reasons: list[str] = []
    for name, value in properties.items():
        if name in components:
            if not isinstance(value, dict):
                reasons.append(
                    f"component {name!r} is {value!r:.60}; expected a mapping of its properties"
                )
                continue
            for inner, inner_value in value.items():
                if inner != "$metadata":
                    flat[f"{name}.{inner}"] = inner_value
        else:
            flat[name] = value
    return flat, reasons


def check(
    models: Models, model: str, properties: Mapping[str, object], *, textual: bool
) -> tuple[dict[str, JsonValue], list[str]]:
    """Flat, checked properties of a row for a twin of ``model`` (held in ``models``)."""
    view = models.view(model)
    fields = view.fields
    flat, reasons = _flatten(properties, view.components)
    out: dict[str, JsonValue] = {}
    for key, raw in flat.items():
        field = fields.get(key)
        if field is None:
            reasons.append(_missing(view, model, key))
            continue
        prop, valid = field
        if textual and isinstance(raw, str):
            value, reason = coerce(raw, prop.schema)
        else:
            value, reason = raw, None  # type: ignore[assignment]
        if reason is None:
            problem = value_problem(valid, value)
            if problem is not None:
                reason = f"{problem} ({_schema_name(prop.schema)})"
        if reason is not None:
            reasons.append(f"property {key!r} of model {model}: {reason}")
        else:
            out[key] = value
    return out, reasons


def _missing(view: View, model: str, key: str) -> str:
    head, dot, tail = key.partition(".")
    inner = view.components.get(head) if dot else None
    if inner is not None:
        return (
            f"component {head!r} of model {model} has no property {tail!r}; "
            f"it has: {', '.join(sorted(inner)) or 'none'}"
        )
    return _unknown(view, model, key)


def _unknown(view: View, model: str, key: str) -> str:
    if key in view.telemetries:
        return f"{key!r} is a Telemetry of model {model}: a signal, not a property to load"
    if key in view.relationships:
        return f"{key!r} is a Relationship of model {model}: give it as rel:{key} / relationships"
    known = sorted([*view.properties, *view.components])
    return f"model {model} has no property {key!r}; it has: {', '.join(known) or 'none'}"


def flatten_stored(
    models: Models, model: str, properties: Mapping[str, JsonValue]
) -> dict[str, JsonValue]:
    """A stored twin's properties, components flattened like rows'."""
    components = models.view(model).components if model in models else {}
    if not components:
        return dict(properties)
    flat: dict[str, JsonValue] = {}
    for name, value in properties.items():
        if name in components and isinstance(value, dict):
            for inner, inner_value in value.items():
                flat[f"{name}.{inner}"] = inner_value
        else:
            flat[name] = value
    return flat


def nest(models: Models, model: str, flat: Mapping[str, JsonValue]) -> dict[str, JsonValue]:
    """Flat properties back into the store's shape: component objects by component name."""
    components = models.view(model).components if model in models else {}
    if not components:
        return dict(flat)
    out: dict[str, JsonValue] = {}
    groups: dict[str, dict[str, JsonValue]] = {}
    for key, value in flat.items():
        head, dot, tail = key.partition(".")
        if dot and head in components:
            groups.setdefault(head, {})[tail] = value
        else:
            out[key] = value
    out.update(groups)
    return out
