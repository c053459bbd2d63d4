"""What only the Neo4j graph store has: schema, parameters, retries, namespaces, caches.

The behaviour both stores share is in ``test_store_contract.py``.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from neo4j import Driver, ManagedTransaction
from neo4j.exceptions import ClientError, TransientError

from ontology import (
    CONTAINS,
    Aggregate,
    Alias,
    CycleError,
    Edge,
    EtagMismatchError,
    GraphStore,
    InvalidError,
    MemoryStore,
    Neo4jStore,
    Neo4jStoreSettings,
    NotFoundError,
    RollupSpec,
    SignalUpdate,
    StoreUnavailableError,
    TwinSpec,
)
from ontology.graph.neo4j import _many_tx as mtx
from ontology.graph.neo4j._cypher import Cypher
from ontology.graph.neo4j._db import Runs
from tests._services import drop_neo4j_namespace

HOSTILE = '"}) DETACH DELETE n //'
MODEL = json.dumps(
    {
        "@context": "dtmi:dtdl:context;3",
        "@id": "dtmi:test:Asset;1",
        "@type": "Interface",
        "contents": [
            {"@type": "Property", "name": "label", "schema": "string"},
            {
                "@type": "Relationship",
                "name": "feeds",
                "properties": [{"@type": "Property", "name": "note", "schema": "string"}],
            },
        ],
    }
)
ASSET = "dtmi:test:Asset;1"
WHO = "tester"


def _store(
    uri: str,
    namespace: str,
    batch_size: int = 10_000,
    model_recheck_ms: int = 500,
    exists_stale_ms: int = 500,
) -> Neo4jStore:
    settings = Neo4jStoreSettings(
        uri=uri,
        namespace=namespace,
        batch_size=batch_size,
        model_recheck_ms=model_recheck_ms,
        exists_stale_ms=exists_stale_ms,
    )
    return Neo4jStore(settings)


@pytest.fixture
def store(neo4j_uri: str, neo4j_namespace: str) -> Iterator[Neo4jStore]:
    store = _store(neo4j_uri, neo4j_namespace)
    store.add_models([MODEL], principal=WHO)
    yield store
    store.close()


def _count(driver: Driver, query: str, **params: object) -> int:
    records = driver.execute_query(query, params, database_="neo4j").records
    return int(records[0][0])


# ------------------------------------------------------------------ settings


@pytest.mark.parametrize("namespace", ["", "1tw", "tw-x", "tw}) DETACH", "a" * 32, "tw\n"])
def test_a_namespace_that_is_not_a_label_prefix_is_refused(namespace: str) -> None:
    with pytest.raises(InvalidError, match="namespace"):
        Neo4jStoreSettings(uri="bolt://127.0.0.1:1", namespace=namespace)


def test_batch_size_and_credentials_are_checked() -> None:
    with pytest.raises(InvalidError, match="batch_size"):
        Neo4jStoreSettings(uri="bolt://127.0.0.1:1", batch_size=0)
    with pytest.raises(InvalidError, match="password"):
        Neo4jStoreSettings(uri="bolt://127.0.0.1:1", user="neo4j")
    with pytest.raises(InvalidError, match="model_recheck_ms is -1; expected an integer"):
        Neo4jStoreSettings(uri="bolt://127.0.0.1:1", model_recheck_ms=-1)


def test_the_password_is_never_shown() -> None:
    settings = Neo4jStoreSettings(uri="bolt://127.0.0.1:1", user="neo4j", password="s3cr3t-pw")
    assert "s3cr3t-pw" not in repr(settings)
    assert "s3cr3t-pw" not in str(settings)
    assert "user='neo4j'" in repr(settings)
    assert settings.password == "s3cr3t-pw"


def test_an_unreachable_server_is_store_unavailable() -> None:
    with pytest.raises(StoreUnavailableError, match="cannot be reached"):
        _store("bolt://127.0.0.1:9", "tw")


# -------------------------------------------------------------------- schema


@pytest.mark.neo4j
def test_constraints_and_indexes_are_created_once(
    neo4j_uri: str, neo4j_namespace: str, neo4j_driver: Driver
) -> None:
    count = (
        "SHOW CONSTRAINTS YIELD labelsOrTypes, type "
        "WHERE labelsOrTypes[0] STARTS WITH $prefix AND type = 'UNIQUENESS' RETURN count(*)"
    )
    indexes = (
        "SHOW INDEXES YIELD labelsOrTypes, owningConstraint "
        "WHERE labelsOrTypes[0] STARTS WITH $prefix AND owningConstraint IS NULL "
        "RETURN count(*)"
    )
    prefix = f"{neo4j_namespace}_"
    _store(neo4j_uri, neo4j_namespace).close()
    first = (
        _count(neo4j_driver, count, prefix=prefix),
        _count(neo4j_driver, indexes, prefix=prefix),
    )
    _store(neo4j_uri, neo4j_namespace).close()
    again = (
        _count(neo4j_driver, count, prefix=prefix),
        _count(neo4j_driver, indexes, prefix=prefix),
    )
    assert first == again == (6, 7)


@pytest.mark.neo4j
def test_twin_ids_are_unique_in_the_database(
    store: Neo4jStore, neo4j_namespace: str, neo4j_driver: Driver
) -> None:
    store.create_twin(TwinSpec("plant", ASSET), principal=WHO)
    with pytest.raises(Exception, match="already exists"):
        neo4j_driver.execute_query(
            f"CREATE (:{neo4j_namespace}_Twin {{id: 'plant'}})", database_="neo4j"
        )


# ---------------------------------------------------------------- parameters


@pytest.mark.neo4j
def test_hostile_strings_are_stored_verbatim(
    store: Neo4jStore, neo4j_namespace: str, neo4j_driver: Driver
) -> None:
    spec = TwinSpec("plant", ASSET, {"label": HOSTILE}, aliases=(Alias("erp", HOSTILE),))
    store.create_twin(spec, principal=HOSTILE)
    store.create_twin(TwinSpec("plant/line", ASSET), principal=WHO)
    store.add_edges([Edge("plant", "feeds", "plant/line", {"note": HOSTILE})], principal=HOSTILE)
    at = datetime(2026, 1, 1, tzinfo=UTC)
    store.set_signals([SignalUpdate("plant", "temp", HOSTILE, at, batch=HOSTILE)])

    assert store.get_twin("plant").properties == {"label": HOSTILE}
    assert store.resolve_aliases("erp", [HOSTILE]) == ("plant",)
    assert store.edges_from("plant", "feeds")[0].properties == {"note": HOSTILE}
    signal = store.get_signals("plant")["temp"]
    assert (signal.value, signal.batch) == (HOSTILE, HOSTILE)
    assert store.audit(key="plant").items[0].principal == HOSTILE
    for read in (store.get_twin, store.parents, store.get_signals):
        with pytest.raises(NotFoundError):
            read(HOSTILE)
    assert store.resolve_aliases(HOSTILE, [HOSTILE]) == (None,)
    with pytest.raises(NotFoundError):
        store.list_twins(model=HOSTILE)
    twins = _count(neo4j_driver, f"MATCH (n:{neo4j_namespace}_Twin) RETURN count(n)")
    assert twins == 2


class _Explained:
    """Runs each statement (as ``Runs``) after asking Neo4j for its plan (``EXPLAIN``)."""

    def __init__(self, tx: ManagedTransaction) -> None:
        self.tx = tx
        self.queries: list[str] = []
        self.operators: list[str] = []

    def run(self, query: Any, parameters: Any = None, **kwparameters: Any) -> Any:
        self.queries.append(query)
        plan = self.tx.run("EXPLAIN " + query, parameters, **kwparameters).consume().plan
        assert plan is not None
        stack: list[dict[str, Any]] = [plan]
        while stack:
            node = stack.pop()
            self.operators.append(str(node["operatorType"]))
            stack.extend(node.get("children", ()))
        return self.tx.run(query, parameters, **kwparameters)


@pytest.mark.neo4j
def test_twins_exist_is_one_parameterised_statement_seeking_the_id_index(
    store: Neo4jStore, neo4j_driver: Driver
) -> None:
    store.create_twin(TwinSpec("plant", ASSET), principal=WHO)
    asked = ["plant", HOSTILE, "nope"]
    assert store.twins_exist(asked) == (True, False, False)

    def work(tx: ManagedTransaction) -> tuple[list[str], _Explained]:
        explained = _Explained(tx)
        return mtx.existing(explained, Cypher(store.settings.namespace), asked), explained

    with neo4j_driver.session(database="neo4j") as session:
        found, explained = session.execute_read(work)
    assert found == ["plant"]
    (query,) = explained.queries
    assert "$ids" in query and not any(a in query for a in asked)
    assert any(op.startswith("NodeUniqueIndexSeek") for op in explained.operators), (
        explained.operators
    )
    assert not any(op.startswith(("NodeByLabelScan", "AllNodesScan")) for op in explained.operators)


# ------------------------------------------------------------------- retries


@pytest.mark.neo4j
def test_a_transient_error_is_retried_and_the_work_runs_once_to_the_end(
    store: Neo4jStore, neo4j_namespace: str, neo4j_driver: Driver
) -> None:
    attempts: list[int] = []

    def work(tx: ManagedTransaction) -> int:
        tx.run(f"CREATE (:{neo4j_namespace}_Meta {{key: 'probe', version: 1}})").consume()
        attempts.append(1)
        if len(attempts) == 1:
            raise TransientError("Neo.TransientError.Transaction.DeadlockDetected")
        return len(attempts)

    assert store._db.write(work) == 2
    probes = _count(
        neo4j_driver, f"MATCH (m:{neo4j_namespace}_Meta {{key: 'probe'}}) RETURN count(m)"
    )
    assert probes == 1  # the failed attempt was rolled back


@pytest.mark.neo4j
def test_a_one_statement_read_is_retried_on_a_transient_error(
    store: Neo4jStore, neo4j_namespace: str
) -> None:
    attempts: list[int] = []

    def work(tx: Runs) -> int:
        attempts.append(1)
        if len(attempts) == 1:
            raise TransientError("Neo.TransientError.Transaction.DeadlockDetected")
        query = f"MATCH (m:{neo4j_namespace}_Model) RETURN count(m)"
        return int(tx.run(query).single(strict=True)[0])

    assert store._db.read_one(work) == 1
    assert len(attempts) == 2


@pytest.mark.neo4j
def test_a_one_statement_read_refuses_a_second_statement(store: Neo4jStore) -> None:
    def work(tx: Runs) -> None:
        tx.run("RETURN 1").consume()
        tx.run("RETURN 2").consume()

    with pytest.raises(RuntimeError, match="second statement"):
        store._db.read_one(work)


@pytest.mark.neo4j
def test_a_one_statement_read_does_not_retry_a_client_error(store: Neo4jStore) -> None:
    attempts: list[int] = []

    def work(tx: Runs) -> None:
        attempts.append(1)
        tx.run("RETURN $missing + ").consume()

    with pytest.raises(ClientError):
        store._db.read_one(work)
    assert len(attempts) == 1


# ---------------------------------------------------------------- namespaces


@pytest.mark.neo4j
def test_namespaces_do_not_see_each_other(
    store: Neo4jStore, neo4j_uri: str, neo4j_driver: Driver
) -> None:
    other_ns = "t_other_" + store.settings.namespace[2:14]
    other = _store(neo4j_uri, other_ns)
    try:
        other.add_models([MODEL], principal=WHO)
        store.create_twin(TwinSpec("plant", ASSET, {"label": "mine"}), principal=WHO)
        other.create_twin(TwinSpec("plant", ASSET, {"label": "theirs"}), principal=WHO)
        other.create_twin(TwinSpec("plant/x", ASSET), principal=WHO)
        other.add_edges([Edge("plant", CONTAINS, "plant/x")], principal=WHO)

        assert store.get_twin("plant").properties == {"label": "mine"}
        assert [t.id for t in store.list_twins().items] == ["plant"]
        assert store.descendants("plant").items == ()
        assert other.descendants("plant").items == ("plant/x",)
    finally:
        other.close()
        drop_neo4j_namespace(neo4j_driver, other_ns)


# -------------------------------------------------------------------- caches


@pytest.mark.neo4j
def test_a_second_store_sees_models_and_topology_the_first_wrote(
    store: Neo4jStore, neo4j_uri: str
) -> None:
    # both 0: every call checks the counters, so the first store's writes show at once
    second = _store(neo4j_uri, store.settings.namespace, model_recheck_ms=0, exists_stale_ms=0)
    try:
        assert ASSET in second.model_set()
        store.add_models([_extra("dtmi:test:Extra;1")], principal=WHO)
        assert "dtmi:test:Extra;1" in second.model_set()  # model_recheck_ms=0: checked

        store.upsert_twins(
            [TwinSpec("a", ASSET), TwinSpec("a/b", ASSET), TwinSpec("a/b/c", ASSET)],
            principal=WHO,
        )
        assert second.descendants("a").items == ()
        store.add_edges([Edge("a", CONTAINS, "a/b"), Edge("a/b", CONTAINS, "a/b/c")], principal=WHO)
        assert second.descendants("a").items == ("a/b", "a/b/c")
        assert second.ancestors("a/b/c") == ("a/b", "a")
    finally:
        second.close()


def _extra(dtmi: str) -> str:
    extra = json.loads(MODEL)
    extra["@id"] = dtmi
    return json.dumps(extra)


@pytest.mark.neo4j
def test_model_set_rechecks_another_stores_uploads_only_after_model_recheck_ms(
    store: Neo4jStore, neo4j_uri: str
) -> None:
    second = _store(neo4j_uri, store.settings.namespace, model_recheck_ms=60_000)
    try:
        assert ASSET in second.model_set()  # read: the counter checked now
        store.add_models([_extra("dtmi:test:Extra;1")], principal=WHO)
        assert "dtmi:test:Extra;1" not in second.model_set()  # within the minute: cached
        assert "dtmi:test:Extra;1" in {m.dtmi for m in second.list_models()}  # always checked
        made = second.create_twin(TwinSpec("x", "dtmi:test:Extra;1"), principal=WHO)
        assert made.model == "dtmi:test:Extra;1"  # writes validate against the counter's models
        second.add_models([_extra("dtmi:test:Own;1")], principal=WHO)
        own = second.model_set()  # its own upload: at once, with the other's
        assert {"dtmi:test:Own;1", "dtmi:test:Extra;1"} <= set(own.interfaces)
        second.delete_model("dtmi:test:Own;1", principal=WHO)
        assert "dtmi:test:Own;1" not in second.model_set()  # its own delete: at once
    finally:
        second.close()


@pytest.mark.neo4j
def test_rollups_another_store_defines_show_after_model_recheck_ms(
    store: Neo4jStore, neo4j_uri: str
) -> None:
    namespace = store.settings.namespace
    first = RollupSpec(name="countAll", signal="label", aggregate=Aggregate.COUNT)
    second = RollupSpec(name="countMore", signal="label", aggregate=Aggregate.COUNT)
    with (
        closing(_store(neo4j_uri, namespace, model_recheck_ms=60_000)) as slow,
        closing(_store(neo4j_uri, namespace, model_recheck_ms=0)) as eager,
    ):
        assert slow.rollups() == () == eager.rollups()
        store.define_rollup(first, principal=WHO)
        assert store.rollups() == (first,)  # its own definition: at once
        assert slow.rollups() == ()  # within the minute: kept
        assert eager.rollups() == (first,)  # model_recheck_ms=0: read every call
        slow.define_rollup(second, principal=WHO)
        assert slow.rollups() == (first, second)  # its own: read again, with the other's


@pytest.mark.neo4j
def test_model_set_answers_from_the_cache_while_another_thread_rechecks(
    store: Neo4jStore, neo4j_uri: str
) -> None:
    with closing(_store(neo4j_uri, store.settings.namespace, model_recheck_ms=1)) as second:
        assert ASSET in second.model_set()
        store.add_models([_extra("dtmi:test:Extra;1")], principal=WHO)
        time.sleep(0.01)  # the cache is stale now
        with second._models_rechecking:  # as while another thread reads the counter
            assert "dtmi:test:Extra;1" not in second.model_set()  # the cache, no second read
        assert "dtmi:test:Extra;1" in second.model_set()  # nobody rechecking: read


# ------------------------------------------------------------------- batches


@pytest.mark.neo4j
@pytest.mark.parametrize("count", [3, 200], ids=["walked", "prefetched"])
def test_a_cycle_closed_within_one_bulk_call_is_rejected_with_its_path(
    neo4j_uri: str, neo4j_namespace: str, count: int
) -> None:
    store = _store(neo4j_uri, neo4j_namespace, batch_size=7)
    try:
        store.add_models([MODEL], principal=WHO)
        ids = [f"n{i:03d}" for i in range(count)]
        store.upsert_twins([TwinSpec(i, ASSET) for i in ids], principal=WHO)
        chain = [Edge(a, CONTAINS, b) for a, b in itertools.pairwise(ids)]
        result = store.add_edges([*chain, Edge(ids[-1], CONTAINS, ids[0])], principal=WHO)

        assert result.created == count - 1
        assert [r.key for r in result.rejected] == [f"{ids[-1]} -[contains]-> {ids[0]}"]
        assert " -> ".join([ids[-1], *ids]) in result.rejected[0].reason
        assert len(store.descendants(ids[0], first=1000).items) == count - 1
        with pytest.raises(CycleError) as caught:
            store.add_edges([Edge(ids[1], CONTAINS, ids[0])], principal=WHO)
        assert caught.value.path == (ids[1], ids[0], ids[1])
    finally:
        store.close()


@pytest.mark.neo4j
def test_a_bulk_upsert_larger_than_a_batch_is_written_whole(
    neo4j_uri: str, neo4j_namespace: str, neo4j_driver: Driver
) -> None:
    store = _store(neo4j_uri, neo4j_namespace, batch_size=10)
    try:
        store.add_models([MODEL], principal=WHO)
        specs = [TwinSpec(f"t{i:03d}", ASSET, aliases=(Alias("erp", f"E{i}"),)) for i in range(95)]
        result = store.upsert_twins(specs, principal=WHO)
        assert (result.created, result.rejected) == (95, ())
        aliases = _count(neo4j_driver, f"MATCH (a:{neo4j_namespace}_Alias) RETURN count(a)")
        assert aliases == 95
        again = store.upsert_twins(specs, principal=WHO)
        assert (again.created, again.unchanged) == (0, 95)
    finally:
        store.close()


@pytest.mark.neo4j
def test_signal_updates_over_several_statements_equal_the_memory_stores(
    neo4j_uri: str, neo4j_namespace: str
) -> None:
    """More keys than ``batch_size`` (one statement each ``batch_size`` keys), keys repeated
    across the chunks and an unknown twin after them: as the memory store writes them."""
    at = datetime(2026, 1, 1, tzinfo=UTC)
    twins = [TwinSpec(f"t{i}", ASSET) for i in range(4)]
    updates = [
        SignalUpdate(f"t{(i * 7) % 4}", f"s{i % 3}", float(i), at + timedelta(seconds=i % 5), "b")
        for i in range(23)
    ]
    neo4j_store = _store(neo4j_uri, neo4j_namespace, batch_size=2)
    stores: list[GraphStore] = [neo4j_store, MemoryStore()]
    try:
        for store in stores:
            store.add_models([MODEL], principal=WHO)
            store.upsert_twins(twins, principal=WHO)
            store.set_signals(updates)
            with pytest.raises(NotFoundError):
                store.set_signals([*updates, SignalUpdate("nope", "s0", 1.0, at, "c")])
        neo4j_held, memory_held = ([s.get_signals(t.id) for t in twins] for s in stores)
        assert neo4j_held == memory_held
        assert sum(len(held) for held in neo4j_held) == 12
    finally:
        neo4j_store.close()


@pytest.mark.neo4j
def test_a_signal_time_is_kept_as_text_only_for_an_offset_other_than_utcs(
    store: Neo4jStore, neo4j_driver: Driver, neo4j_namespace: str
) -> None:
    """A UTC time is read back from ``t`` alone (no ``time`` text on the node), exactly to the
    microsecond; a time with another offset keeps its text and offset; a UTC time written
    over it takes the text away, so the older offset does not come back; one batch id for
    every row and different ones per row are both kept."""
    store.upsert_twins([TwinSpec("a", ASSET), TwinSpec("b", ASSET)], principal=WHO)
    utc = datetime(2026, 3, 1, 12, 0, 0, 123_457, tzinfo=UTC)
    plus2 = datetime(2026, 3, 1, 14, 0, 1, 5, tzinfo=timezone(timedelta(hours=2)))
    store.set_signals(
        [SignalUpdate("a", "x", 1.5, utc, "b1"), SignalUpdate("b", "x", 2, utc, "b1")]
    )
    store.set_signals(
        [SignalUpdate("a", "y", "on", plus2, "b2"), SignalUpdate("b", "y", 3, utc, "b3")]
    )

    def texts() -> dict[str, str | None]:
        query = f"MATCH (s:{neo4j_namespace}_Signal) RETURN s.key AS k, s.time AS time"
        return {r["k"]: r["time"] for r in neo4j_driver.execute_query(query).records}

    held = texts()
    assert len(held) == 4
    assert [text for text in held.values() if text is not None] == [plus2.isoformat()]
    a, b = store.get_signals("a"), store.get_signals("b")
    assert (a["x"].time, a["x"].batch, b["x"].batch, b["y"].batch) == (utc, "b1", "b1", "b3")
    assert a["x"].time.utcoffset() == timedelta(0)
    assert (a["y"].value, a["y"].time, a["y"].time.utcoffset()) == ("on", plus2, timedelta(hours=2))
    later = utc + timedelta(hours=1)
    store.set_signals([SignalUpdate("a", "y", "off", later, "b4")])
    assert list(texts().values()) == [None] * 4
    y = store.get_signals("a")["y"]
    assert (y.value, y.time, y.time.utcoffset(), y.batch) == ("off", later, timedelta(0), "b4")
    assert store.signals_of(["a"])[0]["y"] == y
    paired = store.twins_with_signals(["a"])[0]
    assert paired is not None
    assert paired[1]["y"] == y


# ------------------------------------------------------------------- rollups


@pytest.mark.neo4j
def test_rollups_are_written_back_as_derived_signals(store: Neo4jStore) -> None:
    ids = ["p", "p/a", "p/b", "p/a/x", "p/b/x"]
    store.upsert_twins([TwinSpec(i, ASSET) for i in ids], principal=WHO)
    edges = [("p", "p/a"), ("p", "p/b"), ("p/a", "p/a/x"), ("p/b", "p/a/x"), ("p/b", "p/b/x")]
    store.add_edges([Edge(a, CONTAINS, b) for a, b in edges], principal=WHO)
    at = datetime(2026, 1, 1, tzinfo=UTC)
    store.set_signals([SignalUpdate("p/a/x", "kw", 2.0, at), SignalUpdate("p/b/x", "kw", 3.0, at)])
    store.define_rollup(RollupSpec("kw_total", "kw", Aggregate.SUM), principal=WHO)

    assert store.recompute_rollups() == 3
    totals = {i: store.get_signals(i).get("kw_total") for i in ids}
    assert {i: v.value for i, v in totals.items() if v is not None} == {
        "p": 5.0,  # p/a/x counted once although two paths reach it
        "p/a": 2.0,
        "p/b": 5.0,
    }
    assert totals["p"] is not None and totals["p"].batch == "rollup"

    store.set_signals([SignalUpdate("p/a/x", "kw", 4.0, at)])
    assert store.recompute_rollups(["p/a/x"]) == 3
    assert store.get_signals("p")["kw_total"].value == 7.0
    assert store.recompute_rollups() == 0  # nothing changed, nothing written


def _plant_p_with_kw_total(store: Neo4jStore) -> datetime:
    """``p`` containing ``p/a`` (kw 2.0) and ``p/b`` (kw 3.0), a sum rollup ``kw_total``."""
    store.upsert_twins([TwinSpec(i, ASSET) for i in ("p", "p/a", "p/b")], principal=WHO)
    store.add_edges([Edge("p", CONTAINS, c) for c in ("p/a", "p/b")], principal=WHO)
    at = datetime(2026, 1, 1, tzinfo=UTC)
    store.set_signals([SignalUpdate("p/a", "kw", 2.0, at), SignalUpdate("p/b", "kw", 3.0, at)])
    store.define_rollup(RollupSpec("kw_total", "kw", Aggregate.SUM), principal=WHO)
    return at


@pytest.mark.neo4j
def test_rollups_see_signals_another_store_wrote(
    store: Neo4jStore, neo4j_uri: str, neo4j_namespace: str
) -> None:
    at = _plant_p_with_kw_total(store)
    assert store.recompute_rollups() == 1  # the inputs are cached from here on
    other = _store(neo4j_uri, neo4j_namespace)  # another process, as far as caches go
    try:
        other.set_signals([SignalUpdate("p/b", "kw", 10.0, at)])
    finally:
        other.close()

    assert store.recompute_rollups(["p/a"]) == 1  # the hint misses p/b: the counter does not
    assert store.get_signals("p")["kw_total"].value == 12.0
    other = _store(neo4j_uri, neo4j_namespace)
    try:
        other.set_signals([SignalUpdate("p/a", "kw", "off", at)])  # read back as no number
    finally:
        other.close()
    assert store.recompute_rollups() == 1
    assert store.get_signals("p")["kw_total"].value == 10.0


@pytest.mark.neo4j
def test_cached_rollup_inputs_keep_a_newer_value_and_take_non_numbers_as_none(
    store: Neo4jStore,
) -> None:
    at = _plant_p_with_kw_total(store)
    store.define_rollup(RollupSpec("kw_count", "kw", Aggregate.COUNT), principal=WHO)
    store.recompute_rollups()
    earlier = datetime(2025, 12, 31, tzinfo=UTC)
    store.set_signals([SignalUpdate("p/a", "kw", 100.0, earlier)])  # older: Neo4j keeps 2.0
    store.set_signals([SignalUpdate("p/b", "kw", "off", at)])  # same time: taken, not a number

    assert store.recompute_rollups() == 2
    assert store.get_signals("p")["kw_total"].value == 2.0
    assert store.get_signals("p")["kw_count"].value == 1
    timing = store.last_rollup_timing
    assert timing is not None and timing.written == 2


@pytest.mark.neo4j
def test_a_rollup_over_another_rollup_follows_its_write_back(store: Neo4jStore) -> None:
    ids = ["p", "p/a", "p/a/x", "p/a/y"]
    store.upsert_twins([TwinSpec(i, ASSET) for i in ids], principal=WHO)
    edges = [("p", "p/a"), ("p/a", "p/a/x"), ("p/a", "p/a/y")]
    store.add_edges([Edge(a, CONTAINS, b) for a, b in edges], principal=WHO)
    at = datetime(2026, 1, 1, tzinfo=UTC)
    store.set_signals([SignalUpdate("p/a/x", "kw", 2.0, at), SignalUpdate("p/a/y", "kw", 5.0, at)])
    store.define_rollup(RollupSpec("a_max", "kw", Aggregate.MAX, scope="children"), principal=WHO)
    store.define_rollup(RollupSpec("b_top", "a_max", Aggregate.MAX), principal=WHO)
    store.recompute_rollups()  # a_max first (by name): b_top reads it on the next run
    store.recompute_rollups()
    assert store.get_signals("p")["b_top"].value == 5.0

    store.set_signals([SignalUpdate("p/a/y", "kw", 1.0, at)])
    store.recompute_rollups()
    store.recompute_rollups()
    assert store.get_signals("p/a")["a_max"].value == 2.0
    assert store.get_signals("p")["b_top"].value == 2.0


# --------------------------------------------------------------- concurrency


@pytest.mark.neo4j
def test_concurrent_updates_with_one_etag_let_exactly_one_win(store: Neo4jStore) -> None:
    etag = store.create_twin(TwinSpec("plant", ASSET), principal=WHO).etag
    start = threading.Barrier(6)

    def update(label: str) -> str:
        start.wait()
        try:
            store.update_twin("plant", {"label": label}, etag=etag, principal=WHO)
        except EtagMismatchError:
            return "lost"
        return label

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(update, [f"writer {i}" for i in range(6)]))

    winners = [o for o in outcomes if o != "lost"]
    assert len(winners) == 1
    assert store.get_twin("plant").properties == {"label": winners[0]}


@pytest.mark.neo4j
def test_a_bulk_call_small_against_a_large_hierarchy_walks_its_cycle_checks(
    store: Neo4jStore,
) -> None:
    big = [f"big{i:04d}" for i in range(1500)]
    small = [f"new{i:03d}" for i in range(70)]
    store.upsert_twins([TwinSpec(i, ASSET) for i in [*big, *small]], principal=WHO)
    store.add_edges([Edge(a, CONTAINS, b) for a, b in itertools.pairwise(big)], principal=WHO)
    # 70 new edges (more than PREFETCH_EDGES) against 1,499 stored ones: walked, not fetched.
    edges = [Edge(big[-1], CONTAINS, small[0])]
    edges += [Edge(a, CONTAINS, b) for a, b in itertools.pairwise(small)]
    edges.append(Edge(small[-1], CONTAINS, big[1400]))  # closes big1400 -> ... -> new069

    result = store.add_edges(edges, principal=WHO)

    assert result.created == 70
    assert [r.key for r in result.rejected] == [f"{small[-1]} -[contains]-> {big[1400]}"]
    expected = " -> ".join([small[-1], *big[1400:], *small])
    assert expected in result.rejected[0].reason
