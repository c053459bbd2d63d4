"""The in-process store under a thread pool: etags keep concurrent writers from losing updates."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from ontology import EtagMismatchError, MemoryStore, TwinSpec
from tests.ontology.graph.conftest import LINE, WHO, FixedClock, all_model_texts

WORKERS = 8
INCREMENTS = 40


def test_read_modify_write_with_etags_loses_no_update() -> None:
    store = MemoryStore(clock=FixedClock())
    store.add_models(all_model_texts(), principal=WHO)
    store.create_twin(TwinSpec("line/x", LINE, {"capacity": 0}), principal=WHO)

    def bump(_: int) -> None:
        for _ in range(INCREMENTS):
            while True:
                twin = store.get_twin("line/x")
                count = twin.properties["capacity"]
                assert isinstance(count, int)
                try:
                    store.update_twin(
                        "line/x", {"capacity": count + 1}, etag=twin.etag, principal=WHO
                    )
                    break
                except EtagMismatchError:
                    continue  # another writer came first: read again

    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(bump, range(WORKERS)))
    assert store.get_twin("line/x").properties["capacity"] == WORKERS * INCREMENTS
    updates = [r for r in store.audit(key="line/x", first=1000).items if r.action == "twin.update"]
    assert len(updates) == WORKERS * INCREMENTS


def test_bulk_writers_and_readers_in_parallel() -> None:
    store = MemoryStore(clock=FixedClock())
    store.add_models(all_model_texts(), principal=WHO)

    def write(worker: int) -> int:
        specs = [TwinSpec(f"line/{worker}-{i}", LINE, {"capacity": i}) for i in range(200)]
        return store.upsert_twins(specs, principal=WHO).created

    def read(_: int) -> list[str]:
        page = store.list_twins(first=1000).items
        return [t.id for t in page]

    with ThreadPoolExecutor(WORKERS) as pool:
        created = list(pool.map(write, range(WORKERS)))
        seen = list(pool.map(read, range(WORKERS)))
    assert created == [200] * WORKERS
    assert len(store.list_twins(first=10_000).items) == 200 * WORKERS
    assert all(ids == sorted(ids) and len(ids) == 1000 for ids in seen)
