"""History fields: state at a time, bucketed arrays, events, lineage, changes under a subtree.

The history store (the embedded DuckDB store in memory, and the real QuestDB,
marked ``questdb``) holds one hour of
1 Hz ``power`` samples of two machines from one Kafka batch, and a few events;
the graph store is every store of the suite.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import numpy as np
import pytest
from starlette.testclient import TestClient

import ontology
from ontology.history import (
    Batch,
    Event,
    HistoryStore,
    Samples,
    SourceKind,
    SourcePosition,
)
from server import ServerSettings, create_app
from tests.server.graphql.conftest import (
    HISTORY_STORES,
    MACHINE_MODEL,
    Counting,
    HideSubtree,
    close_history,
    data,
    open_history,
    run,
)

CMM = "acme/jkt1/machining/cell1/cmm1"
LATHE = "acme/jkt1/machining/cell1/lathe1"
FILLER = "acme/jkt1/packaging/line1/filler1"
START = (datetime.now(UTC) - timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)
SECONDS = 3600
BATCH = "batch-hist-1"


def _power(twin_index: int) -> np.ndarray[Any, np.dtype[np.float64]]:
    return np.arange(SECONDS, dtype=np.float64) * 0.01 + 10.0 * (twin_index + 1)


@pytest.fixture(scope="module", params=HISTORY_STORES)
def history(request: pytest.FixtureRequest) -> Iterator[HistoryStore]:
    """The history store under test: embedded DuckDB, or the real QuestDB (own table prefix)."""
    store = open_history(request)
    twins = [CMM, LATHE]
    times = np.datetime64(START.replace(tzinfo=None), "us") + np.arange(SECONDS).astype(
        "timedelta64[s]"
    )
    samples = Samples(
        twin=np.array([t for t in twins for _ in range(SECONDS)], dtype=object),
        signal=np.array(["power"] * (SECONDS * len(twins)), dtype=object),
        time=np.concatenate([times, times]),
        value=np.concatenate([_power(i) for i in range(len(twins))]),
    )
    batch = Batch(
        id=BATCH,
        sources=(
            SourcePosition(
                SourceKind.KAFKA, topic="telemetry", partition=3, first_offset=100, last_offset=7299
            ),
        ),
        received_at=START + timedelta(hours=1),
        pipeline_version="ingest 1.2.3",
        model_versions=(MACHINE_MODEL,),
        principal="ingest-worker",
        count_in=SECONDS * 2,
        accepted=SECONDS * 2,
    )
    events = [
        Event(
            CMM, START + timedelta(minutes=10), "mode", "RUNNING->FAULT", "probe crash", batch=BATCH
        ),
        Event(LATHE, START + timedelta(minutes=20), "lifecycle", "active->passive"),
        Event(FILLER, START + timedelta(minutes=30), "fault", "F-17", "jam"),
    ]
    store.write_batch(batch, samples, events)
    yield store
    close_history(store)


def _client(plant: ontology.GraphStore, history: HistoryStore | None, **kwargs: Any) -> TestClient:
    app = create_app(ServerSettings(version="0"), store=plant, history=history, **kwargs)
    return TestClient(app)


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


HISTORY = """query($id: ID!, $from: DateTime!, $to: DateTime!) { twin(id: $id) {
  history(signals: ["power"], from: $from, to: $to, interval: 60, aggregates: [MEAN, MAX, COUNT]) {
    signal timestamps values } } }"""


def test_history_comes_back_as_arrays_of_buckets(
    plant: ontology.GraphStore, history: HistoryStore
) -> None:
    got = data(
        _client(plant, history),
        HISTORY,
        {"id": LATHE, "from": _iso(START), "to": _iso(START + timedelta(hours=1))},
    )
    (series,) = got["twin"]["history"]
    assert series["signal"] == "power"
    start_ms = int(START.timestamp() * 1000)
    assert series["timestamps"] == [start_ms + 60_000 * i for i in range(60)]
    power = _power(1).reshape(60, 60)
    assert series["values"]["count"] == [60.0] * 60
    assert series["values"]["max"] == pytest.approx(power.max(axis=1).tolist())
    assert series["values"]["mean"] == pytest.approx(power.mean(axis=1).tolist())


def test_history_of_a_twin_asks_whether_it_exists_not_for_its_record(
    plant: ontology.GraphStore, history: HistoryStore
) -> None:
    """``twin(id) { history }`` needs the twin's id alone: one ``twins_exist`` (on Neo4j
    shared with concurrent requests'), no record read; the same answer as reading it, and
    null for a twin that does not exist."""
    counting = Counting(plant)
    client = _client(cast(ontology.GraphStore, counting), history)
    window = {"from": _iso(START), "to": _iso(START + timedelta(hours=1))}
    got = data(client, HISTORY, {"id": LATHE, **window})
    assert (counting.calls["twins_exist"], counting.calls["get_twins"]) == (1, 0)
    with_record = data(
        _client(plant, history),
        HISTORY.replace("{ twin(id: $id) {", "{ twin(id: $id) { model { dtmi }"),
        {"id": LATHE, **window},
    )
    assert with_record["twin"]["history"] == got["twin"]["history"]
    assert got["twin"]["history"][0]["values"]["count"] == [60.0] * 60
    assert data(client, HISTORY, {"id": "acme/nowhere", **window}) == {"twin": None}


def test_history_of_a_twin_created_then_deleted_is_answered_as_it_is_now(
    plant: ontology.GraphStore, history: HistoryStore
) -> None:
    """On Neo4j the existence of the twin is kept between requests (``exists_stale_ms``):
    a twin this process creates or deletes is seen by the very next request."""
    client = _client(plant, history)
    probe = CMM + "/probe-kept"
    asked = {"id": probe, "from": _iso(START), "to": _iso(START + timedelta(hours=1))}
    assert data(client, HISTORY, asked) == {"twin": None}
    assert data(client, HISTORY, asked) == {"twin": None}  # kept, on Neo4j
    plant.create_twin(ontology.TwinSpec(probe, MACHINE_MODEL), principal="tester")
    try:
        assert data(client, HISTORY, asked)["twin"] is not None
        assert data(client, HISTORY, asked)["twin"] is not None
    finally:
        plant.delete_twin(probe, etag=None, principal="tester")
    assert data(client, HISTORY, asked) == {"twin": None}


def test_signals_at_a_time_for_many_twins_is_one_history_read(
    plant: ontology.GraphStore, history: HistoryStore
) -> None:
    counting = Counting(cast(ontology.GraphStore, history))
    client = _client(plant, cast(HistoryStore, counting))
    at = START + timedelta(minutes=30, seconds=5)
    got = data(
        client,
        """query($at: DateTime!) { twin(id: "acme/jkt1/machining/cell1") {
             children { nodes { id signals(names: ["power"], at: $at) {
               name value unit time quality batch } } } } }""",
        {"at": _iso(at)},
    )
    signals = {n["id"]: n["signals"] for n in got["twin"]["children"]["nodes"]}
    (cmm,) = signals[CMM]
    assert cmm["value"] == pytest.approx(_power(0)[1805])
    assert (cmm["unit"], cmm["quality"], cmm["batch"]) == ("kilowatt", "GOOD", BATCH)
    assert cmm["time"].startswith(_iso(at).rstrip("Z"))
    assert len(signals) > 2
    assert counting.calls["as_of"] == 1


@pytest.mark.parametrize(
    "selection",
    [
        'signals(names: ["power"], at: $at) { value }',  # fetched ahead for the whole list
        'signals(names: ["power"], at: "AT") { value }',  # a literal time: fetched ahead too
        '... on Twin { signals(names: ["power"], at: $at) { value } }',  # resolved per twin
    ],
)
def test_signals_at_give_the_same_values_fetched_ahead_or_per_twin(
    plant: ontology.GraphStore, history: HistoryStore, selection: str
) -> None:
    counting = Counting(cast(ontology.GraphStore, history))
    client = _client(plant, cast(HistoryStore, counting))
    at = START + timedelta(minutes=30, seconds=5)
    literal = "AT" in selection
    head = "query" if literal else "query($at: DateTime!)"
    query = f"""{head} {{ twin(id: "acme/jkt1/machining/cell1") {{
        children {{ nodes {{ id {selection.replace("AT", _iso(at))} }} }} }} }}"""
    got = data(client, query, {} if literal else {"at": _iso(at)})
    values = {n["id"]: [s["value"] for s in n["signals"]] for n in got["twin"]["children"]["nodes"]}
    assert values[CMM] == [pytest.approx(_power(0)[1805])]
    assert len(values) > 2
    assert counting.calls["as_of"] == 1


def test_events_of_a_twin_by_kind(plant: ontology.GraphStore, history: HistoryStore) -> None:
    got = data(
        _client(plant, history),
        """query($from: DateTime!, $to: DateTime!) { twin(id: "acme/jkt1/machining/cell1/cmm1") {
             events(from: $from, to: $to, kinds: ["mode"]) {
               items { kind code message batch } nextCursor } } }""",
        {"from": _iso(START), "to": _iso(START + timedelta(hours=2))},
    )
    assert got["twin"]["events"] == {
        "items": [
            {"kind": "mode", "code": "RUNNING->FAULT", "message": "probe crash", "batch": BATCH}
        ],
        "nextCursor": None,
    }


def test_lineage_names_the_batch_its_sources_and_principal(
    plant: ontology.GraphStore, history: HistoryStore
) -> None:
    got = data(
        _client(plant, history),
        """query($at: DateTime!) { twin(id: "acme/jkt1/machining/cell1/cmm1") {
             lineage(signal: "power", at: $at) { value batch principal pipelineVersion modelVersions
               countIn accepted sources { kind topic partition firstOffset lastOffset } } } }""",
        {"at": _iso(START + timedelta(minutes=1))},
    )
    lineage = got["twin"]["lineage"]
    assert lineage["value"] == pytest.approx(_power(0)[60])
    assert lineage["batch"] == BATCH
    assert (lineage["principal"], lineage["pipelineVersion"]) == ("ingest-worker", "ingest 1.2.3")
    assert lineage["modelVersions"] == [MACHINE_MODEL]
    assert lineage["sources"] == [
        {
            "kind": "kafka",
            "topic": "telemetry",
            "partition": 3,
            "firstOffset": 100,
            "lastOffset": 7299,
        }
    ]


CHANGES = """query($since: DateTime!, $under: ID!) {
  changes(since: $since, under: $under, kinds: ["mode", "lifecycle", "fault"]) {
    items { twin kind code } } }"""  # the graph's own edits: test_changes.py


def test_changes_under_a_subtree_for_shift_handover(
    plant: ontology.GraphStore, history: HistoryStore
) -> None:
    since = _iso(START)
    site = data(_client(plant, history), CHANGES, {"since": since, "under": "acme/jkt1"})
    area = data(_client(plant, history), CHANGES, {"since": since, "under": "acme/jkt1/packaging"})
    assert [(e["twin"], e["kind"]) for e in site["changes"]["items"]] == [
        (CMM, "mode"),
        (LATHE, "lifecycle"),
        (FILLER, "fault"),
    ]
    assert [e["twin"] for e in area["changes"]["items"]] == [FILLER]


def test_hidden_twins_vanish_from_history_fields(
    plant: ontology.GraphStore, history: HistoryStore
) -> None:
    client = _client(plant, history, authorizer=HideSubtree(plant, "acme/jkt1/machining"))
    got = data(client, CHANGES, {"since": _iso(START), "under": "acme/jkt1"})
    assert [e["twin"] for e in got["changes"]["items"]] == [FILLER]
    hidden = run(
        client,
        HISTORY,
        {"id": CMM, "from": _iso(START), "to": _iso(START + timedelta(hours=1))},
    )
    assert hidden["data"] == {"twin": None}


def test_without_a_history_store_the_fields_say_so(plant: ontology.GraphStore) -> None:
    body = run(
        _client(plant, None),
        HISTORY,
        {"id": CMM, "from": _iso(START), "to": _iso(START + timedelta(hours=1))},
    )
    assert [e["message"] for e in body["errors"]] == [
        "history: this server was started without a history store"
    ]


def test_history_arguments_are_checked(plant: ontology.GraphStore, history: HistoryStore) -> None:
    body = run(
        _client(plant, history),
        HISTORY,
        {"id": CMM, "from": _iso(START), "to": _iso(START - timedelta(hours=1))},
    )
    (error,) = body["errors"]
    assert error["message"].startswith("to: ") and "is not after from" in error["message"]


EXPECTED_TIME = "not an ISO 8601 date and time; expected e.g. 2026-06-01T12:00:00Z"


def test_a_time_that_is_not_iso_8601_is_refused_saying_what_to_give(
    plant: ontology.GraphStore, history: HistoryStore
) -> None:
    client = _client(plant, history)
    literal = f'{{ twin(id: "{CMM}") {{ signals(at: "yesterday") {{ name }} }} }}'
    (error,) = run(client, literal)["errors"]
    assert EXPECTED_TIME in error["message"] and '"yesterday"' in error["message"]
    assert error["locations"] == [{"line": 1, "column": literal.index('"yesterday"') + 1}]
    assert error["extensions"] == {"code": "BAD_USER_INPUT"}
    assert "invalid literal" not in error["message"]  # the parser's own words, before
    variables = {"id": CMM, "from": "noon", "to": _iso(START)}
    (error,) = run(client, HISTORY, variables)["errors"]
    assert error["message"].startswith("Variable '$from' has invalid value")
    assert EXPECTED_TIME in error["message"]
    # what was accepted still is, and a time without a zone is still the field's to refuse
    good = {"id": LATHE, "from": START.isoformat(), "to": _iso(START + timedelta(minutes=2))}
    assert len(data(client, HISTORY, good)["twin"]["history"][0]["timestamps"]) == 2
    naive = {**good, "from": START.replace(tzinfo=None).isoformat()}
    (error,) = run(client, HISTORY, naive)["errors"]
    assert error["message"].startswith("from: ") and "has no time zone" in error["message"]


MEAN_ONLY = """query($id: ID!, $from: DateTime!, $to: DateTime!, $every: Int!) { twin(id: $id) {
  history(signals: ["power"], from: $from, to: $to, interval: $every) { signal timestamps values }
  other: history(signals: ["power"], from: $from, to: $to) { values } } }"""


@pytest.mark.parametrize("every", [60, 0])
def test_history_without_aggregates_answers_as_with_mean_asked_for(
    plant: ontology.GraphStore, history: HistoryStore, every: int
) -> None:
    """Without ``aggregates`` (graphql-core calls the resolver directly) the answer, or the
    error, is the one asking for ``[MEAN]`` gets (through strawberry's wrapper)."""
    client = _client(plant, history)
    window = {"id": LATHE, "from": _iso(START), "to": _iso(START + timedelta(hours=1))}
    got = run(client, MEAN_ONLY, {**window, "every": every})
    asked = run(
        client,
        MEAN_ONLY.replace("interval: $every)", "interval: $every, aggregates: [MEAN])"),
        {**window, "every": every},
    )
    assert got == asked
    if every:
        (series,) = got["data"]["twin"]["history"]
        assert series["values"]["mean"] == pytest.approx(_power(1).reshape(60, 60).mean(axis=1))
        assert got["data"]["twin"]["other"] == [{"values": series["values"]}]  # interval 60
    else:
        assert [e["message"] for e in got["errors"]] == ["interval: 0 seconds; expected at least 1"]


def test_signals_at_as_columns_for_many_twins(
    plant: ontology.GraphStore, history: HistoryStore
) -> None:
    at = START + timedelta(minutes=30, seconds=5)
    client = _client(
        plant, history, authorizer=HideSubtree(plant, "acme/jkt1/machining/cell1/cmm1")
    )
    got = data(
        client,
        """query($twins: [ID!]!, $at: DateTime!) {
             signalsAt(twins: $twins, names: ["power"], at: $at) {
               twins signals { name values times quality } } }""",
        {"twins": [LATHE, CMM, "no/such", FILLER], "at": _iso(at)},
    )["signalsAt"]
    assert got["twins"] == [LATHE, FILLER]
    (column,) = got["signals"]
    assert column["name"] == "power"
    assert column["values"] == [pytest.approx(_power(1)[1805]), None]
    assert column["times"] == [int(at.timestamp() * 1000), None]
    assert column["quality"] == ["GOOD", None]


def test_signals_at_columns_hold_text_and_each_quality(
    plant: ontology.GraphStore, history: HistoryStore
) -> None:
    # a signal of its own (no other test reads it): text on one twin, numbers on another,
    # each sample of another quality; a twin without one gets nulls
    signal = "shift_code"
    times = np.datetime64(START.replace(tzinfo=None), "us") + np.array([0, 60, 120, 180]).astype(
        "timedelta64[s]"
    )
    samples = Samples(
        twin=np.array([LATHE, LATHE, FILLER, FILLER], dtype=object),
        signal=np.array([signal] * 4, dtype=object),
        time=times,
        value=np.array([np.nan, np.nan, 7.5, 8.5]),
        text=np.array(["A", "B", None, None], dtype=object),
        quality=np.array([1, 2, 0, 3], dtype=np.uint8),
    )
    batch = Batch("batch-shift-codes", (), START, "test", (), "test", count_in=4, accepted=4)
    history.write_batch(batch, samples)
    at = START + timedelta(minutes=5)
    got = data(
        _client(plant, history),
        """query($twins: [ID!]!, $at: DateTime!) {
             signalsAt(twins: $twins, names: ["shift_code", "power"], at: $at) {
               twins signals { name values times quality } } }""",
        {"twins": [LATHE, CMM, FILLER], "at": _iso(at)},
    )["signalsAt"]
    assert got["twins"] == [LATHE, CMM, FILLER]
    codes, power = got["signals"]
    start_ms = int(START.timestamp() * 1000)
    assert codes == {
        "name": "shift_code",
        "values": ["B", None, 8.5],
        "times": [start_ms + 60_000, None, start_ms + 180_000],
        "quality": ["BAD", None, "STALE"],
    }
    assert power["values"] == [
        pytest.approx(_power(1)[300]),
        pytest.approx(_power(0)[300]),
        None,
    ]
    assert power["quality"] == ["GOOD", "GOOD", None]


UNKNOWN = """query($id: ID!, $from: DateTime!, $to: DateTime!) { twin(id: $id) {
  history(signals: ["power", "powr"], from: $from, to: $to) { signal timestamps } } }"""


def test_a_signal_name_the_twin_does_not_have_is_an_error_naming_it_and_the_nearest(
    plant: ontology.GraphStore, history: HistoryStore
) -> None:
    """history of a name the twin's model does not declare
    and the twin holds no value of: BAD_USER_INPUT with the twin, the name, the nearest name
    and the names it has; a declared name without data stays an empty answer."""
    client = _client(plant, history)
    window = {"from": _iso(START), "to": _iso(START + timedelta(hours=1))}
    (error,) = run(client, UNKNOWN, {"id": LATHE, **window})["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT"}
    assert error["message"].startswith(
        f"history(signals:): twin '{LATHE}' (model {MACHINE_MODEL}) has no signal 'powr'; "
        "did you mean 'power'? It has: "
    )
    assert "temperature" in error["message"]  # declared by its model, no data
    # declared by the model without data, or held: empty answers as before
    got = data(
        client,
        UNKNOWN.replace('"powr"', '"vibration"'),
        {"id": LATHE, **window},
    )
    assert got["twin"]["history"][1] == {"signal": "vibration", "timestamps": []}
    # a hidden twin is no twin at all: nothing of its signals is told
    hidden = _client(plant, history, authorizer=HideSubtree(plant, "acme/jkt1/machining"))
    assert data(hidden, UNKNOWN, {"id": LATHE, **window}) == {"twin": None}


LINEAGE_OF = """query($id: ID!) { twin(id: $id) { lineage(signal: "powr") { batch } } }"""


def test_lineage_of_a_name_the_twin_does_not_have_is_an_error_too(
    plant: ontology.GraphStore, history: HistoryStore
) -> None:
    (error,) = run(_client(plant, history), LINEAGE_OF, {"id": LATHE})["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT"}
    assert error["message"].startswith(
        f"lineage(signal:): twin '{LATHE}' (model {MACHINE_MODEL}) has no signal 'powr'; "
        "did you mean 'power'? It has: "
    )
