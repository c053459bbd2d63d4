"""``changes(since, under)``: history events and the graph's own audit trail, merged.

Edits go through the store under test (in-process and Neo4j) with named
principals while events land in the embedded history store between them; the
shift-handover list must hold exactly the subtree's edits and events, in time
order, page by page, and nothing that names a twin the principal may not read.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from starlette.testclient import TestClient

import ontology
from ontology.history import DuckDBHistorySettings, Event, HistoryStore, open_history_store
from server import ServerSettings, create_app
from tests.server.graphql.conftest import HideSubtree, data, run

PACKAGING = "acme/jkt1/packaging"
FILLER = "acme/jkt1/packaging/line1/filler1"
CAPPER = "acme/jkt1/packaging/line1/capper1"
CMM = "acme/jkt1/machining/cell1/cmm1"
CHANGES = """query($since: DateTime!, $under: ID!, $first: Int!, $after: String,
    $kinds: [String!]) {
  changes(since: $since, under: $under, first: $first, after: $after, kinds: $kinds) {
    items { twin kind code data } nextCursor } }"""


@pytest.fixture
def history() -> Iterator[HistoryStore]:
    store = open_history_store(DuckDBHistorySettings())
    yield store
    store.close()


def _now() -> datetime:
    time.sleep(0.002)  # distinct times on both sides of a write, on any clock resolution
    return datetime.now(UTC)


@pytest.fixture
def edited(plant: ontology.GraphStore, history: HistoryStore) -> Iterator[datetime]:
    """Edits and events under packaging (and one edit elsewhere) after the time it yields;
    undone afterwards."""
    since = _now()
    plant.update_twin(FILLER, {"machineType": "Filler XL"}, etag=None, principal="alice")
    history.append_events([Event(FILLER, _now(), "fault", "F-17", "jam")])
    plant.set_lifecycle(CAPPER, ontology.Lifecycle.PASSIVE, principal="bob")
    plant.update_twin(CMM, {"machineType": "CMM 2"}, etag=None, principal="dave")  # elsewhere
    history.append_events([Event(CAPPER, _now(), "mode", "RUNNING->IDLE")])
    plant.add_aliases(FILLER, [ontology.Alias("mes", "F-1")], principal="carol")
    _now()
    yield since
    plant.remove_alias(ontology.Alias("mes", "F-1"), principal="carol")
    plant.set_lifecycle(CAPPER, ontology.Lifecycle.ACTIVE, principal="bob")
    plant.update_twin(FILLER, {"machineType": "Filler"}, etag=None, principal="alice")
    plant.update_twin(CMM, {"machineType": None}, etag=None, principal="dave")


def _client(plant: ontology.GraphStore, history: HistoryStore, **kwargs: Any) -> TestClient:
    app = create_app(ServerSettings(version="0"), store=plant, history=history, **kwargs)
    return TestClient(app)


def _pages(client: TestClient, since: datetime, first: int, **more: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    after = None
    for _ in range(100):
        variables = {"since": since.isoformat(), "under": PACKAGING, "first": first, **more}
        page = data(client, CHANGES, {**variables, "after": after})["changes"]
        items += page["items"]
        after = page["nextCursor"]
        if after is None:
            return items
    pytest.fail("changes did not end within 100 pages")


def test_changes_merge_the_subtree_edits_and_events_in_time_order(
    plant: ontology.GraphStore, history: HistoryStore, edited: datetime
) -> None:
    got = _pages(_client(plant, history), edited, first=100)
    assert [(e["twin"], e["kind"], e["code"]) for e in got] == [
        (FILLER, "properties", "twin.update"),
        (FILLER, "fault", "F-17"),
        (CAPPER, "lifecycle", "twin.lifecycle"),
        (CAPPER, "mode", "RUNNING->IDLE"),
        (FILLER, "structure", "alias.add"),
    ]
    update = got[0]["data"]
    assert update["principal"] == "alice"
    assert update["before"]["properties"]["machineType"] == "Filler"
    assert update["after"]["properties"]["machineType"] == "Filler XL"
    assert got[2]["data"]["principal"] == "bob"
    assert got[2]["data"]["after"] == "passive"


@pytest.mark.parametrize("first", [1, 2, 3])
def test_paging_through_changes_gives_the_same_list(
    plant: ontology.GraphStore, history: HistoryStore, edited: datetime, first: int
) -> None:
    client = _client(plant, history)
    assert _pages(client, edited, first=first) == _pages(client, edited, first=100)


def test_kinds_narrow_both_sources(
    plant: ontology.GraphStore, history: HistoryStore, edited: datetime
) -> None:
    got = _pages(_client(plant, history), edited, first=2, kinds=["structure", "fault"])
    assert [(e["kind"], e["code"]) for e in got] == [("fault", "F-17"), ("structure", "alias.add")]


def test_an_edit_that_names_a_hidden_twin_is_left_out(
    plant: ontology.GraphStore, history: HistoryStore
) -> None:
    since = _now()
    edge = ontology.Edge(FILLER, "feeds", CMM)
    plant.add_edges([edge], principal="erin")
    try:
        open_view = _pages(_client(plant, history), since, first=100)
        hidden = HideSubtree(plant, "acme/jkt1/machining")
        narrowed = _pages(_client(plant, history, authorizer=hidden), since, first=100)
    finally:
        plant.remove_edge(FILLER, "feeds", CMM, principal="erin")
    assert [(e["code"], e["data"]["key"]) for e in open_view] == [
        ("edge.add", f"{FILLER} -[feeds]-> {CMM}")
    ]
    assert narrowed == []


def test_a_cursor_this_field_did_not_return_is_a_clear_error(
    plant: ontology.GraphStore, history: HistoryStore
) -> None:
    client = _client(plant, history)
    for after in ("nonsense", "chg1.bm90IGpzb24", "chg1.WzEsMiwzXQ", "chg1." + "A" * 600):
        variables = {"since": "2026-01-01T00:00:00Z", "under": PACKAGING, "first": 5}
        body = run(client, CHANGES, {**variables, "after": after})
        (error,) = body["errors"]
        assert "is not a cursor this field returned; expected nextCursor" in error["message"]


def test_a_model_upload_is_listed_once_a_twin_of_the_subtree_uses_it(
    plant: ontology.GraphStore, history: HistoryStore
) -> None:
    dtmi, line = "dtmi:twinweave:test:Line;1", f"{PACKAGING}/line9"
    model = {
        "@context": "dtmi:dtdl:context;3",
        "@id": dtmi,
        "@type": "Interface",
        "extends": "dtmi:twinweave:sample:ProductionLine;1",
    }
    since = _now()
    plant.add_models([json.dumps(model)], principal="frank")
    plant.create_twin(ontology.TwinSpec(line, dtmi), principal="frank")
    plant.add_edges([ontology.Edge(PACKAGING, ontology.CONTAINS, line)], principal="frank")
    try:
        got = _pages(_client(plant, history), since, first=100)
    finally:
        plant.delete_twin(line, etag=None, principal="frank")
        plant.delete_model(dtmi, principal="frank")
    assert [(e["twin"], e["kind"], e["code"]) for e in got] == [
        (dtmi, "model", "model.add"),
        (line, "structure", "twin.create"),
        (PACKAGING, "structure", "edge.add"),
    ]
