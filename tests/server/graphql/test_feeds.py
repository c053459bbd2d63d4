"""``Twin.rejectCounts``: a feed twin's refused samples by reason, from the history store.

The feed twin is the one the ingest worker writes (``ingest.worker``'s model and id); the
history store (embedded DuckDB, and the real QuestDB marked ``questdb``) holds rejects of
that feed and of another one. Every graph store of the suite.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from starlette.testclient import TestClient

import ontology
from ingest.worker import FEED_MODEL, FeedHealth, feed_twin_id
from ontology.access import Authorizer
from ontology.history import (
    Batch,
    HistoryStore,
    Reject,
    Samples,
    SourceKind,
    SourcePosition,
)
from server import ServerSettings, create_app
from tests.server.graphql.conftest import (
    HISTORY_STORES,
    HideSubtree,
    close_history,
    data,
    open_history,
    run,
)

FEED = "kafka:explorer.rejects"
OTHER = "mqtt:elsewhere"
NOW = datetime.now(UTC).replace(microsecond=0)
REASONS = {FEED: ["range", "unknown-twin", "range", "unit", "range"], OTHER: ["unit"] * 4}


def _empty() -> Samples:
    return Samples(
        twin=np.array([], dtype=object),
        signal=np.array([], dtype=object),
        time=np.array([], dtype="datetime64[us]"),
        value=np.array([], dtype=np.float64),
    )


@pytest.fixture(scope="module", params=HISTORY_STORES)
def history(request: pytest.FixtureRequest) -> Iterator[HistoryStore]:
    store = open_history(request)
    source = SourcePosition(SourceKind.KAFKA, topic="t", partition=0, first_offset=0, last_offset=9)
    for n, (feed, reasons) in enumerate(REASONS.items()):
        batch = Batch(
            id=f"rejects-{n}",
            sources=(source,),
            received_at=NOW - timedelta(minutes=5),
            pipeline_version="test",
            model_versions=(),
            principal="tester",
            count_in=len(reasons),
            accepted=0,
        )
        rejects = [
            Reject(batch.id, feed, reason, NOW - timedelta(minutes=5, seconds=i), source, i)
            for i, reason in enumerate(reasons)
        ]
        store.write_batch(batch, _empty(), rejects=rejects)
    yield store
    close_history(store)


@pytest.fixture
def feed_twin(plant: ontology.GraphStore) -> Iterator[str]:
    """The feed twin as the ingest worker creates it; removed afterwards."""
    FeedHealth(plant, FEED, freshness_s=60, principal="tester").ensure_twin()
    twin = feed_twin_id(FEED)
    yield twin
    plant.delete_twin(twin, etag=None, principal="tester")
    plant.delete_model(FEED_MODEL, principal="tester")


def _client(
    plant: ontology.GraphStore, history: HistoryStore | None, authorizer: Authorizer | None = None
) -> TestClient:
    app = create_app(
        ServerSettings(version="0"), store=plant, history=history, authorizer=authorizer
    )
    return TestClient(app)


COUNTS = """query($id: ID!, $from: DateTime!, $to: DateTime!) {
  twin(id: $id) { rejectCounts(from: $from, to: $to) { reason count } } }"""


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def _window(minutes: int = 60) -> dict[str, str]:
    return {"from": _iso(NOW - timedelta(minutes=minutes)), "to": _iso(NOW + timedelta(seconds=1))}


def test_a_feed_twin_counts_its_own_rejects_by_reason(
    plant: ontology.GraphStore, history: HistoryStore, feed_twin: str
) -> None:
    got = data(_client(plant, history), COUNTS, {"id": feed_twin, **_window()})
    assert got["twin"]["rejectCounts"] == [
        {"reason": "range", "count": 3},
        {"reason": "unit", "count": 1},
        {"reason": "unknown-twin", "count": 1},
    ]
    earlier = data(_client(plant, history), COUNTS, {"id": feed_twin, **_window(minutes=1)})
    assert earlier["twin"]["rejectCounts"] == []  # the rejects are 5 minutes old


def test_a_twin_that_is_no_feed_has_no_rejects_and_hidden_feeds_stay_hidden(
    plant: ontology.GraphStore, history: HistoryStore, feed_twin: str
) -> None:
    machine = "acme/jkt1/packaging/line1/filler1"
    got = data(_client(plant, history), COUNTS, {"id": machine, **_window()})
    assert got["twin"]["rejectCounts"] == []
    hiding = _client(plant, history, authorizer=HideSubtree(plant, feed_twin))
    assert data(hiding, COUNTS, {"id": feed_twin, **_window()}) == {"twin": None}


def test_reject_counts_need_a_history_store_and_an_ordered_window(
    plant: ontology.GraphStore, history: HistoryStore, feed_twin: str
) -> None:
    body = run(_client(plant, None), COUNTS, {"id": feed_twin, **_window()})
    assert [e["message"] for e in body["errors"]] == [
        "history: this server was started without a history store"
    ]
    backwards = {"from": _window()["to"], "to": _window()["from"]}
    body = run(_client(plant, history), COUNTS, {"id": feed_twin, **backwards})
    assert "is not after from" in body["errors"][0]["message"]
