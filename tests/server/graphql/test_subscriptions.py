"""Subscriptions against a real uvicorn server: graphql-transport-ws and SSE, resumable.

The change feed is the in-process one; a thread stands in for the ingest
worker and publishes to it while clients listen (a real websocket client,
a real streaming HTTP client). Each test first publishes a marker and
subscribes after its cursor, so no change can slip past before the
subscription starts.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosedError
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Subprotocol

import ontology
from ontology.changefeed import SignalChange
from ontology.changefeed.memory import MemoryChangeFeed
from ontology.history import Event
from server import ServerSettings, create_app
from tests.server.graphql._sse import next_events
from tests.server.graphql._uvicorn import serving
from tests.server.graphql.conftest import HideSubtree, load_plant

CMM = "acme/jkt1/machining/cell1/cmm1"
FILLER = "acme/jkt1/packaging/line1/filler1"
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
TIMEOUT_S = 10

SIGNALS = """subscription($after: String) {
  signalChanges(under: "acme/jkt1/machining", after: $after) {
    cursor changes { twin signal value quality batch } } }"""


@pytest.fixture(scope="module")
def feed() -> Iterator[MemoryChangeFeed]:
    changes = MemoryChangeFeed()
    yield changes
    changes.close()


@pytest.fixture(scope="module")
def address(feed: MemoryChangeFeed) -> Iterator[str]:
    store = ontology.MemoryStore()
    load_plant(store)
    app = create_app(ServerSettings(version="0"), store=store, changes=feed)
    with serving(app) as where:
        yield where
    store.close()


def publish(feed: MemoryChangeFeed, *changes: tuple[str, float]) -> str:
    """What a worker commit publishes, from another thread; returns the cursor."""
    signals = [SignalChange(t, "power", v, NOW, 0, "b-1") for t, v in changes]
    cursor: list[str] = []
    worker = threading.Thread(target=lambda: cursor.append(feed.publish("b-1", signals, [])))
    worker.start()
    worker.join(TIMEOUT_S)
    return cursor[0]


@contextmanager
def _ws(address: str) -> Iterator[ClientConnection]:
    """A graphql-transport-ws connection, initialised and acknowledged."""
    protocols = [Subprotocol("graphql-transport-ws")]
    with connect(
        f"ws://{address}/graphql", subprotocols=protocols, open_timeout=TIMEOUT_S
    ) as socket:
        socket.send(json.dumps({"type": "connection_init"}))
        assert json.loads(socket.recv(TIMEOUT_S))["type"] == "connection_ack"
        yield socket


def _subscribe(socket: ClientConnection, after: str) -> None:
    payload = {"query": SIGNALS, "variables": {"after": after}}
    socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))


def _next(socket: ClientConnection) -> dict[str, Any]:
    message = json.loads(socket.recv(TIMEOUT_S))
    assert message["type"] == "next", message
    result: dict[str, Any] = message["payload"]["data"]["signalChanges"]
    return result


def test_websocket_gets_changes_under_the_subtree_only(
    address: str, feed: MemoryChangeFeed
) -> None:
    start = publish(feed)
    with _ws(address) as socket:
        _subscribe(socket, start)
        publish(feed, (FILLER, 1.0))
        cursor = publish(feed, (CMM, 2.5))
        got = _next(socket)
    assert got["cursor"] == cursor
    assert got["changes"] == [
        {"twin": CMM, "signal": "power", "value": 2.5, "quality": "GOOD", "batch": "b-1"}
    ]


def test_a_reconnect_with_the_last_cursor_loses_nothing(
    address: str, feed: MemoryChangeFeed
) -> None:
    start = publish(feed)
    with _ws(address) as socket:
        _subscribe(socket, start)
        publish(feed, (CMM, 1.0))
        seen = _next(socket)
    publish(feed, (CMM, 2.0))  # while disconnected
    publish(feed, (CMM, 3.0))
    with _ws(address) as socket:
        _subscribe(socket, seen["cursor"])
        values = [_next(socket)["changes"][0]["value"] for _ in range(2)]
    assert values == [2.0, 3.0]


def _sse(address: str, after: str | None, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """The first ``next`` event of an SSE subscription."""
    body = {"query": SIGNALS, "variables": {"after": after}}
    with httpx.stream(
        "POST",
        f"http://{address}/graphql",
        json=body,
        headers={"accept": "text/event-stream", **(headers or {})},
        timeout=TIMEOUT_S,
    ) as response:
        assert response.status_code == 200
        for data in next_events(response):
            return data
    pytest.fail("the SSE stream ended without a next event")


def test_sse_streams_changes_and_resumes_after_a_cursor(
    address: str, feed: MemoryChangeFeed
) -> None:
    start = publish(feed)
    first = publish(feed, (CMM, 7.0))
    publish(feed, (CMM, 8.0))
    assert _sse(address, start)["signalChanges"]["cursor"] == first
    resumed = _sse(address, first)["signalChanges"]
    assert resumed["changes"][0]["value"] == 8.0


def test_the_legacy_graphql_ws_protocol_is_refused(address: str) -> None:
    legacy = [Subprotocol("graphql-ws")]
    with (
        pytest.raises(ConnectionClosedError) as closed,
        connect(f"ws://{address}/graphql", subprotocols=legacy, open_timeout=TIMEOUT_S) as socket,
    ):
        socket.send(json.dumps({"type": "connection_init"}))
        socket.recv(TIMEOUT_S)
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (
        4406,
        "Subprotocol not acceptable",
    )


def test_an_expired_cursor_is_a_clear_error(address: str) -> None:
    with _ws(address) as socket:
        _subscribe(socket, "0000.000000000001")
        message = json.loads(socket.recv(TIMEOUT_S))
    assert message["type"] == "next"
    (error,) = message["payload"]["errors"]
    assert error["message"].startswith("change-feed cursor '0000.000000000001' is older than")


def test_events_subscription_filters_by_subtree_and_kind(
    address: str, feed: MemoryChangeFeed
) -> None:
    start = publish(feed)
    query = """subscription($after: String) {
      events(under: "acme/jkt1", kinds: ["fault"], after: $after) {
        cursor events { twin kind code } } }"""
    with _ws(address) as socket:
        socket.send(
            json.dumps(
                {
                    "id": "e",
                    "type": "subscribe",
                    "payload": {"query": query, "variables": {"after": start}},
                }
            )
        )
        feed.publish(None, [], [Event(CMM, NOW, "mode", "RUNNING->IDLE")])
        cursor = feed.publish(None, [], [Event(FILLER, NOW, "fault", "F-17")])
        message = json.loads(socket.recv(TIMEOUT_S))
    assert message["payload"]["data"]["events"] == {
        "cursor": cursor,
        "events": [{"twin": FILLER, "kind": "fault", "code": "F-17"}],
    }


def test_sse_resumes_from_a_last_event_id_header(address: str, feed: MemoryChangeFeed) -> None:
    start = publish(feed)
    publish(feed, (CMM, 11.0))
    got = _sse(address, None, headers={"last-event-id": start})
    assert got["signalChanges"]["changes"][0]["value"] == 11.0


def test_min_interval_out_of_range_is_refused(address: str) -> None:
    query = 'subscription { signalChanges(under: "acme/jkt1", minInterval: -1) { cursor } }'
    with _ws(address) as socket:
        socket.send(json.dumps({"id": "m", "type": "subscribe", "payload": {"query": query}}))
        message = json.loads(socket.recv(TIMEOUT_S))
    (error,) = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert error["message"] == "minInterval: -1.0 seconds; expected 0 to 3600.0"


def test_hidden_twins_vanish_from_subscriptions(feed: MemoryChangeFeed) -> None:
    store = ontology.MemoryStore()
    load_plant(store)
    policy = HideSubtree(store, "acme/jkt1/machining")
    app = create_app(ServerSettings(version="0"), store=store, changes=feed, authorizer=policy)
    start = publish(feed)
    query = """subscription($after: String) { signalChanges(under: "acme/jkt1", after: $after) {
      cursor changes { twin value } } }"""
    with serving(app) as where, _ws(where) as socket:
        payload = {"query": query, "variables": {"after": start}}
        socket.send(json.dumps({"id": "h", "type": "subscribe", "payload": payload}))
        publish(feed, (CMM, 1.0))  # hidden
        cursor = publish(feed, (CMM, 2.0), (FILLER, 3.0))
        got = _next(socket)
    store.close()
    assert got == {"cursor": cursor, "changes": [{"twin": FILLER, "value": 3.0}]}
