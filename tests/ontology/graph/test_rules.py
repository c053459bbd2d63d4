"""The shared rules of ``ontology.graph``: fast paths agree with ``dtdl`` and the slow path."""

from __future__ import annotations

import dataclasses
import math
from types import MappingProxyType

import pytest

import dtdl
from ontology import (
    Aggregate,
    Alias,
    Edge,
    InvalidError,
    Lifecycle,
    LifecycleError,
    NotFoundError,
    RollupSpec,
    Twin,
    TwinSpec,
)
from ontology.graph._identifiers import check_alias, check_twin_id
from ontology.graph._limits import (
    MAX_ALIAS_VALUE,
    MAX_ALIASES,
    MAX_PROPERTIES,
    MAX_STRING,
    MAX_TWIN_ID,
)
from ontology.graph._rules import check_edge, check_twin, require_rollup, rules_for
from ontology.graph._updates import (
    merge_properties,
    require_transition,
    signal_wins,
    upsert_unchanged,
)
from tests.ontology.graph.conftest import LINE, MACHINE, PRESS, SENSOR, START, all_model_texts


@pytest.fixture(scope="module")
def model_set() -> dtdl.ModelSet:
    return dtdl.parse(all_model_texts())


def test_the_fast_path_and_the_full_check_agree(model_set: dtdl.ModelSet) -> None:
    rules = rules_for(model_set)
    specs = [
        TwinSpec("line/a", LINE, {"name": "A", "capacity": 3, "mode": "running"}),
        TwinSpec("line/a", LINE, {"capacity": True}),
        TwinSpec("line/a", LINE, {"mode": "paused"}),
        TwinSpec("line/a", LINE, aliases=(Alias("erp", "1"), Alias("erp", "1"))),
        TwinSpec("line/a", LINE, aliases=(Alias("erp", "bad\nvalue"),)),
        TwinSpec("line/a", LINE, lifecycle="active"),  # type: ignore[arg-type]
        TwinSpec("line a", LINE),
        TwinSpec("machine/a", MACHINE, {"motor": {"ratedPower": 1.0}}),
        TwinSpec("machine/a", PRESS, {"serial": "x", "tonnage": 5.0}),
    ]
    for spec in specs:
        assert rules.twin(spec) == rules._twin_reasons(spec), spec


class _Text(str):
    """A str subclass: not the inline fast path, still a valid string value."""


def _inline_cases() -> list[TwinSpec]:
    """Specs aimed at each inline check of ``TwinRules.twins`` (only the first is valid)."""
    ok = TwinSpec("line/a", LINE, {"name": "A", "capacity": 3.5}, (Alias("erp", "L-1"),))
    bad_values: list[object] = [math.inf, -math.inf, math.nan, True, "3", None, [1.0]]
    return [
        ok,
        *(TwinSpec("line/a", LINE, {"capacity": value}) for value in bad_values),  # type: ignore[dict-item]
        TwinSpec("line/a", LINE, {"name": 5}),
        TwinSpec("line/a", LINE, {"name": None}),
        TwinSpec("line/a", LINE, {"name": "x" * (MAX_STRING + 1)}),
        TwinSpec("line/a", LINE, {"feeds": "l2"}),
        TwinSpec("line/a", LINE, {"nope": 1.0}),
        TwinSpec("line/a", LINE, {"mode": "paused"}),
        TwinSpec("line/a", LINE, dict.fromkeys((f"p{i}" for i in range(MAX_PROPERTIES + 1)), 1)),
        TwinSpec("line/a", LINE, aliases=(Alias("erp", ""),)),
        TwinSpec("line/a", LINE, aliases=(Alias("erp", "a\x07b"),)),
        TwinSpec("line/a", LINE, aliases=(Alias("erp", "x" * (MAX_ALIAS_VALUE + 1)),)),
        TwinSpec("line/a", LINE, aliases=(Alias("erp", 5),)),  # type: ignore[arg-type]
        TwinSpec("line/a", LINE, aliases=(Alias("1erp", "x"),)),
        TwinSpec("line/a", LINE, aliases=(("erp", "x"),)),  # type: ignore[arg-type]
        TwinSpec("line/a", LINE, aliases=(Alias("erp", "x"), Alias("erp", "x"))),
        TwinSpec("line/a", LINE, aliases=(Alias("erp", "x"),) * (MAX_ALIASES + 1)),
        TwinSpec("x" * (MAX_TWIN_ID + 1), LINE),
        TwinSpec("line/.a", LINE),
        TwinSpec("line/a", "dtmi:test:Nope;1"),
        TwinSpec("line/a", LINE, lifecycle="active"),  # type: ignore[arg-type]
    ]


def test_each_inline_check_refuses_what_the_full_check_refuses(model_set: dtdl.ModelSet) -> None:
    rules = rules_for(model_set)
    valid = [
        TwinSpec("line/a", LINE, {"name": _Text("A"), "capacity": 3}, (Alias("erp", "L 1"),)),
        TwinSpec("line/a", LINE, {"mode": "running"}, (Alias("erp", "a"), Alias("mes", "b"))),
        TwinSpec("sensor/a", SENSOR, MappingProxyType({"setpoint": 20.0})),
        TwinSpec("line/a", LINE, aliases=[Alias("erp", "x")]),  # type: ignore[arg-type]
    ]
    cases = _inline_cases()
    rules.twins(cases + valid)  # compiles every model: the inline path is what runs below
    for spec in valid + cases[:1]:
        assert rules.twin(spec) == [], spec
    for spec in cases[1:]:
        reasons = rules.twin(spec)
        assert reasons, spec
        assert reasons == rules._twin_reasons(spec), spec


def test_the_property_count_limit_holds_on_the_inline_path() -> None:
    names = [f"p{i}" for i in range(MAX_PROPERTIES + 1)]
    contents = ", ".join(
        f'{{"@type": "Property", "name": "{n}", "schema": "string"}}' for n in names
    )
    model_set = dtdl.parse(
        [
            '{"@context": "dtmi:dtdl:context;3", "@id": "dtmi:test:Wide;1", '
            f'"@type": "Interface", "contents": [{contents}]}}'
        ]
    )
    rules = rules_for(model_set)
    assert rules.twin(TwinSpec("w/0", "dtmi:test:Wide;1", dict.fromkeys(names[:5], "x"))) == []
    reasons = rules.twin(TwinSpec("w/1", "dtmi:test:Wide;1", dict.fromkeys(names, "x")))
    assert reasons == [f"twin 'w/1' has {MAX_PROPERTIES + 1} properties; at most {MAX_PROPERTIES}"]


def test_a_batch_check_gives_each_refused_spec_its_reasons_by_position(
    model_set: dtdl.ModelSet,
) -> None:
    rules = rules_for(model_set)
    specs: list[object] = [*_inline_cases(), None, "line/a"]
    found = rules.twins(specs)
    assert sorted(found) == list(range(1, len(specs)))
    for index, reasons in found.items():
        assert reasons == rules._twin_reasons(specs[index]), index
    assert rules.twins(iter(specs[:1])) == {}


def test_rules_are_compiled_once_per_model_set(model_set: dtdl.ModelSet) -> None:
    assert rules_for(model_set) is rules_for(model_set)
    assert check_twin(model_set, TwinSpec("sensor/a", SENSOR, {"setpoint": 20.0})) == []


@pytest.mark.parametrize(
    "twin_id",
    ["a", "plant/jkt1/packaging/line3", "x_1/y-2/z.3", "erp:EQ-1", "A/B@c~d+e", "0"],
)
def test_path_like_twin_ids_are_accepted(twin_id: str) -> None:
    assert check_twin_id(twin_id) is None


@pytest.mark.parametrize(
    "twin_id", ["", "/a", "a/", "a//b", "../x", "a/.hidden", "a b", "a\nb", "ä", 5, None]
)
def test_other_twin_ids_are_refused(twin_id: object) -> None:
    reason = check_twin_id(twin_id)
    assert reason is not None
    assert repr(twin_id) in reason


def test_alias_rules() -> None:
    assert check_alias(Alias("sparkplug", "PlantA/Turbine07/Gearbox")) is None
    assert check_alias(Alias("mac", "00:1b:00:00:00:01")) is None
    assert "namespace" in (check_alias(Alias("1erp", "x")) or "")
    assert "control" in (check_alias(Alias("erp", "a\x00b")) or "")
    assert "at most" in (check_alias(Alias("erp", "x" * 2000)) or "")
    assert "expected Alias" in (check_alias(("erp", "x")) or "")


def test_edge_rules_need_a_count_only_under_a_limit(model_set: dtdl.ModelSet) -> None:
    feeds = Edge("line/a", "feeds", "line/b")
    assert check_edge(model_set, feeds, LINE, LINE, 0) == []
    assert "at most 1" in check_edge(model_set, feeds, LINE, LINE, 1)[0]
    assert rules_for(model_set).max_multiplicity(LINE, "feeds") == 1
    assert rules_for(model_set).max_multiplicity(MACHINE, "servedBy") is None
    assert rules_for(model_set).max_multiplicity(LINE, "contains") is None


def test_semantic_type_filter_accepts_the_term_or_its_dtmi(model_set: dtdl.ModelSet) -> None:
    rules = rules_for(model_set)
    expected = frozenset({MACHINE, PRESS, SENSOR})
    assert rules.models_with_semantic_type("Temperature") == expected
    assert rules.models_with_semantic_type("dtmi:standard:class:Temperature;3") == expected
    assert rules.models_matching(MACHINE) == frozenset({MACHINE, PRESS})


def test_merge_upsert_and_signal_rules() -> None:
    assert merge_properties({"a": 1, "b": 2}, {"b": None, "c": 3}) == {"a": 1, "c": 3}
    spec = TwinSpec("x", LINE, {"a": 1}, (Alias("erp", "1"),), Lifecycle.PROVISIONED)
    twin = Twin(
        id="x",
        model=LINE,
        properties={"a": 1},
        lifecycle=Lifecycle.ACTIVE,
        etag="e1",
        aliases=(Alias("erp", "1"),),
        created_at=START,
        updated_at=START,
    )
    assert upsert_unchanged(twin, spec)  # the lifecycle is not upsert's business
    assert not upsert_unchanged(dataclasses.replace(twin, properties={"a": 2}), spec)
    assert signal_wins(None, START)
    assert signal_wins(START, START)
    assert not signal_wins(START, START.replace(year=2025))


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        (RollupSpec("bad name", "power", Aggregate.SUM), ["'bad name'"]),
        (RollupSpec("x", "power", "median"), ["'median'", "weighted_mean"]),  # type: ignore[arg-type]
        (RollupSpec("x", "power", Aggregate.WEIGHTED_MEAN), ["weight"]),
        (RollupSpec("x", "power", Aggregate.SUM, weight="w"), ["weight"]),
        (RollupSpec("x", "power", Aggregate.SUM, scope="siblings"), ["'siblings'"]),  # type: ignore[arg-type]
    ],
)
def test_rollup_rules(model_set: dtdl.ModelSet, spec: RollupSpec, words: list[str]) -> None:
    with pytest.raises(InvalidError) as err:
        require_rollup(spec, rules_for(model_set))
    for word in words:
        assert word in str(err.value)
    with pytest.raises(NotFoundError):
        require_rollup(
            RollupSpec("x", "p", Aggregate.SUM, of_model="dtmi:x:Y;1"), rules_for(model_set)
        )
    require_rollup(RollupSpec("x", "p", Aggregate.MEAN, of_model=MACHINE), rules_for(model_set))


def test_lifecycle_rules() -> None:
    assert require_transition("x", Lifecycle.PROVISIONED, "active") is Lifecycle.ACTIVE
    with pytest.raises(LifecycleError) as err:
        require_transition("x", Lifecycle.RETIRED, Lifecycle.ACTIVE)
    assert "it is retired" in str(err.value)


def test_type_messages_use_the_article_of_the_type_name(model_set: dtdl.ModelSet) -> None:
    rules = rules_for(model_set)
    assert check_twin_id(7) == "twin id 7 is an int; expected a string"
    assert check_alias(8) == "alias 8 is an int; expected Alias(namespace, value)"
    assert rules.twin(42) == ["42 is an int; expected a TwinSpec"]
    assert rules.twin(TwinSpec("line/a", LINE, aliases=7)) == [  # type: ignore[arg-type]
        "aliases of twin 'line/a' are an int; expected a tuple"
    ]
    assert rules.twin(TwinSpec("line/a", LINE, properties=[1])) == [  # type: ignore[arg-type]
        "properties of twin 'line/a' are a list; expected a mapping of property name to JSON value"
    ]
