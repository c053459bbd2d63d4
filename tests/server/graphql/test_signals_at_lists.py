"""``signals(at:)`` of a listing: one history read, the same answers on every completion path.

Every twin under the Jakarta site has one ``power`` sample a minute for an
hour (its value tells the twin and the minute). A listing of those twins
selecting ``signals(names, at)`` is answered from one ``as_of`` read: built
from its columns (the direct completion), as ``Signal`` objects (graphql-core's
completion, forced by a field the direct one does not answer), or twin by twin
(edges, whose twins are not read ahead): all must give the same values. Without ``unit`` the twins'
records are not read; a hiding policy still hides its twins.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import numpy as np
import pytest
from starlette.testclient import TestClient

import ontology
from ontology.history import Batch, HistoryStore, Samples, SourceKind, SourcePosition
from server import ServerSettings, create_app
from tests.server.graphql.conftest import (
    HISTORY_STORES,
    SITE,
    Counting,
    HideSubtree,
    close_history,
    data,
    open_history,
)

START = (datetime.now(UTC) - timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)
AT = START + timedelta(minutes=30, seconds=5)
BATCH = "batch-at-lists"
HIDDEN = "acme/jkt1/machining"

LISTING = """query($at: DateTime!) { twins(filter: {under: "acme/jkt1"}, first: 1000) {
  nodes { id EXTRA signals(names: ["power", "none"], at: $at) { __typename SELECTION } } } }"""
PLAIN = "name value time quality batch"


@pytest.fixture(scope="module")
def twins(plant: ontology.GraphStore) -> list[str]:
    return list(plant.descendants(SITE, first=ontology.MAX_PAGE).items)


@pytest.fixture(scope="module", params=HISTORY_STORES)
def history(request: pytest.FixtureRequest, twins: list[str]) -> Iterator[HistoryStore]:
    store = open_history(request)
    minutes = np.datetime64(START.replace(tzinfo=None), "us") + (np.arange(60) * 60).astype(
        "timedelta64[s]"
    )
    values = np.concatenate(
        [i * 1000.0 + np.arange(60, dtype=np.float64) for i in range(len(twins))]
    )
    samples = Samples(
        twin=np.array([t for t in twins for _ in range(60)], dtype=object),
        signal=np.array(["power"] * (60 * len(twins)), dtype=object),
        time=np.tile(minutes, len(twins)),
        value=values,
    )
    source = (SourcePosition(SourceKind.FILE, path="test", first_offset=0, last_offset=0),)
    count = len(samples.time)
    store.write_batch(Batch(BATCH, source, START, "test", (), "tester", count, count), samples)
    yield store
    close_history(store)


def _client(store: ontology.GraphStore, history: HistoryStore, **kwargs: Any) -> TestClient:
    app = create_app(ServerSettings(version="0"), store=store, history=history, **kwargs)
    return TestClient(app)


def _query(selection: str = PLAIN, extra: str = "") -> str:
    return LISTING.replace("SELECTION", selection).replace("EXTRA", extra)


def _at() -> dict[str, str]:
    return {"at": AT.isoformat().replace("+00:00", "Z")}


def _signals(got: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return {n["id"]: n["signals"] for n in got["twins"]["nodes"]}


def test_a_listing_without_units_reads_no_twin_records(
    plant: ontology.GraphStore, history: HistoryStore, twins: list[str]
) -> None:
    graph = Counting(plant)
    counted = Counting(cast(ontology.GraphStore, history))
    client = _client(cast(ontology.GraphStore, graph), cast(HistoryStore, counted))
    got = _signals(data(client, _query(), _at()))
    assert sorted(got) == sorted(twins)
    minute = 30  # the sample at or before AT
    for i, twin in enumerate(twins):
        (power,) = got[twin]  # "none" has no sample: left out
        assert power["__typename"] == "Signal"
        assert (power["name"], power["value"]) == ("power", i * 1000.0 + minute)
        assert (power["quality"], power["batch"]) == ("GOOD", BATCH)
        stamp = datetime.fromisoformat(power["time"])
        assert stamp == START + timedelta(minutes=minute)
    assert counted.calls["as_of"] == 1
    assert "get_twins" not in graph.calls
    assert "model_set" not in graph.calls


FRAGMENT = """query($at: DateTime!) { twins(filter: {under: "acme/jkt1"}, first: 1000) {
  edges { node { id ... on Twin { signals(names: ["power", "none"], at: $at) {
    __typename SELECTION } } } } } }"""
"""The listing through ``edges``: its twins' rows are not read ahead (one loader key per twin,
one batch)."""


def _one_by_one(client: TestClient, selection: str, names: str = '["power", "none"]') -> Any:
    """The listing's ``data`` read twin by twin, shaped as ``nodes`` again."""
    query = FRAGMENT.replace("SELECTION", selection).replace('["power", "none"]', names)
    got = data(client, query, _at())
    return {"twins": {"nodes": [e["node"] for e in got["twins"]["edges"]]}}


@pytest.mark.parametrize(
    "variant",
    [
        "lifecycle",  # a field the direct completion leaves to graphql-core: Signal objects
        "edges",  # through edges: not read ahead, read twin by twin (one batch)
    ],
)
@pytest.mark.parametrize("selection", [PLAIN, f"unit {PLAIN}", "b: batch v: value"])
def test_every_completion_path_gives_the_same_signals(
    plant: ontology.GraphStore, history: HistoryStore, variant: str, selection: str
) -> None:
    client = _client(plant, history)
    want = data(client, _query(selection), _at())  # from the columns
    if variant == "edges":
        got = _one_by_one(client, selection)
    else:
        got = data(client, _query(selection, variant), _at())
        for node in got["twins"]["nodes"]:
            assert node.pop(variant)
    assert got == want
    assert any(n["signals"] for n in want["twins"]["nodes"])


def test_units_come_from_the_models_when_asked_for(
    plant: ontology.GraphStore, history: HistoryStore
) -> None:
    got = _signals(data(_client(plant, history), _query("name unit"), _at()))
    units = {twin: [s["unit"] for s in signals] for twin, signals in got.items()}
    assert units["acme/jkt1/machining/cell1/cmm1"] == ["kilowatt"]
    assert units[SITE + "/machining"] == [None]  # an area declares no power


def test_a_hiding_policy_hides_its_twins_from_the_listing(
    plant: ontology.GraphStore, history: HistoryStore, twins: list[str]
) -> None:
    policy = HideSubtree(plant, HIDDEN)
    counted = Counting(cast(ontology.GraphStore, history))
    client = _client(plant, cast(HistoryStore, counted), authorizer=policy)
    got = _signals(data(client, _query(), _at()))
    assert sorted(got) == sorted(t for t in twins if t not in policy.hidden)
    assert all(t not in got for t in policy.hidden)
    assert counted.calls["as_of"] == 1


@pytest.mark.parametrize("names", ["[]", '["power"]', '["none", "power", "power"]'])
@pytest.mark.parametrize("selection", [PLAIN, f"unit {PLAIN}"])
def test_any_number_of_names_gives_the_answers_of_twin_by_twin(
    plant: ontology.GraphStore, history: HistoryStore, names: str, selection: str
) -> None:
    client = _client(plant, history)
    listing = _query(selection).replace('["power", "none"]', names)
    want = _one_by_one(client, selection, names)
    assert data(client, listing, _at()) == want
    counts = [len(n["signals"]) for n in want["twins"]["nodes"]]
    assert max(counts) == names.count("power")
