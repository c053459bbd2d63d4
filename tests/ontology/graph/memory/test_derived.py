"""Rollup results the in-process store holds as columns read exactly as rows written at once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from ontology import (
    CONTAINS,
    Aggregate,
    Edge,
    MemoryStore,
    RollupSpec,
    SignalUpdate,
    SignalValue,
    TwinSpec,
)
from tests.ontology.graph.conftest import AREA, START, WHO, FixedClock, all_model_texts

TOTAL = RollupSpec(name="total", signal="power", aggregate=Aggregate.SUM)


def _chain(store: MemoryStore) -> None:
    """a -> b -> c, a -> d; power on c and d."""
    store.add_models(all_model_texts(), principal=WHO)
    store.upsert_twins([TwinSpec(t, AREA) for t in ("a", "b", "c", "d")], principal=WHO)
    store.add_edges(
        [Edge("a", CONTAINS, "b"), Edge("b", CONTAINS, "c"), Edge("a", CONTAINS, "d")],
        principal=WHO,
    )
    store.set_signals(
        [SignalUpdate("c", "power", 2.0, START), SignalUpdate("d", "power", 3.0, START)]
    )
    store.define_rollup(TOTAL, principal=WHO)


def _total(store: MemoryStore, twin: str) -> SignalValue | None:
    return store.get_signals(twin).get("total")


def test_derived_values_read_with_their_run_time_and_batch() -> None:
    clock = FixedClock()
    store = MemoryStore(clock=clock)
    _chain(store)
    assert store.recompute_rollups() == 2
    ran_at = clock.now
    assert _total(store, "a") == SignalValue(5.0, ran_at, "rollup")
    assert _total(store, "b") == SignalValue(2.0, ran_at, "rollup")
    assert _total(store, "c") is None
    store.set_signals([SignalUpdate("c", "power", 4.0, START + timedelta(hours=1))])
    assert store.recompute_rollups(["c"]) == 2
    assert _total(store, "a") == SignalValue(7.0, clock.now, "rollup")
    assert store.get_signals("c")["power"].value == 4.0


def test_a_value_no_longer_computed_is_removed_and_counted() -> None:
    store = MemoryStore(clock=FixedClock())
    _chain(store)
    store.recompute_rollups()
    # c's power is no longer a number: b has no contributor left, a still has d
    store.set_signals([SignalUpdate("c", "power", "off", START + timedelta(hours=1))])
    assert store.recompute_rollups() == 2  # a changed, b removed
    assert _total(store, "b") is None
    assert _total(store, "a") is not None and _total(store, "a").value == 3.0  # type: ignore[union-attr]
    assert store.recompute_rollups() == 0


def test_a_signal_set_on_a_rollup_name_competes_by_time_as_before() -> None:
    clock = FixedClock()
    store = MemoryStore(clock=clock)
    _chain(store)
    store.recompute_rollups()
    ran_at = clock.now
    store.set_signals([SignalUpdate("a", "total", 99.0, ran_at - timedelta(seconds=1))])
    assert _total(store, "a") == SignalValue(5.0, ran_at, "rollup")  # older: ignored
    later = ran_at + timedelta(seconds=1)
    store.set_signals([SignalUpdate("a", "total", 99.0, later, "manual")])
    assert _total(store, "a") == SignalValue(99.0, later, "manual")
    assert _total(store, "b") == SignalValue(2.0, ran_at, "rollup")


def test_hierarchy_changes_and_deletes_keep_derived_values_right() -> None:
    clock = FixedClock()
    store = MemoryStore(clock=clock)
    _chain(store)
    store.recompute_rollups()
    ran_at = clock.now
    store.create_twin(TwinSpec("e", AREA), principal=WHO)  # the index is rebuilt later
    assert _total(store, "a") == SignalValue(5.0, ran_at, "rollup")
    store.delete_twin("b", etag=None, principal=WHO)
    assert store.get_signals("a")["total"].value == 5.0  # not recomputed yet
    store.recompute_rollups()
    assert _total(store, "a") is not None and _total(store, "a").value == 3.0  # type: ignore[union-attr]
    store.create_twin(TwinSpec("b", AREA), principal=WHO)
    assert _total(store, "b") is None  # the deleted twin's value does not come back


def test_a_snapshot_holds_the_derived_values(tmp_path: Path) -> None:
    path = tmp_path / "store.json"
    clock = FixedClock()
    store = MemoryStore(snapshot=path, clock=clock)
    _chain(store)
    store.recompute_rollups()
    ran_at = clock.now
    store.close()
    again = MemoryStore(snapshot=path, clock=FixedClock())
    assert _total(again, "a") == SignalValue(5.0, ran_at, "rollup")
    assert _total(again, "b") == SignalValue(2.0, ran_at, "rollup")
    again.set_signals([SignalUpdate("d", "power", 10.0, START + timedelta(hours=1))])
    assert again.recompute_rollups(["d"]) >= 1
    assert _total(again, "a") is not None and _total(again, "a").value == 12.0  # type: ignore[union-attr]
