"""The in-process store keeps everything across a restart through its snapshot file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ontology import (
    CONTAINS,
    MAX_PAGE,
    Aggregate,
    Alias,
    Edge,
    InvalidError,
    Lifecycle,
    MemoryStore,
    RollupSpec,
    SignalUpdate,
    StoreUnavailableError,
    TwinSpec,
)
from tests.ontology.graph.conftest import (
    AREA,
    LINE,
    PLANT_CONTAINS,
    PLANT_TWINS,
    START,
    WHO,
    FixedClock,
    all_model_texts,
)


def _filled(path: Path, clock: FixedClock) -> MemoryStore:
    store = MemoryStore(snapshot=path, clock=clock)
    store.add_models(all_model_texts(), principal=WHO)
    store.upsert_twins(PLANT_TWINS, principal=WHO)
    store.add_edges([Edge(p, CONTAINS, c) for p, c in PLANT_CONTAINS], principal=WHO)
    store.add_edges([Edge("line/l1", "feeds", "line/l2", {"priority": 3})], principal=WHO)
    store.add_aliases("machine/m1", [Alias("erp", "EQ-1")], principal=WHO)
    store.set_lifecycle("machine/m1", Lifecycle.ACTIVE, principal=WHO)
    store.set_signals([SignalUpdate("machine/m1", "power", 2.5, START, "b1")])
    store.define_rollup(
        RollupSpec(name="powerTotal", signal="power", aggregate=Aggregate.SUM), principal=WHO
    )
    store.recompute_rollups()
    return store


def test_a_restart_keeps_everything(tmp_path: Path, clock: FixedClock) -> None:
    path = tmp_path / "graph.json"
    first = _filled(path, clock)
    first.close()
    second = MemoryStore(snapshot=path, clock=clock)
    assert second.list_models() == first.list_models()
    assert second.list_twins(first=MAX_PAGE) == first.list_twins(first=MAX_PAGE)
    assert second.descendants("site/s1") == first.descendants("site/s1")
    assert second.parents("machine/p1") == ("line/l1", "line/l2")
    assert second.edges_from("line/l1") == first.edges_from("line/l1")
    assert second.resolve_aliases("erp", ["EQ-1"]) == ("machine/m1",)
    assert second.get_signals("machine/m1") == first.get_signals("machine/m1")
    assert second.get_signals("area/a1")["powerTotal"].value == 2.5
    assert second.rollups() == first.rollups()
    assert second.audit(first=MAX_PAGE) == first.audit(first=MAX_PAGE)
    assert second.get_twin("machine/m1").lifecycle is Lifecycle.ACTIVE


def test_after_a_restart_writes_get_fresh_etags_and_audit_seqs(
    tmp_path: Path, clock: FixedClock
) -> None:
    path = tmp_path / "graph.json"
    first = _filled(path, clock)
    etags = {t.etag for t in first.list_twins(first=MAX_PAGE).items}
    last_seq = first.audit(first=MAX_PAGE).items[-1].seq
    first.close()
    second = MemoryStore(snapshot=path, clock=clock)
    twin = second.create_twin(TwinSpec("area/new", AREA), principal=WHO)
    assert twin.etag not in etags
    assert second.audit(first=MAX_PAGE).items[-1].seq == last_seq + 1
    # model checks still work on the reloaded models
    with pytest.raises(InvalidError):
        second.create_twin(TwinSpec("line/bad", LINE, {"capacity": "x"}), principal=WHO)


def test_flush_replaces_the_file_atomically(tmp_path: Path, clock: FixedClock) -> None:
    path = tmp_path / "nested" / "graph.json"
    store = _filled(path, clock)
    store.flush()
    assert json.loads(path.read_text())["format"] == "twinweave-memory-store"
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind


def test_without_a_snapshot_path_nothing_is_written(tmp_path: Path, clock: FixedClock) -> None:
    store = MemoryStore(clock=clock)
    store.add_models(all_model_texts(), principal=WHO)
    store.close()
    assert store.snapshot_path is None


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("not json", ["cannot be read"]),
        ('{"format": "something-else"}', ["not a twinweave-memory-store"]),
        ('{"format": "twinweave-memory-store", "version": 99}', ["version 99"]),
        ('{"format": "twinweave-memory-store", "version": 2}', ["damaged"]),
    ],
)
def test_a_bad_snapshot_is_refused_clearly(tmp_path: Path, text: str, words: list[str]) -> None:
    path = tmp_path / "graph.json"
    path.write_text(text)
    with pytest.raises(InvalidError) as err:
        MemoryStore(snapshot=path)
    for word in words:
        assert word in str(err.value)
    assert str(path) in str(err.value)


def test_a_snapshot_that_cannot_be_written_is_reported(tmp_path: Path, clock: FixedClock) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    store = MemoryStore(snapshot=blocker / "graph.json", clock=clock)
    store.add_models(all_model_texts(), principal=WHO)
    with pytest.raises(StoreUnavailableError) as err:
        store.flush()
    assert "cannot be written" in str(err.value)
    assert store.list_models()  # the store itself is unharmed
