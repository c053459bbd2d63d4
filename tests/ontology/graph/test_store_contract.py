"""The ``GraphStore`` contract: one suite, run against every store (see conftest ``store``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from ontology import (
    CONTAINS,
    MAX_PAGE,
    MAX_READ_IDS,
    MAX_TREE_LEVELS,
    Aggregate,
    Alias,
    AlreadyExistsError,
    CycleError,
    Edge,
    EtagMismatchError,
    GraphStore,
    InvalidError,
    JsonValue,
    Lifecycle,
    LifecycleError,
    ModelError,
    ModelInUseError,
    NotFoundError,
    RollupSpec,
    SignalUpdate,
    Twin,
    TwinSpec,
)
from tests.ontology.graph.conftest import (
    AREA,
    LINE,
    MACHINE,
    PLANT_TWINS,
    PRESS,
    SENSOR,
    SITE,
    SITE2,
    START,
    WHO,
    Exploding,
    FixedClock,
    all_model_texts,
    model_text,
)


def ids(twins: tuple[Twin, ...]) -> list[str]:
    return [twin.id for twin in twins]


# ===================================================================== models
def test_add_models_returns_them_and_lists_them(store: GraphStore) -> None:
    added = store.add_models(all_model_texts(), principal=WHO)
    assert sorted(m.dtmi for m in added) == sorted(
        [SITE, AREA, LINE, MACHINE, "dtmi:test:Motor;1", PRESS, SENSOR]
    )
    listed = store.list_models()
    assert [m.dtmi for m in listed] == sorted(m.dtmi for m in added)
    site = store.get_model(SITE)
    assert site.text == model_text("Site")
    assert site.uploaded_by == WHO
    assert site.uploaded_at >= START
    assert MACHINE in store.model_set().interfaces


def test_adding_the_same_text_again_is_a_no_op(modelled: GraphStore) -> None:
    before = modelled.audit(first=MAX_PAGE).items
    again = modelled.add_models([model_text("Site")], principal="bob")
    assert [m.dtmi for m in again] == [SITE]
    assert again[0].uploaded_by == WHO
    assert len(modelled.list_models()) == 7
    assert modelled.audit(first=MAX_PAGE).items == before


def test_a_changed_text_for_a_held_dtmi_is_refused(modelled: GraphStore) -> None:
    changed = model_text("Site").replace('"displayName": "Site"', '"displayName": "Plant"')
    with pytest.raises(AlreadyExistsError) as err:
        modelled.add_models([changed], principal=WHO)
    assert SITE in str(err.value)
    assert modelled.get_model(SITE).text == model_text("Site")


def test_invalid_dtdl_is_refused_with_diagnostics(store: GraphStore) -> None:
    bad = '{"@context": "dtmi:dtdl:context;3", "@id": "dtmi:test:Bad;1", "@type": "Interface",'
    bad += ' "contents": [{"@type": "Property", "name": "x", "schema": "nonsense"}]}'
    with pytest.raises(ModelError) as err:
        store.add_models([bad], principal=WHO)
    assert err.value.diagnostics
    assert store.list_models() == ()


def test_a_model_referring_to_an_unknown_dtmi_is_refused_naming_it(store: GraphStore) -> None:
    with pytest.raises(ModelError) as err:
        store.add_models([model_text("Press")], principal=WHO)
    assert MACHINE in str(err.value)
    assert store.list_models() == ()


def test_models_may_refer_to_models_already_held(store: GraphStore) -> None:
    store.add_models([model_text("Machine"), model_text("Motor")], principal=WHO)
    added = store.add_models([model_text("Press")], principal=WHO)
    assert [m.dtmi for m in added] == [PRESS]
    assert store.model_set().interfaces[PRESS].bases == frozenset({MACHINE})


def test_every_model_version_is_kept(modelled: GraphStore) -> None:
    modelled.add_models([model_text("Site2")], principal=WHO)
    assert modelled.get_model(SITE).dtmi == SITE
    assert modelled.get_model(SITE2).dtmi == SITE2
    modelled.create_twin(TwinSpec("site/old", SITE, {"founded": 1990}), principal=WHO)
    modelled.create_twin(TwinSpec("site/new", SITE2, {"country": "ID"}), principal=WHO)
    assert modelled.get_twin("site/old").model == SITE
    assert modelled.get_twin("site/new").model == SITE2


def test_one_model_of_a_document_defining_several_can_be_deleted(store: GraphStore) -> None:
    doc = (
        '[{"@context": "dtmi:dtdl:context;3", "@id": "dtmi:test:A;1", "@type": "Interface"},'
        ' {"@context": "dtmi:dtdl:context;3", "@id": "dtmi:test:B;1", "@type": "Interface",'
        ' "contents": [{"@type": "Property", "name": "x", "schema": "double"}]}]'
    )
    added = store.add_models([doc], principal=WHO)
    assert [m.dtmi for m in added] == ["dtmi:test:A;1", "dtmi:test:B;1"]
    assert {m.text for m in added} == {doc}
    store.delete_model("dtmi:test:A;1", principal=WHO)
    assert [m.dtmi for m in store.list_models()] == ["dtmi:test:B;1"]
    assert "dtmi:test:A;1" not in store.model_set().interfaces
    store.create_twin(TwinSpec("b/1", "dtmi:test:B;1", {"x": 1.5}), principal=WHO)
    # the same document again re-adds A and leaves B as it is
    again = store.add_models([doc], principal=WHO)
    assert [m.dtmi for m in again] == ["dtmi:test:A;1", "dtmi:test:B;1"]
    assert len(store.list_models()) == 2


def test_an_unknown_model_is_not_found(modelled: GraphStore) -> None:
    with pytest.raises(NotFoundError):
        modelled.get_model("dtmi:test:Nothing;1")
    with pytest.raises(NotFoundError):
        modelled.delete_model("dtmi:test:Nothing;1", principal=WHO)


def test_a_model_in_use_cannot_be_deleted(modelled: GraphStore) -> None:
    modelled.create_twin(TwinSpec("area/x", AREA), principal=WHO)
    with pytest.raises(ModelInUseError) as err:
        modelled.delete_model(AREA, principal=WHO)
    assert err.value.twins == ("area/x",)
    assert modelled.get_model(AREA).dtmi == AREA
    modelled.delete_twin("area/x", etag=None, principal=WHO)
    modelled.delete_model(AREA, principal=WHO)
    with pytest.raises(NotFoundError):
        modelled.get_model(AREA)
    assert AREA not in modelled.model_set().interfaces


def test_a_model_other_models_extend_cannot_be_deleted(modelled: GraphStore) -> None:
    with pytest.raises(ModelInUseError) as err:
        modelled.delete_model(MACHINE, principal=WHO)
    assert PRESS in err.value.models
    with pytest.raises(ModelInUseError):
        modelled.delete_model("dtmi:test:Motor;1", principal=WHO)  # Machine's component


# ====================================================================== twins
def test_create_and_get_a_twin(modelled: GraphStore, clock: FixedClock) -> None:
    spec = TwinSpec("line/x", LINE, {"name": "X", "capacity": 10, "mode": "stopped"})
    twin = modelled.create_twin(spec, principal=WHO)
    assert twin.id == "line/x"
    assert twin.model == LINE
    assert dict(twin.properties) == {"name": "X", "capacity": 10, "mode": "stopped"}
    assert twin.lifecycle is Lifecycle.PROVISIONED
    assert twin.etag
    assert twin.created_at == twin.updated_at
    assert START <= twin.created_at <= clock.now
    assert modelled.get_twin("line/x") == twin


def test_a_twin_keeps_its_own_copy_of_the_properties(modelled: GraphStore) -> None:
    properties: dict[str, JsonValue] = {"name": "X"}
    modelled.create_twin(TwinSpec("area/x", AREA, properties), principal=WHO)
    properties["name"] = "changed behind the store's back"
    assert modelled.get_twin("area/x").properties["name"] == "X"


def test_an_upserted_twin_keeps_its_own_copy_of_the_properties(modelled: GraphStore) -> None:
    flat: dict[str, JsonValue] = {"name": "X"}
    motor: dict[str, JsonValue] = {"ratedPower": 1.0}
    nested: dict[str, JsonValue] = {"motor": motor}
    modelled.upsert_twins(
        [TwinSpec("area/x", AREA, flat), TwinSpec("machine/x", MACHINE, nested)], principal=WHO
    )
    flat["name"] = "changed"
    motor["ratedPower"] = 99.0
    assert modelled.get_twin("area/x").properties == {"name": "X"}
    assert modelled.get_twin("machine/x").properties == {"motor": {"ratedPower": 1.0}}


def test_creating_a_twin_twice_is_refused(modelled: GraphStore) -> None:
    modelled.create_twin(TwinSpec("area/x", AREA), principal=WHO)
    with pytest.raises(AlreadyExistsError):
        modelled.create_twin(TwinSpec("area/x", AREA), principal=WHO)


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        (TwinSpec("area/x", "dtmi:test:Nothing;1"), ["dtmi:test:Nothing;1", "not held"]),
        (TwinSpec("line/x", LINE, {"capacity": "fast"}), ["capacity", "'fast'"]),
        (TwinSpec("line/x", LINE, {"mode": "flying"}), ["mode", "'flying'"]),
        (TwinSpec("line/x", LINE, {"speed": 3}), ["speed", "capacity"]),
        (TwinSpec("line/x", LINE, {"feeds": "line/y"}), ["feeds", "Relationship"]),
        (TwinSpec("machine/x", MACHINE, {"temperature": 3.0}), ["temperature", "Telemetry"]),
        (TwinSpec("machine/x", MACHINE, {"motor": 5}), ["motor", "component"]),
        (TwinSpec("machine/x", MACHINE, {"motor": {"ratedPower": "big"}}), ["ratedPower"]),
        (TwinSpec("machine/x", MACHINE, {"motor": {"speed": 1}}), ["speed", "ratedPower"]),
        (TwinSpec("site/x", SITE, {"founded": 2**40}), ["founded"]),
        (TwinSpec("site/x", SITE, {"name": None}), ["name", "null"]),
        (TwinSpec("../etc", SITE), ["'../etc'", "path-like"]),
        (TwinSpec("", SITE), ["twin id ''"]),
        (TwinSpec("a" * 600, SITE), ["600 characters"]),
        (TwinSpec("site/x", SITE, aliases=(Alias("", "v"),)), ["namespace"]),
        (TwinSpec("site/x", SITE, aliases=(Alias("erp", ""),)), ["alias value"]),
    ],
)
def test_bad_twins_are_refused_with_their_reason(
    modelled: GraphStore, spec: TwinSpec, words: list[str]
) -> None:
    with pytest.raises(InvalidError) as err:
        modelled.create_twin(spec, principal=WHO)
    for word in words:
        assert word in str(err.value)
    result = modelled.upsert_twins([spec], principal=WHO)
    assert result.created == 0
    assert len(result.rejected) == 1
    for word in words:
        assert word in result.rejected[0].reason
    assert modelled.list_twins().items == ()


def test_a_component_with_valid_properties_is_accepted(modelled: GraphStore) -> None:
    spec = TwinSpec("machine/x", MACHINE, {"motor": {"ratedPower": 7.5}})
    assert modelled.create_twin(spec, principal=WHO).properties["motor"] == {"ratedPower": 7.5}


def test_get_twins_returns_none_for_unknown_ids(plant: GraphStore) -> None:
    found = plant.get_twins(["line/l1", "nope", "area/a2"])
    assert [t.id if t else None for t in found] == ["line/l1", None, "area/a2"]
    with pytest.raises(NotFoundError):
        plant.get_twin("nope")


def test_update_merges_properties_and_changes_the_etag(plant: GraphStore) -> None:
    old = plant.get_twin("line/l1")
    new = plant.update_twin(
        "line/l1", {"capacity": 99.5, "mode": None}, etag=old.etag, principal=WHO
    )
    assert dict(new.properties) == {"name": "Line 1", "capacity": 99.5}
    assert new.etag != old.etag
    assert new.updated_at > old.updated_at
    assert new.created_at == old.created_at
    assert plant.get_twin("line/l1") == new


def test_update_with_a_stale_etag_is_refused(plant: GraphStore) -> None:
    old = plant.get_twin("line/l1")
    plant.update_twin("line/l1", {"capacity": 1.0}, etag=None, principal=WHO)
    with pytest.raises(EtagMismatchError) as err:
        plant.update_twin("line/l1", {"capacity": 2.0}, etag=old.etag, principal=WHO)
    assert err.value.twin_id == "line/l1"
    assert plant.get_twin("line/l1").properties["capacity"] == 1.0


def test_an_invalid_update_changes_nothing(plant: GraphStore) -> None:
    old = plant.get_twin("line/l1")
    with pytest.raises(InvalidError) as err:
        plant.update_twin("line/l1", {"capacity": "lots"}, etag=None, principal=WHO)
    assert "capacity" in str(err.value)
    assert plant.get_twin("line/l1") == old
    with pytest.raises(NotFoundError):
        plant.update_twin("nope", {"name": "x"}, etag=None, principal=WHO)


def test_delete_removes_the_twin_its_aliases_edges_and_signals(plant: GraphStore) -> None:
    plant.add_aliases("machine/m1", [Alias("erp", "EQ-1")], principal=WHO)
    plant.set_signals([SignalUpdate("machine/m1", "temperature", 40.0, START)])
    twin = plant.get_twin("machine/m1")
    with pytest.raises(EtagMismatchError):
        plant.delete_twin("machine/m1", etag="not-the-etag", principal=WHO)
    plant.delete_twin("machine/m1", etag=twin.etag, principal=WHO)
    with pytest.raises(NotFoundError):
        plant.get_twin("machine/m1")
    assert plant.resolve_aliases("erp", ["EQ-1"]) == (None,)
    assert "machine/m1" not in plant.children("line/l1").items
    assert plant.parents("sensor/t1") == ()
    with pytest.raises(NotFoundError):
        plant.get_signals("machine/m1")
    with pytest.raises(NotFoundError):
        plant.delete_twin("machine/m1", etag=None, principal=WHO)
    # the id is free again, with nothing left over
    plant.create_twin(TwinSpec("machine/m1", MACHINE), principal=WHO)
    assert plant.get_signals("machine/m1") == {}
    assert plant.parents("machine/m1") == ()


UNKNOWN_TWIN_CALLS: dict[str, Callable[[GraphStore], object]] = {
    "update_twin": lambda s: s.update_twin("nope", {}, etag=None, principal=WHO),
    "delete_twin": lambda s: s.delete_twin("nope", etag=None, principal=WHO),
    "set_lifecycle": lambda s: s.set_lifecycle("nope", Lifecycle.ACTIVE, principal=WHO),
    "add_aliases": lambda s: s.add_aliases("nope", [Alias("erp", "X")], principal=WHO),
    "edges_from": lambda s: s.edges_from("nope"),
    "edges_to": lambda s: s.edges_to("nope"),
    "children": lambda s: s.children("nope"),
    "parents": lambda s: s.parents("nope"),
    "ancestors": lambda s: s.ancestors("nope"),
    "descendants": lambda s: s.descendants("nope"),
    "count_descendants": lambda s: s.count_descendants("nope"),
    "get_signals": lambda s: s.get_signals("nope"),
    "remove_edge": lambda s: s.remove_edge("nope", CONTAINS, "area/a1", principal=WHO),
    "remove_alias": lambda s: s.remove_alias(Alias("erp", "nope"), principal=WHO),
}


@pytest.mark.parametrize("call", sorted(UNKNOWN_TWIN_CALLS))
def test_an_unknown_twin_is_not_found(plant: GraphStore, call: str) -> None:
    marker = len(plant.audit(first=MAX_PAGE).items)
    with pytest.raises(NotFoundError):
        UNKNOWN_TWIN_CALLS[call](plant)
    assert len(plant.audit(first=MAX_PAGE).items) == marker


@pytest.mark.parametrize("principal", ["", "x" * 300])
def test_a_bad_principal_is_refused(plant: GraphStore, principal: str) -> None:
    with pytest.raises(InvalidError):
        plant.create_twin(TwinSpec("area/x", AREA), principal=principal)
    with pytest.raises(InvalidError):
        plant.upsert_twins([TwinSpec("area/x", AREA)], principal=principal)
    assert plant.get_twins(["area/x"]) == (None,)


# ================================================================= bulk upsert
def test_bulk_upsert_is_idempotent(modelled: GraphStore) -> None:
    from tests.ontology.graph.conftest import PLANT_TWINS

    first = modelled.upsert_twins(PLANT_TWINS, principal=WHO)
    assert (first.created, first.updated, first.unchanged, first.rejected) == (9, 0, 0, ())
    etags = {t.id: t.etag for t in modelled.list_twins().items}
    second = modelled.upsert_twins(PLANT_TWINS, principal=WHO)
    assert (second.created, second.updated, second.unchanged, second.rejected) == (0, 0, 9, ())
    assert {t.id: t.etag for t in modelled.list_twins().items} == etags


def test_bulk_upsert_replaces_changed_twins_and_keeps_their_lifecycle(plant: GraphStore) -> None:
    plant.set_lifecycle("area/a2", Lifecycle.ACTIVE, principal=WHO)
    old = plant.get_twin("area/a2")
    result = plant.upsert_twins(
        [TwinSpec("area/a2", AREA, {"name": "Stores B"}), TwinSpec("area/a3", AREA)],
        principal=WHO,
    )
    assert (result.created, result.updated, result.unchanged) == (1, 1, 0)
    new = plant.get_twin("area/a2")
    assert dict(new.properties) == {"name": "Stores B"}
    assert new.lifecycle is Lifecycle.ACTIVE
    assert new.etag != old.etag
    assert new.created_at == old.created_at


def test_bulk_upsert_writes_the_valid_specs_and_rejects_the_rest(modelled: GraphStore) -> None:
    specs = [
        TwinSpec("area/ok1", AREA, {"name": "fine"}),
        TwinSpec("area/bad", AREA, {"name": 5}),
        TwinSpec("area/ok2", AREA),
        TwinSpec("area/ok1", AREA, {"name": "again"}),
    ]
    result = modelled.upsert_twins(specs, principal=WHO)
    assert result.created == 2
    assert [r.key for r in result.rejected] == ["area/bad", "area/ok1"]
    assert "name" in result.rejected[0].reason
    assert "twice" in result.rejected[1].reason
    assert ids(modelled.list_twins().items) == ["area/ok1", "area/ok2"]
    assert modelled.get_twin("area/ok1").properties["name"] == "fine"


def test_re_modelling_a_twin_its_edges_no_longer_fit_is_rejected(plant: GraphStore) -> None:
    # line/l1 contains machine/m1, and a Line contains only Machines
    result = plant.upsert_twins([TwinSpec("machine/m1", AREA)], principal=WHO)
    assert result.updated == 0
    assert "contains" in result.rejected[0].reason
    assert plant.get_twin("machine/m1").model == MACHINE
    # a twin whose edges still fit may change model (Press extends Machine)
    moved = plant.upsert_twins([TwinSpec("machine/m2", PRESS, {"serial": "SN-2"})], principal=WHO)
    assert moved.updated == 1
    assert plant.descendants("site/s1", model=PRESS).items == ("machine/m2", "machine/p1")


def test_a_failed_batch_leaves_nothing_half_written(modelled: GraphStore) -> None:
    marker = len(modelled.audit(first=MAX_PAGE).items)
    specs = [
        TwinSpec("area/a", AREA),
        TwinSpec("area/b", AREA, aliases=(Alias("erp", "B"),)),
        TwinSpec("area/c", AREA, Exploding()),
    ]
    with pytest.raises(RuntimeError):
        modelled.upsert_twins(specs, principal=WHO)
    assert modelled.get_twins(["area/a", "area/b", "area/c"]) == (None, None, None)
    assert modelled.resolve_aliases("erp", ["B"]) == (None,)
    assert len(modelled.audit(first=MAX_PAGE).items) == marker


def test_a_failed_edge_batch_leaves_nothing_half_written(plant: GraphStore) -> None:
    before = plant.edges_from("line/l1")
    edges = [
        Edge("line/l1", "feeds", "line/l2", {"priority": 1}),
        Edge("machine/m2", "servedBy", "machine/m1"),
        Edge("machine/m1", "servedBy", "machine/m2", Exploding()),
    ]
    with pytest.raises(RuntimeError):
        plant.add_edges(edges, principal=WHO)
    assert plant.edges_from("line/l1") == before
    assert plant.edges_from("machine/m2") == ()


# ================================================================== lifecycle
def test_lifecycle_moves_by_explicit_operations_each_audited(
    modelled: GraphStore, clock: FixedClock
) -> None:
    modelled.create_twin(TwinSpec("area/x", AREA), principal=WHO)
    steps = [Lifecycle.ACTIVE, Lifecycle.PASSIVE, Lifecycle.ACTIVE, Lifecycle.RETIRED]
    etags = {modelled.get_twin("area/x").etag}
    for step in steps:
        twin = modelled.set_lifecycle("area/x", step, principal="operator")
        assert twin.lifecycle is step
        etags.add(twin.etag)
    assert len(etags) == len(steps) + 1
    records = [r for r in modelled.audit(key="area/x").items if r.action == "twin.lifecycle"]
    assert [(r.before, r.after) for r in records] == [
        ("provisioned", "active"),
        ("active", "passive"),
        ("passive", "active"),
        ("active", "retired"),
    ]
    assert {r.principal for r in records} == {"operator"}
    times = [r.at for r in records]
    assert times == sorted(times)
    assert START < times[0] <= clock.now


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ([], Lifecycle.PASSIVE),
        ([], Lifecycle.PROVISIONED),
        ([Lifecycle.ACTIVE], Lifecycle.PROVISIONED),
        ([Lifecycle.ACTIVE], Lifecycle.ACTIVE),
        ([Lifecycle.RETIRED], Lifecycle.ACTIVE),
    ],
)
def test_lifecycle_transitions_not_allowed_are_refused(
    modelled: GraphStore, path: list[Lifecycle], refused: Lifecycle
) -> None:
    modelled.create_twin(TwinSpec("area/x", AREA), principal=WHO)
    for step in path:
        modelled.set_lifecycle("area/x", step, principal=WHO)
    before = modelled.get_twin("area/x")
    with pytest.raises(LifecycleError) as err:
        modelled.set_lifecycle("area/x", refused, principal=WHO)
    assert refused.value in str(err.value)
    assert modelled.get_twin("area/x") == before


# ====================================================================== edges
def test_edges_are_added_idempotently(plant: GraphStore) -> None:
    edges = [Edge("line/l1", "feeds", "line/l2", {"priority": 1})]
    first = plant.add_edges(edges, principal=WHO)
    second = plant.add_edges(edges, principal=WHO)
    assert (first.created, second.created, second.unchanged) == (1, 0, 1)
    changed = plant.add_edges([Edge("line/l1", "feeds", "line/l2", {"priority": 2})], principal=WHO)
    assert changed.updated == 1
    assert plant.edges_from("line/l1", "feeds")[0].properties == {"priority": 2}


@pytest.mark.parametrize(
    ("edge", "words"),
    [
        (Edge("nope", CONTAINS, "area/a1"), ["'nope'", "source"]),
        (Edge("area/a1", CONTAINS, "nope"), ["'nope'", "target"]),
        (Edge("area/a1", "feeds", "area/a2"), ["feeds", "declares no Relationship"]),
        (Edge("line/l1", "feeds", "machine/m1"), ["feeds", LINE, MACHINE]),
        (Edge("line/l1", CONTAINS, "area/a2"), ["contains", MACHINE, AREA]),
        (Edge("line/l1", "feeds", "line/l2", {"priority": "high"}), ["priority", "'high'"]),
        (Edge("line/l1", "feeds", "line/l2", {"weight": 1}), ["weight", "priority"]),
        (Edge("area/a1", CONTAINS, "area/a1"), ["cannot contain itself"]),
        (Edge("area/a1", "bad name!", "area/a2"), ["'bad name!'"]),
    ],
)
def test_bad_edges_are_rejected_with_their_reason(
    plant: GraphStore, edge: Edge, words: list[str]
) -> None:
    result = plant.add_edges([edge, Edge("machine/m1", "servedBy", "machine/m2")], principal=WHO)
    assert result.created == 1
    assert len(result.rejected) == 1
    for word in words:
        assert word in result.rejected[0].reason


def test_max_multiplicity_is_enforced(plant: GraphStore) -> None:
    plant.create_twin(TwinSpec("line/l3", LINE), principal=WHO)
    result = plant.add_edges(
        [Edge("line/l1", "feeds", "line/l2"), Edge("line/l1", "feeds", "line/l3")], principal=WHO
    )
    assert result.created == 1
    assert "at most 1" in result.rejected[0].reason
    # re-adding the held edge is not counted against the limit
    assert plant.add_edges([Edge("line/l1", "feeds", "line/l2")], principal=WHO).unchanged == 1


def test_a_relationship_target_accepts_models_extending_it(plant: GraphStore) -> None:
    # Line contains Machine; machine/p1 is a Press, which extends Machine
    assert plant.parents("machine/p1") == ("line/l1", "line/l2")


def test_a_cycle_is_refused_naming_the_path(plant: GraphStore) -> None:
    with pytest.raises(CycleError) as err:
        plant.add_edges([Edge("sensor/t1", CONTAINS, "area/a1")], principal=WHO)
    assert err.value.path == ("sensor/t1", "area/a1", "line/l1", "machine/m1", "sensor/t1")
    assert "sensor/t1 -> area/a1 -> line/l1 -> machine/m1 -> sensor/t1" in str(err.value)
    assert plant.parents("area/a1") == ("site/s1",)


def test_in_bulk_a_cycle_is_rejected_with_the_path(plant: GraphStore) -> None:
    plant.create_twin(TwinSpec("sensor/t2", SENSOR), principal=WHO)
    result = plant.add_edges(
        [Edge("machine/m2", CONTAINS, "sensor/t2"), Edge("sensor/t2", CONTAINS, "line/l2")],
        principal=WHO,
    )
    assert result.created == 1
    assert "sensor/t2 -> line/l2 -> machine/m2 -> sensor/t2" in result.rejected[0].reason


def test_remove_edge(plant: GraphStore) -> None:
    plant.remove_edge("line/l2", CONTAINS, "machine/p1", principal=WHO)
    assert plant.parents("machine/p1") == ("line/l1",)
    with pytest.raises(NotFoundError):
        plant.remove_edge("line/l2", CONTAINS, "machine/p1", principal=WHO)
    records = plant.audit(key="line/l2 -[contains]-> machine/p1").items
    assert [r.action for r in records] == ["edge.add", "edge.remove"]


def test_edges_from_and_to_in_order(plant: GraphStore) -> None:
    plant.add_edges(
        [
            Edge("machine/m1", "servedBy", "machine/p1"),
            Edge("machine/m1", "servedBy", "machine/m2"),
        ],
        principal=WHO,
    )
    out = plant.edges_from("machine/m1")
    assert [(e.name, e.target) for e in out] == [
        (CONTAINS, "sensor/t1"),
        ("servedBy", "machine/m2"),
        ("servedBy", "machine/p1"),
    ]
    assert [e.target for e in plant.edges_from("machine/m1", "servedBy")] == [
        "machine/m2",
        "machine/p1",
    ]
    into = plant.edges_to("machine/p1")
    assert [(e.source, e.name) for e in into] == [
        ("line/l1", CONTAINS),
        ("line/l2", CONTAINS),
        ("machine/m1", "servedBy"),
    ]
    assert [e.source for e in plant.edges_to("machine/p1", CONTAINS)] == ["line/l1", "line/l2"]


# ================================================================== hierarchy
def test_children_and_parents(plant: GraphStore) -> None:
    assert plant.children("line/l1").items == ("machine/m1", "machine/p1")
    assert plant.children("sensor/t1").items == ()
    assert plant.parents("machine/p1") == ("line/l1", "line/l2")
    assert plant.parents("site/s1") == ()
    with pytest.raises(NotFoundError):
        plant.children("nope")
    with pytest.raises(NotFoundError):
        plant.parents("nope")


def test_children_pages_with_a_cursor(plant: GraphStore) -> None:
    first = plant.children("site/s1", first=1)
    assert first.items == ("area/a1",)
    assert first.next_cursor is not None
    second = plant.children("site/s1", first=1, after=first.next_cursor)
    assert second.items == ("area/a2",)
    assert second.next_cursor is None


def test_ancestors_are_distinct_nearest_first(plant: GraphStore) -> None:
    assert plant.ancestors("machine/p1") == ("line/l1", "line/l2", "area/a1", "site/s1")
    assert plant.ancestors("machine/p1", max_depth=1) == ("line/l1", "line/l2")
    assert plant.ancestors("sensor/t1", max_depth=2) == ("machine/m1", "line/l1")
    assert plant.ancestors("site/s1") == ()


def test_descendants_are_distinct_in_id_order(plant: GraphStore) -> None:
    page = plant.descendants("site/s1")
    assert page.items == (
        "area/a1",
        "area/a2",
        "line/l1",
        "line/l2",
        "machine/m1",
        "machine/m2",
        "machine/p1",
        "sensor/t1",
    )
    assert page.next_cursor is None
    assert plant.descendants("machine/p1").items == ()


def test_descendants_with_a_depth_cap(plant: GraphStore) -> None:
    assert plant.descendants("area/a1", max_depth=1).items == ("line/l1", "line/l2")
    assert plant.descendants("area/a1", max_depth=2).items == (
        "line/l1",
        "line/l2",
        "machine/m1",
        "machine/m2",
        "machine/p1",
    )


def test_descendants_page_with_a_cursor(plant: GraphStore) -> None:
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = plant.descendants("site/s1", first=3, after=cursor)
        seen.extend(page.items)
        pages += 1
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert pages == 3
    assert seen == list(plant.descendants("site/s1").items)


def test_descendants_filtered_by_model_include_extending_models(plant: GraphStore) -> None:
    page = plant.descendants("site/s1", model=MACHINE)
    assert page.items == ("machine/m1", "machine/m2", "machine/p1")
    assert plant.descendants("site/s1", model=PRESS).items == ("machine/p1",)
    assert plant.descendants("line/l1", model=AREA).items == ()
    with pytest.raises(NotFoundError):
        plant.descendants("site/s1", model="dtmi:test:Nothing;1")


def test_descendants_filtered_by_semantic_type(plant: GraphStore) -> None:
    page = plant.descendants("site/s1", semantic_type="Temperature")
    assert page.items == ("machine/m1", "machine/m2", "machine/p1", "sensor/t1")
    assert plant.descendants("site/s1", semantic_type="Pressure").items == ()
    both = plant.descendants("site/s1", semantic_type="Temperature", model=SENSOR)
    assert both.items == ("sensor/t1",)


DESCENDANT_FILTERS: dict[str, dict[str, Any]] = {
    "none": {},
    "depth 1": {"max_depth": 1},
    "depth 2": {"max_depth": 2},
    "model": {"model": MACHINE},
    "model, depth 2": {"model": MACHINE, "max_depth": 2},
    "semantic type": {"semantic_type": "Temperature"},
    "both": {"semantic_type": "Temperature", "model": SENSOR},
    "none match": {"semantic_type": "Pressure"},
}


@pytest.mark.parametrize("name", sorted(DESCENDANT_FILTERS))
def test_count_descendants_counts_every_page(plant: GraphStore, name: str) -> None:
    filters = DESCENDANT_FILTERS[name]
    for twin in ("site/s1", "area/a1", "line/l1", "machine/p1"):
        listed = plant.descendants(twin, first=MAX_PAGE, **filters).items
        assert plant.count_descendants(twin, **filters) == len(listed)
    # after a change to the hierarchy too (the in-process store walks until it re-indexes)
    plant.add_edges([Edge("machine/m2", CONTAINS, "sensor/t1")], principal=WHO)
    assert plant.count_descendants("line/l1", **filters) == len(
        plant.descendants("line/l1", first=MAX_PAGE, **filters).items
    )


def test_count_descendants_refuses_what_descendants_refuses(plant: GraphStore) -> None:
    assert plant.count_descendants("site/s1") == 8
    with pytest.raises(NotFoundError):
        plant.count_descendants("site/s1", model="dtmi:test:Nothing;1")
    with pytest.raises(InvalidError):
        plant.count_descendants("site/s1", max_depth=0)


def test_list_twins_pages_and_filters_by_model(plant: GraphStore) -> None:
    first = plant.list_twins(first=4)
    assert ids(first.items) == ["area/a1", "area/a2", "line/l1", "line/l2"]
    rest = plant.list_twins(first=100, after=first.next_cursor)
    assert ids(rest.items) == [
        "machine/m1",
        "machine/m2",
        "machine/p1",
        "sensor/t1",
        "site/s1",
    ]
    assert rest.next_cursor is None
    machines = plant.list_twins(model=MACHINE)
    assert ids(machines.items) == ["machine/m1", "machine/m2", "machine/p1"]


def test_a_cursor_need_not_name_a_listed_id(plant: GraphStore) -> None:
    assert plant.descendants("site/s1", after="line/l1z").items == (
        "line/l2",
        "machine/m1",
        "machine/m2",
        "machine/p1",
        "sensor/t1",
    )
    assert plant.children("line/l1", after="machine/m").items == ("machine/m1", "machine/p1")
    assert ids(plant.list_twins(after="sensor/t0").items) == ["sensor/t1", "site/s1"]
    assert plant.list_twins(after="zzz").items == ()
    with pytest.raises(NotFoundError):
        plant.list_twins(model="dtmi:test:Nothing;1")


def test_alias_and_edge_changes_are_audited(plant: GraphStore) -> None:
    plant.add_aliases("machine/m1", [Alias("erp", "EQ-1")], principal="carol")
    plant.remove_alias(Alias("erp", "EQ-1"), principal="dave")
    records = [r for r in plant.audit(key="machine/m1").items if r.action.startswith("alias.")]
    assert [(r.action, r.principal) for r in records] == [
        ("alias.add", "carol"),
        ("alias.remove", "dave"),
    ]
    assert records[0].before == []
    assert records[0].after == [["erp", "EQ-1"]]
    assert records[1].after == []
    added = plant.audit(key="line/l2 -[contains]-> machine/p1").items
    assert [r.action for r in added] == ["edge.add"]
    assert added[0].after == {
        "source": "line/l2",
        "name": CONTAINS,
        "target": "machine/p1",
        "properties": {},
    }


@pytest.mark.parametrize("first", [0, -1, MAX_PAGE + 1])
def test_page_sizes_out_of_range_are_refused(plant: GraphStore, first: int) -> None:
    with pytest.raises(InvalidError):
        plant.children("site/s1", first=first)
    with pytest.raises(InvalidError):
        plant.descendants("site/s1", first=first)
    with pytest.raises(InvalidError):
        plant.list_twins(first=first)


def test_a_bad_depth_is_refused(plant: GraphStore) -> None:
    with pytest.raises(InvalidError):
        plant.descendants("site/s1", max_depth=0)
    with pytest.raises(InvalidError):
        plant.ancestors("sensor/t1", max_depth=-1)


# ==================================================================== aliases
def test_aliases_resolve_many_at_once(plant: GraphStore) -> None:
    twin = plant.add_aliases(
        "machine/m1", [Alias("erp", "EQ-1"), Alias("mac", "00:1b:00:00:00:01")], principal=WHO
    )
    assert set(twin.aliases) == {Alias("erp", "EQ-1"), Alias("mac", "00:1b:00:00:00:01")}
    plant.add_aliases("machine/m2", [Alias("erp", "EQ-2")], principal=WHO)
    resolved = plant.resolve_aliases("erp", ["EQ-2", "EQ-9", "EQ-1"])
    assert resolved == ("machine/m2", None, "machine/m1")
    assert plant.resolve_aliases("nowhere", ["EQ-1"]) == (None,)
    assert plant.resolve_aliases("erp", []) == ()


def test_an_alias_is_unique_per_namespace(plant: GraphStore) -> None:
    plant.add_aliases("machine/m1", [Alias("erp", "EQ-1")], principal=WHO)
    with pytest.raises(AlreadyExistsError):
        plant.add_aliases("machine/m2", [Alias("erp", "EQ-1")], principal=WHO)
    plant.add_aliases("machine/m2", [Alias("sap", "EQ-1")], principal=WHO)  # another namespace
    same = plant.add_aliases("machine/m1", [Alias("erp", "EQ-1")], principal=WHO)
    assert same.aliases == (Alias("erp", "EQ-1"),)
    with pytest.raises(AlreadyExistsError):
        plant.create_twin(
            TwinSpec("machine/m9", MACHINE, aliases=(Alias("erp", "EQ-1"),)), principal=WHO
        )
    result = plant.upsert_twins(
        [TwinSpec("machine/m9", MACHINE, aliases=(Alias("erp", "EQ-1"),))], principal=WHO
    )
    assert result.created == 0
    assert "machine/m1" in result.rejected[0].reason
    assert plant.resolve_aliases("erp", ["EQ-1"]) == ("machine/m1",)


def test_upsert_replaces_aliases(modelled: GraphStore) -> None:
    modelled.upsert_twins(
        [TwinSpec("area/x", AREA, aliases=(Alias("erp", "A"), Alias("erp", "B")))], principal=WHO
    )
    modelled.upsert_twins([TwinSpec("area/x", AREA, aliases=(Alias("erp", "C"),))], principal=WHO)
    assert modelled.resolve_aliases("erp", ["A", "B", "C"]) == (None, None, "area/x")


def test_remove_alias(plant: GraphStore) -> None:
    plant.add_aliases("machine/m1", [Alias("erp", "EQ-1")], principal=WHO)
    plant.remove_alias(Alias("erp", "EQ-1"), principal=WHO)
    assert plant.resolve_aliases("erp", ["EQ-1"]) == (None,)
    assert plant.get_twin("machine/m1").aliases == ()
    with pytest.raises(NotFoundError):
        plant.remove_alias(Alias("erp", "EQ-1"), principal=WHO)


# ==================================================================== signals
def test_signals_newer_wins(plant: GraphStore) -> None:
    t0 = START + timedelta(hours=1)
    plant.set_signals([SignalUpdate("machine/m1", "temperature", 40.0, t0, "b1")])
    plant.set_signals([SignalUpdate("machine/m1", "temperature", 35.0, t0 - timedelta(1), "b0")])
    held = plant.get_signals("machine/m1")["temperature"]
    assert (held.value, held.time, held.batch) == (40.0, t0, "b1")
    later = t0 + timedelta(seconds=5)
    plant.set_signals(
        [
            SignalUpdate("machine/m1", "temperature", 41.0, later, "b2"),
            SignalUpdate("machine/m2", "temperature", 20.0, later, "b2"),
        ]
    )
    assert plant.get_signals("machine/m1")["temperature"].value == 41.0
    assert plant.get_signals("machine/m2")["temperature"].value == 20.0
    assert plant.get_signals("line/l1") == {}


def test_signals_of_one_key_in_one_call_apply_in_order(plant: GraphStore) -> None:
    t0 = START + timedelta(hours=1)
    plant.set_signals([SignalUpdate("machine/m1", "speed", 1.0, t0, "b0")])
    plant.set_signals(
        [
            SignalUpdate("machine/m1", "temperature", 40.0, t0, "b1"),
            SignalUpdate("machine/m1", "temperature", 39.0, t0 - timedelta(seconds=1), "b1"),
            SignalUpdate("machine/m2", "temperature", 20.0, t0, "b1"),
            SignalUpdate("machine/m2", "temperature", 21.0, t0, "b2"),
            SignalUpdate("machine/m1", "speed", 0.5, t0 - timedelta(seconds=1), "b1"),
            SignalUpdate("machine/m1", "speed", 2.0, t0, "b1"),
        ]
    )
    m1, m2 = plant.get_signals("machine/m1"), plant.get_signals("machine/m2")
    # an older row after a newer one is skipped; of two rows with one time the later wins;
    # a row as old as the stored value replaces it, an older one does not
    assert (m1["temperature"].value, m1["temperature"].batch) == (40.0, "b1")
    assert (m2["temperature"].value, m2["temperature"].batch) == (21.0, "b2")
    assert (m1["speed"].value, m1["speed"].time, m1["speed"].batch) == (2.0, t0, "b1")


def test_signals_for_an_unknown_twin_write_nothing(plant: GraphStore) -> None:
    with pytest.raises(NotFoundError):
        plant.set_signals(
            [
                SignalUpdate("machine/m1", "temperature", 40.0, START),
                SignalUpdate("nope", "temperature", 40.0, START),
            ]
        )
    assert plant.get_signals("machine/m1") == {}


def test_signals_are_not_visible_before_before_commit_returns(plant: GraphStore) -> None:
    t0 = START + timedelta(hours=1)
    plant.set_signals([SignalUpdate("machine/m1", "temperature", 40.0, t0, "b1")])
    seen: list[JsonValue] = []

    def before_commit() -> None:
        seen.append(plant.get_signals("machine/m1")["temperature"].value)

    later = [SignalUpdate("machine/m1", "temperature", 41.0, t0 + timedelta(seconds=1), "b2")]
    plant.set_signals(later, before_commit=before_commit)
    assert seen == [40.0]
    assert plant.get_signals("machine/m1")["temperature"].value == 41.0


def test_signals_whose_before_commit_raises_write_nothing(plant: GraphStore) -> None:
    class HistoryDownError(Exception):
        pass

    def before_commit() -> None:
        raise HistoryDownError

    updates = [
        SignalUpdate("machine/m1", "temperature", 40.0, START, "b1"),
        SignalUpdate("machine/m2", "speed", 3.0, START, "b1"),
    ]
    with pytest.raises(HistoryDownError):
        plant.set_signals(updates, before_commit=before_commit)
    assert plant.get_signals("machine/m1") == {}
    assert plant.get_signals("machine/m2") == {}
    plant.set_signals(updates)
    assert plant.get_signals("machine/m2")["speed"].value == 3.0


def test_a_signal_time_without_timezone_is_refused(plant: GraphStore) -> None:
    naive = START.replace(tzinfo=None)
    with pytest.raises(InvalidError):
        plant.set_signals([SignalUpdate("machine/m1", "temperature", 40.0, naive)])


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_a_signal_value_that_is_not_json_is_refused(plant: GraphStore, value: float) -> None:
    with pytest.raises(InvalidError) as err:
        plant.set_signals([SignalUpdate("machine/m1", "temperature", value, START)])
    assert "temperature" in str(err.value)
    assert plant.get_signals("machine/m1") == {}


@pytest.mark.parametrize("bad", ["nan", "inf", "naive"])
def test_a_bad_signal_update_after_good_ones_of_its_name_is_refused(
    plant: GraphStore, bad: str
) -> None:
    """A name checked once in a call does not let a later update of it skip its checks."""
    value = float(bad) if bad != "naive" else 2.0
    moment = START.replace(tzinfo=None) if bad == "naive" else START
    updates = [
        SignalUpdate("machine/m1", "temperature", 1.0, START),
        SignalUpdate("machine/m2", "temperature", 1.5, START),
        SignalUpdate("machine/m2", "temperature", value, moment),
    ]
    with pytest.raises(InvalidError) as err:
        plant.set_signals(updates)
    assert "temperature" in str(err.value)
    assert plant.get_signals("machine/m1") == {}
    assert plant.get_signals("machine/m2") == {}


# ==================================================================== rollups
def test_rollups_sum_each_descendant_once(plant: GraphStore) -> None:
    spec = RollupSpec(name="powerTotal", signal="power", aggregate=Aggregate.SUM)
    plant.define_rollup(spec, principal=WHO)
    assert plant.rollups() == (spec,)
    plant.set_signals(
        [
            SignalUpdate("machine/m1", "power", 1.0, START),
            SignalUpdate("machine/m2", "power", 2.0, START),
            SignalUpdate("machine/p1", "power", 4.0, START),
        ]
    )
    assert plant.recompute_rollups() > 0
    total = {t: plant.get_signals(t)["powerTotal"].value for t in ("area/a1", "site/s1")}
    assert total == {"area/a1": 7.0, "site/s1": 7.0}  # p1 sits on two lines: counted once
    assert plant.get_signals("line/l2")["powerTotal"].value == 6.0


def test_rollups_recompute_for_changed_twins(plant: GraphStore) -> None:
    spec = RollupSpec(name="powerTotal", signal="power", aggregate=Aggregate.SUM)
    plant.define_rollup(spec, principal=WHO)
    plant.set_signals(
        [
            SignalUpdate("machine/m1", "power", 1.0, START),
            SignalUpdate("machine/p1", "power", 4.0, START),
        ]
    )
    plant.recompute_rollups()
    plant.set_signals([SignalUpdate("machine/p1", "power", 10.0, START + timedelta(1))])
    assert plant.recompute_rollups(["machine/p1"]) > 0
    assert plant.get_signals("site/s1")["powerTotal"].value == 11.0
    assert plant.get_signals("line/l2")["powerTotal"].value == 10.0
    assert plant.recompute_rollups(["machine/p1"]) == 0  # nothing changed since


def test_a_rollup_on_a_model_writes_only_its_twins(plant: GraphStore) -> None:
    spec = RollupSpec(name="hottest", signal="temperature", aggregate=Aggregate.MAX, on_model=LINE)
    plant.define_rollup(spec, principal=WHO)
    plant.set_signals(
        [
            SignalUpdate("machine/m1", "temperature", 50.0, START),
            SignalUpdate("machine/p1", "temperature", 70.0, START),
            SignalUpdate("machine/m2", "temperature", 60.0, START),
        ]
    )
    plant.recompute_rollups()
    assert plant.get_signals("line/l1")["hottest"].value == 70.0
    assert plant.get_signals("line/l2")["hottest"].value == 70.0
    assert "hottest" not in plant.get_signals("area/a1")


def test_an_invalid_rollup_is_refused(plant: GraphStore) -> None:
    with pytest.raises(InvalidError) as err:
        plant.define_rollup(
            RollupSpec(name="avg", signal="power", aggregate=Aggregate.WEIGHTED_MEAN),
            principal=WHO,
        )
    assert "weight" in str(err.value)
    assert plant.rollups() == ()


def test_a_rollup_naming_an_unknown_model_is_refused(plant: GraphStore) -> None:
    spec = RollupSpec(name="x", signal="power", aggregate=Aggregate.SUM, on_model="dtmi:x:Y;1")
    with pytest.raises(NotFoundError):
        plant.define_rollup(spec, principal=WHO)
    assert plant.rollups() == ()


# ====================================================================== audit
def test_every_write_is_audited_with_principal_time_before_after(plant: GraphStore) -> None:
    plant.update_twin("area/a2", {"name": "Stores B"}, etag=None, principal="bob")
    records = plant.audit(key="area/a2").items
    assert [r.action for r in records] == ["twin.create", "twin.update"]
    update = records[-1]
    assert update.principal == "bob"
    assert isinstance(update.before, dict)
    assert isinstance(update.after, dict)
    assert update.before["properties"] == {"name": "Stores"}
    assert update.after["properties"] == {"name": "Stores B"}
    assert update.at > records[0].at


def test_audit_pages_in_write_order(plant: GraphStore) -> None:
    everything = plant.audit(first=MAX_PAGE).items
    seqs = [r.seq for r in everything]
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == len(seqs)
    first = plant.audit(first=5)
    assert first.items == everything[:5]
    assert first.next_cursor is not None
    rest = plant.audit(first=MAX_PAGE, after=int(first.next_cursor))
    assert rest.items == everything[5:]
    assert rest.next_cursor is None
    actions = {r.action for r in everything}
    assert {"model.add", "twin.create", "edge.add"} <= actions


@pytest.mark.parametrize("after", [-1, "3", True, 1.0])
def test_an_audit_cursor_that_is_no_seq_is_refused_naming_it(
    plant: GraphStore, after: object
) -> None:
    with pytest.raises(InvalidError, match=r"audit cursor after=.* expected the last seq seen"):
        plant.audit(after=after)  # type: ignore[arg-type]


def test_an_alias_is_named_namespace_colon_value_in_errors_and_audit(plant: GraphStore) -> None:
    plant.add_aliases("machine/m1", [Alias("erp", "EQ-1")], principal=WHO)
    with pytest.raises(AlreadyExistsError) as taken:
        plant.add_aliases("machine/m2", [Alias("erp", "EQ-1")], principal=WHO)
    assert taken.value.key == "erp:EQ-1"
    with pytest.raises(NotFoundError) as missing:
        plant.remove_alias(Alias("erp", "EQ-404"), principal=WHO)
    assert (missing.value.kind, missing.value.key) == ("alias", "erp:EQ-404")
    result = plant.upsert_twins(
        [TwinSpec("machine/m2", MACHINE, {"serial": "SN-2"}, aliases=(Alias("erp", "EQ-1"),))],
        principal=WHO,
    )
    assert [r.reason for r in result.rejected] == [
        "alias 'erp:EQ-1' names twin 'machine/m1' already; an alias is unique per namespace"
    ]


# ============================================================ many-twin reads
MANY = [t.id for t in PLANT_TWINS] + ["nope", "line/l1", "x' OR 1=1 //"]
"""Every plant twin, an unknown id, a repeated id and an injection attempt."""


def _known(store: GraphStore, twin_id: str) -> bool:
    return store.get_twins([twin_id])[0] is not None


def test_children_and_parents_of_many_twins_match_the_one_twin_reads(plant: GraphStore) -> None:
    kids = plant.children_of(MANY)
    ups = plant.parents_of(MANY)
    assert len(kids) == len(ups) == len(MANY)
    for twin_id, got_kids, got_ups in zip(MANY, kids, ups, strict=True):
        known = _known(plant, twin_id)
        assert got_kids == (plant.children(twin_id, first=MAX_PAGE).items if known else ())
        assert got_ups == (plant.parents(twin_id) if known else ())
    assert kids[MANY.index("line/l2")] == ("machine/m2", "machine/p1")
    assert ups[MANY.index("machine/p1")] == ("line/l1", "line/l2")
    assert plant.children_of([]) == ()


def test_children_below_reads_levels_of_children_at_once(plant: GraphStore) -> None:
    assert dict(plant.children_below(["site/s1"], 1)) == {"site/s1": ("area/a1", "area/a2")}
    three = plant.children_below(["site/s1", "nope", "site/s1"], 3)
    assert sorted(three) == ["area/a1", "area/a2", "line/l1", "line/l2", "site/s1"]
    every = plant.children_below(["site/s1"], MAX_TREE_LEVELS)
    assert sorted(every) == sorted(t.id for t in PLANT_TWINS)
    for twin_id, kids in every.items():
        assert kids == plant.children_of([twin_id])[0]
    assert every["line/l2"] == ("machine/m2", "machine/p1")
    assert every["machine/p1"] == ()
    assert dict(plant.children_below(["nope", "x' OR 1=1 //"], 3)) == {}
    assert dict(plant.children_below([], 2)) == {}


def test_children_below_stops_before_a_level_past_the_limit(plant: GraphStore) -> None:
    # levels under site/s1: 1, 2, 2, 3 (m1, p1, m2: p1 once), 1 twins
    assert sorted(plant.children_below(["site/s1"], 8, limit=4)) == [
        "area/a1",
        "area/a2",
        "site/s1",
    ]
    assert len(plant.children_below(["site/s1"], 8, limit=5)) == 5
    assert len(plant.children_below(["site/s1"], 8, limit=9)) == len(PLANT_TWINS)
    lines = ["line/l1", "line/l2"]
    assert sorted(plant.children_below(lines, 2, limit=4)) == lines
    assert len(plant.children_below(lines, 2, limit=5)) == 5  # machine/p1 counted once


@pytest.mark.parametrize(
    ("depth", "limit", "message"),
    [
        (0, 10, "depth=0"),
        (MAX_TREE_LEVELS + 1, 10, f"expected an integer 1..{MAX_TREE_LEVELS}"),
        (True, 10, "depth=True"),
        (2, 0, "limit=0"),
        (2, MAX_READ_IDS + 1, f"expected an integer 1..{MAX_READ_IDS}"),
    ],
)
def test_children_below_refuses_a_bad_depth_or_limit(
    plant: GraphStore, depth: int, limit: int, message: str
) -> None:
    with pytest.raises(InvalidError, match=re.escape(message)):
        plant.children_below(["site/s1"], depth, limit=limit)


def _rolled_up(plant: GraphStore, *updates: SignalUpdate) -> None:
    """``updates`` written and the ``powerTotal`` rollup (sum of ``power``) computed."""
    spec = RollupSpec(name="powerTotal", signal="power", aggregate=Aggregate.SUM)
    plant.define_rollup(spec, principal=WHO)
    plant.set_signals(updates)
    plant.recompute_rollups()


def test_signals_of_many_twins_match_the_one_twin_reads_rollups_included(
    plant: GraphStore,
) -> None:
    _rolled_up(
        plant,
        SignalUpdate("machine/m1", "power", 1.0, START, "b1"),
        SignalUpdate("machine/m1", "temperature", 40.0, START),
        SignalUpdate("machine/p1", "power", 4.0, START),
    )
    got = plant.signals_of(MANY)
    for twin_id, held in zip(MANY, got, strict=True):
        assert dict(held) == (dict(plant.get_signals(twin_id)) if _known(plant, twin_id) else {})
    assert sorted(got[MANY.index("machine/m1")]) == ["power", "temperature"]
    assert got[MANY.index("machine/m1")]["power"].batch == "b1"
    assert got[MANY.index("area/a1")]["powerTotal"].value == 5.0


def test_twins_with_signals_match_get_twins_and_signals_of(plant: GraphStore) -> None:
    _rolled_up(
        plant,
        SignalUpdate("machine/m1", "power", 1.5, START, "b1"),
        SignalUpdate("machine/p1", "power", 2.5, START),
    )
    got = plant.twins_with_signals(MANY)
    for twin_id, pair, twin, held in zip(
        MANY, got, plant.get_twins(MANY), plant.signals_of(MANY), strict=True
    ):
        if twin is None:
            assert pair is None, twin_id
        else:
            assert pair is not None, twin_id
            assert pair[0] == twin
            assert dict(pair[1]) == dict(held)
    m1 = got[MANY.index("machine/m1")]
    assert m1 is not None and m1[1]["power"].batch == "b1"
    a1 = got[MANY.index("area/a1")]
    assert a1 is not None and a1[1]["powerTotal"].value == 4.0
    assert plant.twins_with_signals([]) == ()


def test_twins_exist_answers_as_get_twins_without_the_records(plant: GraphStore) -> None:
    got = plant.twins_exist(MANY)
    assert got == tuple(twin is not None for twin in plant.get_twins(MANY))
    assert got[MANY.index("nope")] is False
    assert got[MANY.index("x' OR 1=1 //")] is False
    assert got[MANY.index("line/l1")] is True and got[-2] is True  # asked twice
    assert plant.twins_exist([]) == ()
    plant.delete_twin("machine/p1", etag=None, principal=WHO)
    assert plant.twins_exist(["machine/p1", "machine/m1"]) == (False, True)


def test_children_with_signals_reads_the_children_and_a_page_of_their_signals(
    plant: GraphStore,
) -> None:
    _rolled_up(
        plant,
        SignalUpdate("machine/m1", "power", 1.5, START, "b1"),
        SignalUpdate("machine/m1", "mode", "running", START),
        SignalUpdate("machine/p1", "power", 2.5, START),
    )
    got = plant.children_with_signals("line/l1", first=10)
    assert got is not None
    assert got.twin == plant.get_twin("line/l1")
    assert got.children == ("machine/m1", "machine/p1")
    assert [twin for twin, _ in got.page] == list(plant.get_twins(got.children))
    for (twin, held), signals in zip(got.page, plant.signals_of(got.children), strict=True):
        assert dict(held) == dict(signals), twin.id
    assert got.page[0][1]["power"].batch == "b1"
    assert sorted(got.page[0][1]) == ["mode", "power"]
    area = plant.children_with_signals("area/a1", first=1, after="line/l1")
    assert area is not None and area.children == ("line/l1", "line/l2")
    assert [t.id for t, _ in area.page] == ["line/l2"]
    assert area.page[0][1]["powerTotal"].value == 2.5  # a rollup is a live signal too
    after_all = plant.children_with_signals("area/a1", first=5, after="line/l2")
    assert after_all is not None and after_all.page == ()
    leaf = plant.children_with_signals("sensor/t1", first=5)
    assert leaf is not None and leaf.children == () and leaf.page == ()
    assert plant.children_with_signals("nope", first=5) is None
    assert plant.children_with_signals("x' OR 1=1 //", first=5, after="'") is None


@pytest.mark.parametrize(
    ("first", "after", "message"),
    [(0, None, "first=0"), (MAX_PAGE + 1, None, "first=10001"), (5, 7, "after=7")],
)
def test_children_with_signals_refuses_a_bad_page(
    plant: GraphStore, first: int, after: Any, message: str
) -> None:
    with pytest.raises(InvalidError, match=re.escape(message)):
        plant.children_with_signals("site/s1", first=first, after=after)


def test_edges_of_many_twins_match_the_one_twin_reads(plant: GraphStore) -> None:
    plant.add_edges(
        [
            Edge("machine/m1", "servedBy", "machine/p1"),
            Edge("machine/m1", "servedBy", "machine/m2"),
        ],
        principal=WHO,
    )
    for name in (None, CONTAINS, "servedBy", "unknownName"):
        out = plant.edges_from_many(MANY, name)
        into = plant.edges_to_many(MANY, name)
        for twin_id, got_out, got_in in zip(MANY, out, into, strict=True):
            known = _known(plant, twin_id)
            assert got_out == (plant.edges_from(twin_id, name) if known else ())
            assert got_in == (plant.edges_to(twin_id, name) if known else ())
    served = plant.edges_from_many(["machine/m1"], "servedBy")[0]
    assert [e.target for e in served] == ["machine/m2", "machine/p1"]


@pytest.mark.parametrize(
    "call",
    [
        lambda s, ids: s.children_of(ids),
        lambda s, ids: s.children_below(ids, 2),
        lambda s, ids: s.parents_of(ids),
        lambda s, ids: s.signals_of(ids),
        lambda s, ids: s.twins_with_signals(ids),
        lambda s, ids: s.twins_exist(ids),
        lambda s, ids: s.edges_from_many(ids),
        lambda s, ids: s.edges_to_many(ids, "feeds"),
    ],
    ids=[
        "children_of",
        "children_below",
        "parents_of",
        "signals_of",
        "twins_with_signals",
        "twins_exist",
        "edges_from_many",
        "edges_to_many",
    ],
)
def test_many_twin_reads_refuse_bad_or_too_many_ids(
    plant: GraphStore, call: Callable[[GraphStore, object], object]
) -> None:
    with pytest.raises(InvalidError, match=f"at most {MAX_READ_IDS}"):
        call(plant, ["site/s1"] * (MAX_READ_IDS + 1))
    with pytest.raises(InvalidError, match="expected a sequence of strings"):
        call(plant, "site/s1")
    with pytest.raises(InvalidError, match="twin id 7 is of type int"):
        call(plant, ["site/s1", 7])


def test_a_many_twin_read_refuses_an_edge_name_that_is_no_string(plant: GraphStore) -> None:
    with pytest.raises(InvalidError, match="edge name 3 is of type int"):
        plant.edges_from_many(["site/s1"], 3)  # type: ignore[arg-type]


def test_audit_since_keeps_the_records_written_at_or_after_a_time(plant: GraphStore) -> None:
    everything = plant.audit(first=MAX_PAGE).items
    middle = everything[len(everything) // 2]
    since = plant.audit(since=middle.at, first=MAX_PAGE).items
    assert since == tuple(r for r in everything if r.at >= middle.at)
    assert middle in since  # a bulk write gives its records one time: some come before it
    assert len(since) < len(everything)
    later = middle.at.astimezone(timezone(timedelta(hours=-5)))  # any zone, same instant
    assert plant.audit(since=later, first=MAX_PAGE).items == since
    paged = plant.audit(since=middle.at, first=2)
    assert paged.next_cursor is not None
    rest = plant.audit(since=middle.at, first=MAX_PAGE, after=int(paged.next_cursor)).items
    assert paged.items + rest == since
    plant.update_twin("area/a2", {"name": "Stores C"}, etag=None, principal="carol")
    (newest,) = plant.audit(since=everything[-1].at + timedelta(microseconds=1)).items
    assert (newest.action, newest.key, newest.principal) == ("twin.update", "area/a2", "carol")


@pytest.mark.parametrize("since", [datetime(2026, 1, 1), "2026-01-01T00:00:00Z", 0])
def test_an_audit_since_without_a_zone_is_refused_naming_it(
    plant: GraphStore, since: object
) -> None:
    with pytest.raises(InvalidError, match=r"audit since=.* expected a datetime with a time zone"):
        plant.audit(since=since)  # type: ignore[arg-type]
