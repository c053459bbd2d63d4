"""The rules of the graph, as pure functions both stores call (no I/O here).

Every ``check_*`` returns reasons (plain words naming the key, the value
received and what was expected); an empty list means the input is fine.
Nothing here raises for bad input except the ``require_*`` helpers, which
raise ``InvalidError`` / ``LifecycleError`` for single-item operations.

API (used by ``_memory.py`` and ``_neo4j*.py`` alike):

- ``rules_for(model_set) -> TwinRules``: the rules compiled once per
  ``dtdl.ModelSet`` (cached on the set's identity; build it once per batch):

  - ``TwinRules.twin(spec) -> list[str]``: id syntax, model held, each
    property value against its Property schema (``ModelSet.check_instance``),
    components (a JSON object of the component Interface's Properties),
    aliases syntax, size limits;
  - ``TwinRules.twins(specs) -> dict[int, list[str]]``: the same for a whole
    batch, the reasons of each refused spec by position (``upsert_twins``
    checks its batch up front with it; the common valid twin is decided inline);
  - ``TwinRules.properties(twin_id, model, properties) -> list[str]``: the
    property part alone (``update_twin`` checks the merged result with it);
  - ``TwinRules.edge(edge, source_model, target_model, existing) -> list[str]``:
    source and target twins exist (``None`` model = unknown twin), the source
    model declares a Relationship of that name (``contains`` is always allowed:
    it is the hierarchy; when a model declares a ``contains`` Relationship its
    target and maxMultiplicity apply), the target twin's model is the
    Relationship's ``target`` or extends it, ``existing`` (how many *other*
    edges of that name leave the source, batch included) stays below
    ``maxMultiplicity``, edge properties fit the Relationship's Properties;
  - ``TwinRules.declares(model, name)``, ``TwinRules.max_multiplicity(model,
    name)``: count held edges only when a limit exists;
  - ``TwinRules.models_matching(dtmi)``: the DTMI plus every model extending it;
  - ``TwinRules.models_with_semantic_type(term)``: models with a Property or
    Telemetry (own, inherited or in a component) of that semantic type
    (``"Temperature"`` or its full DTMI).

- ``check_twin(model_set, spec)`` and ``check_edge(model_set, edge, source_model,
  target_model, existing)``: shorthands for the above.
- ``compile_validator(model_set, element_id, schema)``: the per-(model, property)
  predicate: common primitives and enums inline (held to ``check_instance`` by
  ``tests/ontology/test_checks.py``), everything else through ``check_instance``.
- ``check_twin_id``, ``check_alias``, ``check_aliases``, ``check_signal_update``
  (also refuses NaN and infinities), ``is_signal_name``: one value each.
- ``require_principal``, ``require_page``, ``require_depth``: raise ``InvalidError``.
- ``require_transition(twin_id, current, to)``: raises ``LifecycleError``.
- ``require_rollup(spec, rules)``: ``define_rollup``'s checks (``InvalidError``,
  ``NotFoundError`` for a model not held).
- ``merge_properties(current, changes)``: ``update_twin``'s merge (``None`` removes).
- ``upsert_unchanged(twin, spec)``: the idempotence rule of ``upsert_twins``.
  Upsert creates with ``spec.lifecycle``; on an existing twin it replaces model,
  properties and aliases and *keeps* the lifecycle (only ``set_lifecycle`` moves it).
- ``signal_wins(stored, new)``: newer-or-equal event time wins.
- ``twin_json(twin)``, ``edge_json(edge)``, ``rollup_json(spec)``, ``edge_key(edge)``:
  audit snapshots and keys.
- ``ACTION_*``: the audit action names; ``KIND_*``: the entity kinds of ``NotFoundError``.
- ``MAX_*``: the size limits (twin id, properties, aliases, strings, batch, page, depth).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import Protocol

import dtdl
from ontology._errors import InvalidError, LifecycleError, NotFoundError
from ontology._store import MAX_PAGE, MAX_READ_IDS
from ontology._values import (
    CONTAINS,
    LIFECYCLE_TRANSITIONS,
    Aggregate,
    Alias,
    Edge,
    JsonValue,
    Lifecycle,
    RollupSpec,
    SignalUpdate,
    TwinSpec,
)

# ------------------------------------------------------------------ limits
MAX_TWIN_ID = 512
MAX_PROPERTIES = 1_000
MAX_ALIASES = 64
MAX_ALIAS_VALUE = 1_024
MAX_STRING = 65_536
MAX_VALUE_JSON = 262_144
MAX_BATCH = 1_000_000
MAX_PRINCIPAL = 256
MAX_DEPTH = 1_000
MAX_NAME = 512
"""DTDL's limit on a ``name``: edge (relationship) names."""

TWIN_ID_PATTERN = r"[A-Za-z0-9_][A-Za-z0-9_.:@~+\-]*(?:/[A-Za-z0-9_][A-Za-z0-9_.:@~+\-]*)*"
"""Path-like: ``plant/jkt1/packaging/line3``; segments never start with ``.``."""
ALIAS_NAMESPACE_PATTERN = r"[A-Za-z][A-Za-z0-9_.\-]{0,63}"
NAME_PATTERN = r"[A-Za-z](?:[A-Za-z0-9_]*[A-Za-z0-9])?"
"""DTDL ``name`` syntax: relationship (edge) names."""
SIGNAL_PATTERN = r"[A-Za-z][A-Za-z0-9_.:\-]{0,255}"

_TWIN_ID = re.compile(TWIN_ID_PATTERN).fullmatch
_NAMESPACE = re.compile(ALIAS_NAMESPACE_PATTERN).fullmatch
_NAME = re.compile(NAME_PATTERN).fullmatch
_SIGNAL = re.compile(SIGNAL_PATTERN).fullmatch
_CONTROL = re.compile(r"[\x00-\x1f\x7f]").search

# ---------------------------------------- entity kinds (NotFoundError etc.)
KIND_MODEL = "model"
KIND_TWIN = "twin"
KIND_EDGE = "edge"
KIND_ALIAS = "alias"

# ------------------------------------------------------------ audit actions
ACTION_MODEL_ADD = "model.add"
ACTION_MODEL_DELETE = "model.delete"
ACTION_TWIN_CREATE = "twin.create"
ACTION_TWIN_UPDATE = "twin.update"
ACTION_TWIN_DELETE = "twin.delete"
ACTION_TWIN_LIFECYCLE = "twin.lifecycle"
ACTION_EDGE_ADD = "edge.add"
ACTION_EDGE_UPDATE = "edge.update"
ACTION_EDGE_REMOVE = "edge.remove"
ACTION_ALIAS_ADD = "alias.add"
ACTION_ALIAS_REMOVE = "alias.remove"
ACTION_ROLLUP_DEFINE = "rollup.define"


def _show(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ------------------------------------------------------------ single values
def check_twin_id(twin_id: object) -> str | None:
    if not isinstance(twin_id, str):
        return f"twin id {_show(twin_id)} is a {type(twin_id).__name__}; expected a string"
    if len(twin_id) > MAX_TWIN_ID:
        return f"twin id {_show(twin_id)} has {len(twin_id)} characters; at most {MAX_TWIN_ID}"
    if _TWIN_ID(twin_id) is None:
        return (
            f"twin id {_show(twin_id)} is not path-like; expected segments of letters, digits "
            "and _.:@~+- separated by '/', none empty or starting with '.'"
        )
    return None


def check_alias(alias: object) -> str | None:
    if not isinstance(alias, Alias):
        return f"alias {_show(alias)} is a {type(alias).__name__}; expected Alias(namespace, value)"
    ns, value = alias.namespace, alias.value
    if not isinstance(ns, str) or _NAMESPACE(ns) is None:
        return (
            f"alias namespace {_show(ns)} is not valid; expected a letter then up to 63 "
            "letters, digits or _.-"
        )
    if not isinstance(value, str) or not value or len(value) > MAX_ALIAS_VALUE:
        return (
            f"alias value {_show(value)} in namespace {ns!r} is not valid; expected a "
            f"non-empty string of at most {MAX_ALIAS_VALUE} characters"
        )
    if _CONTROL(value) is not None:
        return f"alias value {_show(value)} in namespace {ns!r} contains control characters"
    return None


def is_signal_name(name: object) -> bool:
    return isinstance(name, str) and _SIGNAL(name) is not None


def check_signal_update(update: SignalUpdate) -> str | None:
    key = f"signal {update.signal!r} of twin {update.twin!r}"
    if not isinstance(update.signal, str) or _SIGNAL(update.signal) is None:
        return f"{key}: the name is not valid; expected {SIGNAL_PATTERN}"
    if not isinstance(update.time, datetime) or update.time.tzinfo is None:
        return f"{key}: time {_show(update.time)} must be a timezone-aware datetime"
    value = update.value
    if type(value) is float and not math.isfinite(value):
        return f"{key}: {value!r} is not a JSON number; send null for no value"
    return _value_size(key, value)


def _value_size(key: str, value: object) -> str | None:
    if type(value) is str:
        if len(value) > MAX_STRING:
            return f"{key}: a string of {len(value)} characters; at most {MAX_STRING}"
    elif type(value) is dict or type(value) is list:
        try:
            size = len(json.dumps(value, allow_nan=False))
        except (TypeError, ValueError) as err:
            return f"{key}: {_show(value)} is not a JSON value ({err})"
        if size > MAX_VALUE_JSON:
            return f"{key}: a value of {size} JSON characters; at most {MAX_VALUE_JSON}"
    return None


# ------------------------------------------------------------- raise helpers
def require_principal(principal: object) -> str:
    if not isinstance(principal, str) or not principal or len(principal) > MAX_PRINCIPAL:
        msg = (
            f"principal {_show(principal)} is not valid; expected a non-empty string of at "
            f"most {MAX_PRINCIPAL} characters"
        )
        raise InvalidError(msg)
    return principal


def require_page(first: object) -> int:
    if type(first) is not int or not 1 <= first <= MAX_PAGE:
        msg = f"page size first={_show(first)} is not valid; expected an integer 1..{MAX_PAGE}"
        raise InvalidError(msg)
    return first


def require_depth(max_depth: object) -> int:
    """``None`` means unlimited (returned as ``MAX_DEPTH``)."""
    if max_depth is None:
        return MAX_DEPTH
    if type(max_depth) is not int or not 1 <= max_depth <= MAX_DEPTH:
        msg = f"max_depth={_show(max_depth)} is not valid; expected an integer 1..{MAX_DEPTH}"
        raise InvalidError(msg)
    return max_depth


def require_read_ids(twin_ids: Sequence[str], name: str | None = None) -> list[str]:
    """A many-twin read's ids (and edge name) checked: at most ``MAX_READ_IDS`` strings."""
    given: object = twin_ids
    if isinstance(given, str) or not isinstance(given, Sequence):
        msg = f"twin ids {_show(given)} are not valid; expected a sequence of strings"
        raise InvalidError(msg)
    if len(given) > MAX_READ_IDS:
        msg = f"a read of {len(given)} twin ids; at most {MAX_READ_IDS} per call, split it"
        raise InvalidError(msg)
    ids: list[str] = []
    for item in given:
        if not isinstance(item, str):
            msg = f"twin id {_show(item)} is a {type(item).__name__}; expected a string"
            raise InvalidError(msg)
        ids.append(item)
    edge_name: object = name
    if edge_name is not None and not isinstance(edge_name, str):
        msg = f"edge name {_show(edge_name)} is a {type(edge_name).__name__}; expected a string"
        raise InvalidError(msg)
    return ids


def require_batch(kind: str, items: Sequence[object]) -> None:
    if len(items) > MAX_BATCH:
        msg = f"a batch of {len(items)} {kind}; at most {MAX_BATCH} per call, split it"
        raise InvalidError(msg)


def require_rollup(spec: RollupSpec, rules: TwinRules) -> None:
    """``define_rollup``'s checks: names, aggregate, weight, scope, models held."""
    for what, name in (("name", spec.name), ("signal", spec.signal), ("weight", spec.weight)):
        if name is not None and not is_signal_name(name):
            msg = f"rollup {what} {name!r} is not valid; expected {SIGNAL_PATTERN}"
            raise InvalidError(msg)
    try:
        aggregate = Aggregate(spec.aggregate)
    except ValueError:
        known = ", ".join(a.value for a in Aggregate)
        msg = f"rollup {spec.name!r}: aggregate {spec.aggregate!r} is not one of {known}"
        raise InvalidError(msg) from None
    if (aggregate is Aggregate.WEIGHTED_MEAN) != (spec.weight is not None):
        msg = f"rollup {spec.name!r}: a weight signal is needed by, and only by, weighted_mean"
        raise InvalidError(msg)
    if spec.scope not in ("descendants", "children"):
        msg = f"rollup {spec.name!r}: scope {spec.scope!r}; expected descendants or children"
        raise InvalidError(msg)
    for model in (spec.of_model, spec.on_model):
        if model is not None and not rules.has_model(model):
            raise NotFoundError(KIND_MODEL, model)


def require_transition(twin_id: str, current: Lifecycle, to: object) -> Lifecycle:
    if not isinstance(to, Lifecycle):
        try:
            to = Lifecycle(to if isinstance(to, str) else "")
        except ValueError:
            msg = (
                f"lifecycle {_show(to)} for twin {twin_id!r} is not known; expected one of "
                + ", ".join(s.value for s in Lifecycle)
            )
            raise InvalidError(msg) from None
    allowed = LIFECYCLE_TRANSITIONS[current]
    if to not in allowed:
        names = sorted(s.value for s in allowed)
        raise LifecycleError(twin_id, current.value, to.value, names)
    return to


# ------------------------------------------------------ compiled validators
Validator = Callable[[object], bool]

_INT32 = 2**31
_INT64 = 2**63
_INF = math.inf
_NEG_INF = -math.inf


def _is_boolean(value: object) -> bool:
    return value is True or value is False


def _is_string(value: object) -> bool:
    return isinstance(value, str) and len(value) <= MAX_STRING


def _is_integer(value: object) -> bool:
    return type(value) is int and -_INT32 <= value < _INT32


def _is_long(value: object) -> bool:
    return type(value) is int and -_INT64 <= value < _INT64


def _is_double(value: object) -> bool:
    kind = type(value)
    return kind is int or (kind is float and math.isfinite(value))  # type: ignore[arg-type]


_FAST: Mapping[str, Validator] = {
    "boolean": _is_boolean,
    "string": _is_string,
    "integer": _is_integer,
    "long": _is_long,
    "double": _is_double,
}
"""Primitive schemas checked without a call into ``dtdl`` (same rules as
``ModelSet.check_instance``; ``tests/ontology/test_checks.py`` holds them to it)."""


def compile_validator(model_set: dtdl.ModelSet, element_id: str, schema: object) -> Validator:
    """A predicate for values of the element ``element_id`` with schema ``schema``.

    Common primitives and string/integer enums are checked inline; everything
    else goes through ``model_set.check_instance`` after a JSON size check.
    """
    if isinstance(schema, dtdl.PrimitiveSchema):
        fast = _FAST.get(schema.name)
        if fast is not None:
            return fast
    if isinstance(schema, dtdl.EnumSchema):
        allowed = frozenset((type(v.enum_value), v.enum_value) for v in schema.enum_values)
        return lambda value: (
            (type(value) is str or type(value) is int) and ((type(value), value) in allowed)
        )
    check = partial(model_set.check_instance, element_id)

    def general(value: object) -> bool:
        return _value_size("", value) is None and check(value)

    return general


_SCALAR_PRIMITIVES = frozenset(
    {"boolean", "date", "dateTime", "double", "duration", "float", "integer", "long", "string"}
    | {"time"}
)


def _scalar(schema: object) -> bool:
    """Whether every value of ``schema`` is a JSON scalar (str, number, bool)."""
    if isinstance(schema, dtdl.PrimitiveSchema):
        return schema.name in _SCALAR_PRIMITIVES
    return isinstance(schema, dtdl.EnumSchema)


# --------------------------------------------------------------- the rules
class _ModelRules:
    """One Interface's contents, compiled into lookups and bound validators."""

    __slots__ = (
        "components",
        "doubles",
        "dtmi",
        "flat",
        "others",
        "properties",
        "relationships",
        "strings",
    )

    def __init__(self, model_set: dtdl.ModelSet, dtmi: str) -> None:
        iface = model_set.interfaces[dtmi]
        self.dtmi = dtmi
        self.properties: dict[str, Validator] = {
            name: compile_validator(model_set, prop.id, prop.schema)
            for name, prop in iface.properties.items()
        }
        self.strings = frozenset(n for n, v in self.properties.items() if v is _is_string)
        """Properties whose validator is ``_is_string`` (checked inline by ``twins``)."""
        self.doubles = frozenset(n for n, v in self.properties.items() if v is _is_double)
        """Properties whose validator is ``_is_double`` (a finite float passes inline)."""
        self.components: dict[str, dict[str, Validator]] = {}
        for name, comp in iface.components.items():
            inner = model_set.interfaces.get(comp.schema)
            props = inner.properties if inner is not None else {}
            self.components[name] = {
                n: compile_validator(model_set, p.id, p.schema) for n, p in props.items()
            }
        self.flat = not iface.components and all(
            _scalar(prop.schema) for prop in iface.properties.values()
        )
        """Every value a twin of this model can hold is a JSON scalar (nothing to deep-copy)."""
        self.relationships: dict[str, dtdl.Relationship] = dict(iface.relationships)
        self.others: dict[str, str] = {
            **dict.fromkeys(iface.telemetries, "Telemetry (a signal, not a property)"),
            **dict.fromkeys(iface.relationships, "Relationship (add it as an edge)"),
            **dict.fromkeys(iface.commands, "Command"),
        }


class TwinRules:
    """Twin, edge and filter rules compiled for one ``dtdl.ModelSet``."""

    def __init__(self, model_set: dtdl.ModelSet) -> None:
        self.model_set = model_set
        self._models: dict[str, _ModelRules | None] = {}
        self._matching: dict[str, frozenset[str]] = {}
        self._semantic: dict[str, frozenset[str]] = {}

    def _rules(self, dtmi: object) -> _ModelRules | None:
        if not isinstance(dtmi, str):
            return None
        try:
            return self._models[dtmi]
        except KeyError:
            pass
        rules = _ModelRules(self.model_set, dtmi) if dtmi in self.model_set.interfaces else None
        self._models[dtmi] = rules
        return rules

    def has_model(self, dtmi: object) -> bool:
        return self._rules(dtmi) is not None

    # -------------------------------------------------------------- twins
    def twin(self, spec: object) -> list[str]:
        """Reasons ``spec`` cannot be written (empty: it can)."""
        return self.twins((spec,)).get(0, [])

    def twins(self, specs: Iterable[object]) -> dict[int, list[str]]:
        """The reasons of each spec in ``specs`` that cannot be written, by position.

        The common case (a valid twin whose properties are plain strings and
        numbers and whose aliases use namespaces seen before) is decided
        inline, with the lookups bound once per batch and no call per property
        or alias; anything else, and every rejection, goes through
        ``_twin_reasons``, which states each reason.
        """
        bad: dict[int, list[str]] = {}
        models = self._models
        twin_id_ok, control, good_namespaces = _TWIN_ID, _CONTROL, _good_namespaces
        aliases_ok = _aliases_ok
        neg_inf, inf = _NEG_INF, _INF
        for index, spec in enumerate(specs):
            if type(spec) is TwinSpec:
                twin_id = spec.id
                model = spec.model
                rules = models.get(model) if type(model) is str else None
                if (
                    rules is not None
                    and type(twin_id) is str
                    and len(twin_id) <= MAX_TWIN_ID
                    and twin_id_ok(twin_id) is not None
                    and type(spec.lifecycle) is Lifecycle
                ):
                    aliases = spec.aliases
                    if not aliases:
                        pass
                    elif type(aliases) is tuple and len(aliases) == 1:
                        alias = aliases[0]
                        if not (
                            type(alias) is Alias
                            and alias.namespace in good_namespaces
                            and type(value := alias.value) is str
                            and 0 < len(value) <= MAX_ALIAS_VALUE
                            and (value.isprintable() or control(value) is None)
                        ) and not aliases_ok(aliases):
                            bad[index] = self._twin_reasons(spec)
                            continue
                    elif not aliases_ok(aliases):
                        bad[index] = self._twin_reasons(spec)
                        continue
                    properties = spec.properties
                    if not properties:
                        continue
                    if type(properties) is dict and len(properties) <= MAX_PROPERTIES:
                        strings, doubles = rules.strings, rules.doubles
                        for name, value in properties.items():
                            kind = type(value)
                            if kind is str:
                                if name in strings and len(value) <= MAX_STRING:
                                    continue
                            elif kind is float and name in doubles and neg_inf < value < inf:
                                continue
                            check = rules.properties.get(name)
                            if check is None or not check(value):
                                break
                        else:
                            continue
            reasons = self._twin_reasons(spec)
            if reasons:
                bad[index] = reasons
        return bad

    def _twin_reasons(self, spec: object) -> list[str]:
        reasons: list[str] = []
        if not isinstance(spec, TwinSpec):
            return [f"{_show(spec)} is a {type(spec).__name__}; expected a TwinSpec"]
        reason = check_twin_id(spec.id)
        if reason is not None:
            reasons.append(reason)
        rules = self._rules(spec.model)
        if rules is None:
            reasons.append(
                f"model {_show(spec.model)} of twin {_show(spec.id)} is not held; "
                "upload it first (add_models)"
            )
        elif spec.properties:
            reasons.extend(self._check_properties(spec.id, rules, spec.properties))
        lifecycle: object = spec.lifecycle
        if not isinstance(lifecycle, Lifecycle):
            reasons.append(
                f"lifecycle {_show(lifecycle)} of twin {_show(spec.id)} is not a Lifecycle"
            )
        if spec.aliases:
            reasons.extend(check_aliases(spec.id, spec.aliases))
        return reasons

    def properties(
        self, twin_id: str, model: str, properties: Mapping[str, JsonValue]
    ) -> list[str]:
        rules = self._rules(model)
        if rules is None:
            return [f"model {model!r} of twin {twin_id!r} is not held; upload it first"]
        return self._check_properties(twin_id, rules, properties)

    def _check_properties(self, twin_id: str, rules: _ModelRules, properties: object) -> list[str]:
        if not isinstance(properties, Mapping):
            return [
                f"properties of twin {twin_id!r} are a {type(properties).__name__}; "
                "expected a mapping of property name to JSON value"
            ]
        if len(properties) > MAX_PROPERTIES:
            return [f"twin {twin_id!r} has {len(properties)} properties; at most {MAX_PROPERTIES}"]
        reasons: list[str] = []
        checks = rules.properties
        for name, value in properties.items():
            check = checks.get(name)
            if check is not None:
                reason = _check_value(twin_id, rules.dtmi, name, check, value)
                if reason is not None:
                    reasons.append(reason)
            elif name in rules.components:
                reasons.extend(self._check_component(twin_id, rules, name, value))
            else:
                reasons.append(_unknown_property(twin_id, rules, name))
        return reasons

    def _check_component(
        self, twin_id: str, rules: _ModelRules, name: str, value: object
    ) -> list[str]:
        checks = rules.components[name]
        if not isinstance(value, dict):
            return [
                f"component {name!r} of twin {twin_id!r} (model {rules.dtmi}) is "
                f"{_show(value)}; expected a JSON object of its properties "
                f"({', '.join(sorted(checks)) or 'none'})"
            ]
        reasons: list[str] = []
        for inner, inner_value in value.items():
            check = checks.get(inner)
            where = f"{name}.{inner}"
            if check is None:
                reasons.append(
                    f"component {name!r} of twin {twin_id!r} (model {rules.dtmi}) has no "
                    f"Property {inner!r}; it has: {', '.join(sorted(checks)) or 'none'}"
                )
                continue
            reason = _check_value(twin_id, rules.dtmi, where, check, inner_value)
            if reason is not None:
                reasons.append(reason)
        return reasons

    # -------------------------------------------------------------- edges
    def edge(
        self, edge: object, source_model: str | None, target_model: str | None, existing: int
    ) -> list[str]:
        reasons: list[str] = []
        if not isinstance(edge, Edge):
            return [f"{_show(edge)} is a {type(edge).__name__}; expected an Edge"]
        name = edge.name
        if not isinstance(name, str) or len(name) > MAX_NAME or _NAME(name) is None:
            return [
                f"edge name {_show(name)} is not valid; expected a DTDL name ({NAME_PATTERN}) "
                f"of at most {MAX_NAME} characters"
            ]
        if source_model is None:
            reasons.append(f"no twin {_show(edge.source)} (the source of a {name!r} edge)")
        if target_model is None:
            reasons.append(f"no twin {_show(edge.target)} (the target of a {name!r} edge)")
        if name == CONTAINS and edge.source == edge.target:
            reasons.append(f"twin {edge.source!r} cannot contain itself")
        edge_properties: object = edge.properties
        if not isinstance(edge_properties, Mapping):
            reasons.append(f"properties of edge {edge_key(edge)} are not a mapping")
            return reasons
        if source_model is None:
            return reasons
        rules = self._rules(source_model)
        rel = rules.relationships.get(name) if rules is not None else None
        if rel is None:
            if name != CONTAINS:
                declared = ", ".join(sorted(rules.relationships)) if rules else ""
                reasons.append(
                    f"model {source_model} of twin {edge.source!r} declares no Relationship "
                    f"{name!r}; it declares: {declared or 'none'}"
                )
            elif edge.properties:
                reasons.append(
                    f"edge {edge_key(edge)} has properties, but model {source_model} declares "
                    "no contains Relationship with Properties"
                )
            return reasons
        if rel.target is not None and target_model is not None:
            allowed = self.models_matching(rel.target)
            if target_model not in allowed:
                reasons.append(
                    f"Relationship {name!r} of model {source_model} targets {rel.target} "
                    f"(or models extending it); twin {edge.target!r} is a {target_model}"
                )
        limit = rel.max_multiplicity
        if limit is not None and existing >= limit:
            reasons.append(
                f"twin {edge.source!r} already has {existing} {name!r} edge(s); "
                f"Relationship {name!r} of model {source_model} allows at most {limit}"
            )
        for prop_name, value in edge.properties.items():
            prop = rel.properties.get(prop_name)
            if prop is None:
                reasons.append(
                    f"Relationship {name!r} of model {source_model} has no Property "
                    f"{prop_name!r}; it has: {', '.join(sorted(rel.properties)) or 'none'}"
                )
            elif value is None or not self.model_set.check_instance(prop.id, value):
                reasons.append(
                    f"property {prop_name!r} of edge {edge_key(edge)}: {_show(value)} does not "
                    f"fit its schema {_schema_name(prop.schema)}"
                )
        return reasons

    def flat(self, model: str) -> bool:
        """Whether a valid twin of ``model`` holds only scalar property values."""
        rules = self._rules(model)
        return rules is not None and rules.flat

    def declares(self, model: str | None, name: str) -> bool:
        """Whether ``model`` declares a Relationship ``name`` (``contains`` need not be)."""
        rules = self._rules(model)
        return rules is not None and name in rules.relationships

    def max_multiplicity(self, model: str | None, name: str) -> int | None:
        """The Relationship's maxMultiplicity (count existing edges only when it is set)."""
        rules = self._rules(model)
        rel = rules.relationships.get(name) if rules is not None else None
        return rel.max_multiplicity if rel is not None else None

    # ------------------------------------------------------------ filters
    def models_matching(self, dtmi: str) -> frozenset[str]:
        """``dtmi`` and every model that extends it (transitively)."""
        found = self._matching.get(dtmi)
        if found is None:
            extending = self.model_set.extending(dtmi) if dtmi in self.model_set else frozenset()
            found = frozenset({dtmi}) | extending
            self._matching[dtmi] = found
        return found

    def models_with_semantic_type(self, semantic_type: str) -> frozenset[str]:
        """Models with a Property or Telemetry of that semantic type (own, inherited, component)."""
        found = self._semantic.get(semantic_type)
        if found is None:
            wanted = _term(semantic_type)
            interfaces = self.model_set.interfaces
            direct = {
                dtmi
                for dtmi, iface in interfaces.items()
                if any(_term(st) == wanted for st in _semantic_types(iface))
            }
            found = frozenset(
                dtmi
                for dtmi, iface in interfaces.items()
                if dtmi in direct or any(c.schema in direct for c in iface.components.values())
            )
            self._semantic[semantic_type] = found
        return found


_good_namespaces: set[str] = set()


def _aliases_ok(aliases: object) -> bool:
    """The fast path of ``check_aliases``: True when there is nothing to report."""
    if type(aliases) is not tuple or len(aliases) > MAX_ALIASES:
        return False
    for alias in aliases:
        if type(alias) is not Alias:
            return False
        namespace, value = alias.namespace, alias.value
        if namespace not in _good_namespaces:
            if check_alias(alias) is not None:
                return False
            if len(_good_namespaces) < 4096:
                _good_namespaces.add(namespace)
        if (
            type(value) is not str
            or not 0 < len(value) <= MAX_ALIAS_VALUE
            or (not value.isprintable() and _CONTROL(value) is not None)
        ):
            return False
    return len(aliases) < 2 or len(set(aliases)) == len(aliases)


def _properties_ok(checks: Mapping[str, Validator], properties: object) -> bool:
    """The fast path of the property checks: True when there is nothing to report."""
    if type(properties) is not dict or len(properties) > MAX_PROPERTIES:
        return False
    for name, value in properties.items():
        check = checks.get(name)
        if check is None or not check(value):
            return False
    return True


def check_aliases(twin_id: str, aliases: object) -> list[str]:
    if not isinstance(aliases, tuple | list):
        return [f"aliases of twin {twin_id!r} are a {type(aliases).__name__}; expected a tuple"]
    if len(aliases) > MAX_ALIASES:
        return [f"twin {twin_id!r} has {len(aliases)} aliases; at most {MAX_ALIASES}"]
    reasons = [r for r in map(check_alias, aliases) if r is not None]
    if not reasons and len(set(aliases)) != len(aliases):
        reasons.append(f"twin {twin_id!r} lists the same alias twice")
    return reasons


def _check_value(
    twin_id: str, model: str, name: str, check: Callable[[object], bool], value: object
) -> str | None:
    key = f"property {name!r} of twin {twin_id!r}"
    if value is None:
        return f"{key} is null; leave it out instead (model {model})"
    reason = _value_size(key, value)
    if reason is not None:
        return reason
    if check(value):
        return None
    return f"{key}: {_show(value)} does not fit the schema model {model} declares for it"


def _unknown_property(twin_id: str, rules: _ModelRules, name: object) -> str:
    other = rules.others.get(name) if isinstance(name, str) else None
    if other is not None:
        return f"{name!r} of model {rules.dtmi} is a {other}, not a Property of twin {twin_id!r}"
    known = sorted([*rules.properties, *rules.components])
    return (
        f"model {rules.dtmi} has no Property {_show(name)} (twin {twin_id!r}); "
        f"it has: {', '.join(known) or 'none'}"
    )


def _schema_name(schema: object) -> str:
    name = getattr(schema, "name", None) or getattr(schema, "id", None)
    return str(name) if name else type(schema).__name__


def _semantic_types(iface: dtdl.Interface) -> Iterator[str]:
    for prop in iface.properties.values():
        yield from prop.semantic_types
    for telemetry in iface.telemetries.values():
        yield from telemetry.semantic_types


def _term(semantic_type: str) -> str:
    """``dtmi:standard:class:Temperature;1`` -> ``Temperature``; a bare term stays."""
    if semantic_type.startswith("dtmi:"):
        return semantic_type.split(";", 1)[0].rsplit(":", 1)[-1]
    return semantic_type


_cache: list[TwinRules] = []


def rules_for(model_set: dtdl.ModelSet) -> TwinRules:
    """The compiled rules of ``model_set`` (the last one is cached on identity)."""
    if _cache and _cache[0].model_set is model_set:
        return _cache[0]
    rules = TwinRules(model_set)
    _cache[:] = [rules]
    return rules


def check_twin(model_set: dtdl.ModelSet, spec: TwinSpec) -> list[str]:
    return rules_for(model_set).twin(spec)


def check_edge(
    model_set: dtdl.ModelSet,
    edge: Edge,
    source_model: str | None,
    target_model: str | None,
    existing: int,
) -> list[str]:
    return rules_for(model_set).edge(edge, source_model, target_model, existing)


# ------------------------------------------------------ merges and outcomes
def merge_properties(
    current: Mapping[str, JsonValue], changes: Mapping[str, JsonValue]
) -> dict[str, JsonValue]:
    """``update_twin``'s merge: changes win, a ``None`` value removes the property."""
    merged = dict(current)
    for name, value in changes.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    return merged


class TwinFields(Protocol):
    """What the rules read of a stored twin (a ``Twin`` or a store's own row)."""

    @property
    def id(self) -> str: ...
    @property
    def model(self) -> str: ...
    @property
    def lifecycle(self) -> Lifecycle: ...
    @property
    def etag(self) -> str: ...
    @property
    def aliases(self) -> tuple[Alias, ...]: ...
    @property
    def properties(self) -> Mapping[str, JsonValue]: ...


def upsert_unchanged(twin: TwinFields, spec: TwinSpec) -> bool:
    """Whether upserting ``spec`` over ``twin`` changes nothing (lifecycle is kept)."""
    return (
        twin.model == spec.model
        and twin.aliases == tuple(spec.aliases)
        and twin.properties == spec.properties
    )


def signal_wins(stored: datetime | None, new: datetime) -> bool:
    """A signal update is applied when its event time is not older than the stored one."""
    return stored is None or new >= stored


# ----------------------------------------------------------------- snapshots
def twin_json(twin: TwinFields | None) -> JsonValue:
    if twin is None:
        return None
    return {
        "id": twin.id,
        "model": twin.model,
        "lifecycle": twin.lifecycle.value,
        "properties": dict(twin.properties),
        "aliases": [[a.namespace, a.value] for a in twin.aliases],
        "etag": twin.etag,
    }


def edge_json(edge: Edge | None) -> JsonValue:
    if edge is None:
        return None
    return {
        "source": edge.source,
        "name": edge.name,
        "target": edge.target,
        "properties": dict(edge.properties),
    }


def rollup_json(spec: RollupSpec | None) -> JsonValue:
    if spec is None:
        return None
    return {
        "name": spec.name,
        "signal": spec.signal,
        "aggregate": Aggregate(spec.aggregate).value,
        "scope": spec.scope,
        "of_model": spec.of_model,
        "on_model": spec.on_model,
        "weight": spec.weight,
    }


def edge_key(edge: Edge) -> str:
    return f"{edge.source} -[{edge.name}]-> {edge.target}"
