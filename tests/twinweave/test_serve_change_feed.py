"""``twinweave serve --change-feed`` with ``twinweave ingest --change-feed`` in another process.

The production shape: the worker and the server are separate processes that
share nothing but a Kafka change-feed topic. Records go into the real Kafka,
the worker commits them and publishes what changed, and a real websocket
client (graphql-transport-ws) and a real SSE client subscribe to the server.
A client that disconnects and comes back with the last cursor it saw gets
everything that happened in between, in order.

The test publishes one marker change set to the topic itself before anything
else, and subscribes after its cursor: no change can slip past before a
subscription starts, so nothing here waits on a guess.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncGenerator, Generator, Iterator
from contextlib import aclosing, contextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import yaml
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Subprotocol

from ontology import MemoryStore
from ontology.changefeed.kafka import KafkaChangeFeed, KafkaChangeFeedSettings
from tests._services import free_ports
from tests._shared import REPO
from tests.ingest.conftest import PIPELINE_DOC, build_plant
from tests.ingest.worker._kafka import produce
from tests.server.graphql._sse import next_events

pytestmark = [pytest.mark.kafka, pytest.mark.slow]
WAIT_S = 90.0  # a guard against hanging, not a timing assertion
_FIRST = "0" * 20  # the marker's cursor: it is the first change set on the fresh topic
SIGNALS = """subscription($after: String) {
  signalChanges(under: "line/l1", after: $after) { cursor changes { twin signal value batch } } }"""


def _env(data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWINWEAVE_")}
    env["TWINWEAVE_DATA_DIR"] = str(data)
    return env


def _plant(data: Path) -> None:
    data.mkdir()
    build_plant(MemoryStore(snapshot=data / "graph.snapshot")).close()


@contextmanager
def _process(command: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "twinweave", *command],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(30)


@pytest.fixture
def changes_topic(kafka_bootstrap: str, kafka_topic: str) -> Iterator[str]:
    topic = f"{kafka_topic}-changes"

    async def admin(create: bool) -> None:
        client = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
        await client.start()
        try:
            if create:
                await client.create_topics([NewTopic(topic, 1, 1)])
            else:
                await client.delete_topics([topic])
        finally:
            await client.close()

    asyncio.run(admin(create=True))
    yield topic
    asyncio.run(admin(create=False))


def _wait_healthy(base: str, server: subprocess.Popen[bytes]) -> dict[str, Any]:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        assert server.poll() is None, "twinweave serve exited before it answered"
        try:
            health: dict[str, Any] = httpx.get(f"{base}/healthz", timeout=2).json()
        except httpx.HTTPError:
            time.sleep(0.2)
            continue
        return health
    pytest.fail("twinweave serve did not answer /healthz")


def _speed_record(twin: str, value: float) -> tuple[str, bytes]:
    doc = {"signal": "speed", "time": int(time.time() * 1000), "value": value}
    return twin, orjson.dumps(doc)


def _send_and_wait(bootstrap: str, topic: str, changes: str, record: tuple[str, bytes]) -> None:
    """Produce ``record`` and wait until the worker has published its change (so the next
    record lands in another batch and each value is a change of its own)."""
    twin, body = record
    value = orjson.loads(body)["value"]

    async def main() -> None:
        await produce(bootstrap, topic, [record])
        feed = KafkaChangeFeed(KafkaChangeFeedSettings(bootstrap, changes))
        try:
            following = feed.subscribe(_FIRST)
            assert isinstance(following, AsyncGenerator)
            async with asyncio.timeout(WAIT_S), aclosing(following) as sets:
                async for change_set in sets:
                    if any(
                        (s.twin, s.signal, s.value) == (twin, "speed", value)
                        for s in change_set.signals
                    ):
                        return
        finally:
            feed.close()

    asyncio.run(main())


def _ws_subscribe(address: str, after: str) -> Generator[dict[str, Any], None, None]:
    """``signalChanges`` payloads after ``after`` from a graphql-transport-ws connection."""
    protocols = [Subprotocol("graphql-transport-ws")]
    socket: ClientConnection
    with connect(f"ws://{address}/graphql", subprotocols=protocols, open_timeout=30) as socket:
        socket.send(json.dumps({"type": "connection_init"}))
        assert json.loads(socket.recv(30))["type"] == "connection_ack"
        payload = {"query": SIGNALS, "variables": {"after": after}}
        socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        while True:
            message = json.loads(socket.recv(WAIT_S))
            assert message["type"] == "next", message
            yield message["payload"]["data"]["signalChanges"]


def _sse_subscribe(address: str, after: str) -> Iterator[dict[str, Any]]:
    """The same payloads from a streaming HTTP (SSE) response."""
    body = {"query": SIGNALS, "variables": {"after": after}}
    headers = {"accept": "text/event-stream"}
    timeout = httpx.Timeout(30, read=WAIT_S)
    with httpx.stream(
        "POST", f"http://{address}/graphql", json=body, headers=headers, timeout=timeout
    ) as response:
        assert response.status_code == 200
        for data in next_events(response):
            yield data["signalChanges"]


def _speeds_until(
    stream: Iterator[dict[str, Any]], wanted: list[float]
) -> tuple[list[tuple[str, float]], str]:
    """Read until the speeds of ``wanted`` arrived; returns every speed change seen and the
    last cursor."""
    seen: list[tuple[str, float]] = []
    cursor = ""
    for payload in stream:
        cursor = payload["cursor"]
        seen += [(c["twin"], c["value"]) for c in payload["changes"] if c["signal"] == "speed"]
        if [v for _, v in seen][-len(wanted) :] == wanted:
            return seen, cursor
    pytest.fail(f"the stream ended after {seen}; expected the speeds {wanted}")


def test_subscriptions_follow_a_worker_in_another_process_and_resume_after_a_reconnect(
    kafka_bootstrap: str, kafka_topic: str, changes_topic: str, tmp_path: Path
) -> None:
    feed_url = f"kafka://{kafka_bootstrap}/{changes_topic}"
    _plant(tmp_path / "server")
    _plant(tmp_path / "worker")
    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text(yaml.safe_dump(PIPELINE_DOC, sort_keys=False), encoding="utf-8")
    marker = KafkaChangeFeed(KafkaChangeFeedSettings(kafka_bootstrap, changes_topic))
    try:
        start = marker.publish("marker", [], [])
    finally:
        marker.close()
    assert start == _FIRST

    (port,) = free_ports(1)
    address = f"127.0.0.1:{port}"
    serve = ["serve", "--port", str(port), "--change-feed", feed_url]
    ingest = [
        "ingest", "--source", f"kafka://{kafka_bootstrap}/{kafka_topic}",
        "--group", f"{kafka_topic}-g", "--pipeline", str(pipeline),
        "--change-feed", feed_url, "--quiet",
    ]  # fmt: skip
    with (
        _process(serve, _env(tmp_path / "server")) as server,
        _process(ingest, _env(tmp_path / "worker")),
    ):
        health = _wait_healthy(f"http://{address}", server)
        assert "subscriptions" not in health["missing"]

        def send(twin: str, value: float) -> None:
            record = _speed_record(twin, value)
            _send_and_wait(kafka_bootstrap, kafka_topic, changes_topic, record)

        live = _ws_subscribe(address, start)
        for twin, value in (("machine/m2", 5.0), ("machine/m1", 10.0), ("machine/m1", 20.0)):
            send(twin, value)
        seen, cursor = _speeds_until(live, [10.0, 20.0])
        live.close()  # the websocket client goes away
        assert seen == [("machine/m1", 10.0), ("machine/m1", 20.0)]  # m2 is not under line/l1

        send("machine/m1", 30.0)  # while no client listens
        send("machine/m1", 40.0)
        resumed, _ = _speeds_until(_sse_subscribe(address, cursor), [30.0, 40.0])
        assert resumed == [("machine/m1", 30.0), ("machine/m1", 40.0)]
        again, _ = _speeds_until(_ws_subscribe(address, cursor), [30.0, 40.0])
        assert again == resumed
