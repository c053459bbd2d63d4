"""The in-process store loads a generated plant in bulk and serves it back whole."""

from __future__ import annotations

import gc
import math

import pytest

from loaders import generate_plant
from ontology import CONTAINS, MAX_PAGE, Alias, Edge, MemoryStore, TwinSpec
from ontology.graph._rules import rules_for
from tests.ontology.graph.conftest import (
    AREA,
    LINE,
    MACHINE,
    WHO,
    Exploding,
    FixedClock,
    all_model_texts,
)

TWINS = 20_000


def test_a_generated_plant_loads_and_reads_back_whole() -> None:
    plant = generate_plant(TWINS, fan_out=8, seed=3)
    store = MemoryStore(clock=FixedClock())
    store.add_models(list(plant.models), principal=WHO)
    loaded = store.upsert_twins(plant.twins, principal=WHO)
    assert (loaded.created, loaded.rejected) == (TWINS, ())
    edges = store.add_edges(plant.edges, principal=WHO)
    assert (edges.created, edges.rejected) == (len(plant.edges), ())
    again = store.upsert_twins(plant.twins, principal=WHO)
    assert again.unchanged == TWINS

    root = plant.roots[0]
    seen: set[str] = set()
    cursor = None
    while True:
        page = store.descendants(root, first=MAX_PAGE, after=cursor)
        seen.update(page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert len(seen) == TWINS - 1
    for twin in plant.multi_parent[:50]:
        assert len(store.parents(twin)) == 2
    leaf = plant.leaves[-1]
    assert root in store.ancestors(leaf)
    spec = plant.twins[-1]
    assert store.get_twin(spec.id).properties == spec.properties
    aliased = [s for s in plant.twins if s.aliases][:100]
    values = [s.aliases[0].value for s in aliased]
    assert store.resolve_aliases("erp", values) == tuple(s.id for s in aliased)


def test_the_garbage_collector_is_back_on_after_a_bulk_write() -> None:
    store = MemoryStore(clock=FixedClock())
    store.add_models(all_model_texts(), principal=WHO)
    specs = [TwinSpec(f"area/{i}", AREA) for i in range(2_000)]
    store.upsert_twins(specs, principal=WHO)
    assert gc.isenabled()
    edges = [Edge("area/0", CONTAINS, f"area/{i}") for i in range(1, 2_000)]
    bad = [*edges[:-1], object()]
    result = store.add_edges(bad, principal=WHO)  # type: ignore[arg-type]
    assert len(result.rejected) == 1
    assert gc.isenabled()
    none = store.upsert_twins([*specs, None], principal=WHO)  # type: ignore[list-item]
    assert "expected a TwinSpec" in none.rejected[0].reason
    fresh = [TwinSpec(f"line/{i}", AREA) for i in range(2_000)]
    with pytest.raises(RuntimeError):
        store.upsert_twins([*fresh, TwinSpec("line/x", AREA, Exploding())], principal=WHO)
    assert gc.isenabled()
    assert store.get_twins(["line/0", "line/1999"]) == (None, None)


class _Unsized(Exploding):
    def __len__(self) -> int:
        raise RuntimeError("boom")


def test_what_a_bulk_write_keeps_goes_straight_to_the_old_generation() -> None:
    store = MemoryStore(clock=FixedClock())
    store.add_models(all_model_texts(), principal=WHO)
    specs = [TwinSpec(f"area/{i}", AREA, aliases=(Alias("erp", str(i)),)) for i in range(2_000)]
    gc.collect()  # the young generations are empty: a lone young collection keeps rows young
    assert store.upsert_twins(specs, principal=WHO).created == 2_000
    row = store._twins["area/7"]
    assert gc.is_tracked(row)
    assert not any(o is row for o in gc.get_objects(generation=1))
    assert any(o is row for o in gc.get_objects(generation=2))


def test_a_failed_edge_batch_undoes_its_plain_contains_edges() -> None:
    store = MemoryStore(clock=FixedClock())
    store.add_models(all_model_texts(), principal=WHO)
    store.upsert_twins([TwinSpec(f"area/{i}", AREA) for i in range(1_500)], principal=WHO)
    marker = len(store.audit(first=10_000).items)
    edges = [Edge("area/0", CONTAINS, f"area/{i}") for i in range(1, 1_500)]
    edges.append(Edge("area/1", CONTAINS, "area/2", _Unsized()))
    with pytest.raises(RuntimeError):
        store.add_edges(edges, principal=WHO)
    assert store.children("area/0").items == ()
    assert store.parents("area/7") == ()
    assert len(store.audit(first=10_000).items) == marker
    assert store.add_edges(edges[:-1], principal=WHO).created == 1_499
    assert store.audit(key="area/0 -[contains]-> area/7").items[0].action == "edge.add"


def test_an_id_listed_twice_is_refused_whatever_became_of_its_first_spec() -> None:
    store = MemoryStore(clock=FixedClock())
    store.add_models(all_model_texts(), principal=WHO)
    taken = Alias("erp", "EQ-1")
    store.upsert_twins(
        [TwinSpec("kept", AREA, {"name": "k"}), TwinSpec("owner", AREA, aliases=(taken,))],
        principal=WHO,
    )
    result = store.upsert_twins(
        [
            TwinSpec("kept", AREA, {"name": "k"}),  # unchanged
            TwinSpec("kept", AREA, {"name": "other"}),
            TwinSpec("kept2", AREA),  # created
            TwinSpec("kept2", AREA, {"name": "x"}),
            TwinSpec("owner", AREA, {"name": "o"}, aliases=(taken,)),  # updated
            TwinSpec("owner", AREA, aliases=(taken,)),
            TwinSpec("thief", AREA, aliases=(taken,)),  # rejected: the alias is held
            TwinSpec("thief", AREA),
        ],
        principal=WHO,
    )
    assert (result.created, result.updated, result.unchanged) == (1, 1, 1)
    assert [r.key for r in result.rejected] == ["kept", "kept2", "owner", "thief", "thief"]
    twice = ["twice" in r.reason for r in result.rejected]
    assert twice == [True, True, True, False, True]
    assert "alias" in result.rejected[3].reason
    assert store.get_twin("kept").properties == {"name": "k"}
    assert store.get_twin("kept2").properties == {}
    assert store.get_twin("owner").properties == {"name": "o"}
    assert store.get_twins(["thief"]) == (None,)
    later = store.upsert_twins([TwinSpec("kept2", AREA, {"name": "y"})], principal=WHO)
    assert later.updated == 1  # a row written by an earlier batch is not "listed twice"


def test_invalid_specs_checked_up_front_are_refused_in_place_with_their_reasons() -> None:
    store = MemoryStore(clock=FixedClock())
    store.add_models(all_model_texts(), principal=WHO)
    bad_value = TwinSpec("line/2", LINE, {"capacity": math.inf})
    bad_id = TwinSpec("line 3", LINE)
    result = store.upsert_twins(
        [
            TwinSpec("line/1", LINE, {"capacity": 1.0}),
            bad_value,
            TwinSpec("line/1", LINE, {"capacity": 2.0}),  # listed twice, after a refusal
            bad_id,
            TwinSpec("line/4", LINE, aliases=(Alias("erp", "L-4"),)),
        ],
        principal=WHO,
    )
    rules = rules_for(store.model_set())
    assert result.created == 2
    assert [(r.key, r.reason) for r in result.rejected] == [
        ("line/2", "; ".join(rules.twin(bad_value))),
        ("line/1", "the batch lists this twin id twice"),
        ("line 3", "; ".join(rules.twin(bad_id))),
    ]
    assert "capacity" in result.rejected[0].reason
    assert store.get_twins(["line/1", "line/2", "line/4"])[1] is None
    assert store.resolve_aliases("erp", ["L-4"]) == ("line/4",)


def test_edges_from_one_source_interleaved_with_others_all_land() -> None:
    store = MemoryStore(clock=FixedClock())
    store.add_models(all_model_texts(), principal=WHO)
    store.upsert_twins(
        [TwinSpec(t, LINE) for t in ("l1", "l2")] + [TwinSpec(f"m{i}", MACHINE) for i in (1, 2, 3)],
        principal=WHO,
    )
    result = store.add_edges(
        [
            Edge("l1", CONTAINS, "m1"),
            Edge("l1", "feeds", "l2", {"priority": 1}),  # another kind from the same source
            Edge("l1", CONTAINS, "m2"),
            Edge("l2", CONTAINS, "m3"),
            Edge("l1", CONTAINS, "m3"),  # back to l1: m3 gets a second parent
            Edge("l1", CONTAINS, "m1"),  # held already
            "not an edge",  # type: ignore[list-item]
            Edge("l1", CONTAINS, "l2"),  # a Line holds Machines only
        ],
        principal=WHO,
    )
    assert (result.created, result.unchanged) == (5, 1)
    assert [r.key for r in result.rejected][1:] == ["l1 -[contains]-> l2"]
    assert store.children("l1").items == ("m1", "m2", "m3")
    assert store.parents("m3") == ("l1", "l2")
    assert [e.target for e in store.edges_from("l1", "feeds")] == ["l2"]
