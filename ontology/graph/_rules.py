"""The rules of twins and edges against the models held, compiled once per model set.

``rules_for(model_set) -> TwinRules`` (cached on the set's identity; build it
once per batch):

- ``TwinRules.twin(spec) -> list[str]``: id syntax, model held, each property
  value against its Property schema, components (a JSON object of the
  component Interface's Properties), aliases syntax, size limits;
- ``TwinRules.twins(specs) -> dict[int, list[str]]``: the same for a whole
  batch, the reasons of each refused spec by position (the common valid twin
  is decided inline);
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
- ``TwinRules.declares``, ``TwinRules.max_multiplicity``: count held edges
  only when a limit exists;
- ``TwinRules.models_matching(dtmi)``: the DTMI plus every model extending it;
- ``TwinRules.models_with_semantic_type(term)``: models with a Property or
  Telemetry (own, inherited or in a component) of that semantic type.

``require_rollup(spec, rules)`` is ``define_rollup``'s check. Every reason is
plain words naming the key, the value received and what was expected; an empty
list means the input is fine.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping

import dtdl
from dtdl import with_article
from ontology._errors import InvalidError, NotFoundError
from ontology.graph._identifiers import (
    KIND_MODEL,
    NAME_PATTERN,
    SIGNAL_PATTERN,
    aliases_ok,
    check_aliases,
    check_twin_id,
    control_search,
    edge_key,
    good_namespaces,
    is_signal_name,
    name_match,
    twin_id_match,
)
from ontology.graph._limits import (
    MAX_ALIAS_VALUE,
    MAX_NAME,
    MAX_PROPERTIES,
    MAX_STRING,
    MAX_TWIN_ID,
    show,
)
from ontology.graph._validators import (
    ValueValidator,
    check_value,
    compile_validator,
    is_double,
    is_scalar_schema,
    is_string,
    schema_name,
)
from ontology.graph._values import (
    CONTAINS,
    Aggregate,
    Alias,
    Edge,
    JsonValue,
    Lifecycle,
    RollupSpec,
    TwinSpec,
)

_INF = math.inf
_NEG_INF = -math.inf


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
        self.properties: dict[str, ValueValidator] = {
            name: compile_validator(model_set, prop.id, prop.schema)
            for name, prop in iface.properties.items()
        }
        self.strings = frozenset(n for n, v in self.properties.items() if v is is_string)
        """Properties whose validator is ``is_string`` (checked inline by ``twins``)."""
        self.doubles = frozenset(n for n, v in self.properties.items() if v is is_double)
        """Properties whose validator is ``is_double`` (a finite float passes inline)."""
        self.components: dict[str, dict[str, ValueValidator]] = {}
        for name, comp in iface.components.items():
            inner = model_set.interfaces.get(comp.schema)
            props = inner.properties if inner is not None else {}
            self.components[name] = {
                n: compile_validator(model_set, p.id, p.schema) for n, p in props.items()
            }
        self.flat = not iface.components and all(
            is_scalar_schema(prop.schema) for prop in iface.properties.values()
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
        twin_id_ok, control, good = twin_id_match, control_search, good_namespaces
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
                            and alias.namespace in good
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
            return [f"{show(spec)} is {with_article(type(spec).__name__)}; expected a TwinSpec"]
        reason = check_twin_id(spec.id)
        if reason is not None:
            reasons.append(reason)
        rules = self._rules(spec.model)
        if rules is None:
            reasons.append(
                f"model {show(spec.model)} of twin {show(spec.id)} is not held; "
                "upload it first (add_models)"
            )
        elif spec.properties:
            reasons.extend(self._check_properties(spec.id, rules, spec.properties))
        lifecycle: object = spec.lifecycle
        if not isinstance(lifecycle, Lifecycle):
            reasons.append(
                f"lifecycle {show(lifecycle)} of twin {show(spec.id)} is not a Lifecycle"
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
                f"properties of twin {twin_id!r} are {with_article(type(properties).__name__)}; "
                "expected a mapping of property name to JSON value"
            ]
        if len(properties) > MAX_PROPERTIES:
            return [f"twin {twin_id!r} has {len(properties)} properties; at most {MAX_PROPERTIES}"]
        reasons: list[str] = []
        checks = rules.properties
        for name, value in properties.items():
            check = checks.get(name)
            if check is not None:
                reason = check_value(twin_id, rules.dtmi, name, check, value)
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
                f"{show(value)}; expected a JSON object of its properties "
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
            reason = check_value(twin_id, rules.dtmi, where, check, inner_value)
            if reason is not None:
                reasons.append(reason)
        return reasons

    # -------------------------------------------------------------- edges
    def edge(
        self, edge: object, source_model: str | None, target_model: str | None, existing: int
    ) -> list[str]:
        reasons: list[str] = []
        if not isinstance(edge, Edge):
            return [f"{show(edge)} is {with_article(type(edge).__name__)}; expected an Edge"]
        name = edge.name
        if not isinstance(name, str) or len(name) > MAX_NAME or name_match(name) is None:
            return [
                f"edge name {show(name)} is not valid; expected a DTDL name ({NAME_PATTERN}) "
                f"of at most {MAX_NAME} characters"
            ]
        if source_model is None:
            reasons.append(
                f"no twin {show(edge.source)} (the source of {with_article(repr(name))} edge)"
            )
        if target_model is None:
            reasons.append(
                f"no twin {show(edge.target)} (the target of {with_article(repr(name))} edge)"
            )
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
                    "(or models extending it); "
                    f"twin {edge.target!r} is {with_article(target_model)}"
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
                    f"property {prop_name!r} of edge {edge_key(edge)}: {show(value)} does not "
                    f"fit its schema {schema_name(prop.schema)}"
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


def _unknown_property(twin_id: str, rules: _ModelRules, name: object) -> str:
    other = rules.others.get(name) if isinstance(name, str) else None
    if other is not None:
        return (
            f"{name!r} of model {rules.dtmi} is {with_article(other)}, "
            f"not a Property of twin {twin_id!r}"
        )
    known = sorted([*rules.properties, *rules.components])
    return (
        f"model {rules.dtmi} has no Property {show(name)} (twin {twin_id!r}); "
        f"it has: {', '.join(known) or 'none'}"
    )


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
