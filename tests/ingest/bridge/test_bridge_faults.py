"""The bridge while Kafka is down (a broker of the test's own, killed with -9): it retries,
acknowledges nothing on MQTT, so a bridge started after Kafka returned gets the messages
again from the persistent session and forwards them."""

from __future__ import annotations

import asyncio

import orjson
import pytest

from devtools.services._private import PrivateService
from ingest.sources import MqttSource, MqttSourceSettings
from ontology import Alias, GraphStore
from tests.ingest.bridge.test_bridge import bridge_pipeline, make_bridge, read_topic, start
from tests.ingest.worker._kafka import WAIT_S, produce
from tests.ingest.worker.test_mqtt import MS, Client, until

pytestmark = [pytest.mark.mqtt, pytest.mark.kafka, pytest.mark.slow]
TOPIC = "bridged"


async def test_kafka_down_nothing_is_acknowledged_on_mqtt_until_kafka_has_it(
    own_kafka: PrivateService, mqtt_broker: tuple[str, int], mqtt_prefix: str,
    plant_store: GraphStore,
) -> None:  # fmt: skip
    bootstrap = f"127.0.0.1:{own_kafka.port}"
    await produce(bootstrap, TOPIC, [("setup", b"{}")])  # the topic exists: offset 0
    plant_store.add_aliases("machine/m1", [Alias("topic", f"{mqtt_prefix}/f")], principal="t")
    pipeline = bridge_pipeline()
    settings = MqttSourceSettings(*mqtt_broker, topics=(f"{mqtt_prefix}/#",), client_id=mqtt_prefix)
    source = MqttSource(settings)
    first = make_bridge(source, plant_store, bootstrap, TOPIC, pipeline)
    running = await start(first, source)
    client = Client(mqtt_broker)
    try:
        client.publish(f"{mqtt_prefix}/f/speed", orjson.dumps({"time": MS, "value": 0}))
        await until(lambda: first.stats.records >= 1)  # Kafka took it
        await asyncio.to_thread(own_kafka.kill)
        for i in range(1, 4):
            client.publish(f"{mqtt_prefix}/f/speed", orjson.dumps({"time": MS + i, "value": i}))
        await until(lambda: first.stats.retries >= 1)  # Kafka does not answer: backing off
        assert first.stats.records == 1
    finally:
        first.stop()
        await asyncio.wait_for(running, WAIT_S)
    assert first.stats.messages == 1  # the three others never acknowledged

    await asyncio.to_thread(own_kafka.start)
    source = MqttSource(settings)
    second = make_bridge(source, plant_store, bootstrap, TOPIC, pipeline)
    running = await start(second, source)
    try:
        await until(lambda: second.stats.records >= 3)  # the session gives them again
    finally:
        second.stop()
        client.close()
        await asyncio.wait_for(running, WAIT_S)
    got = await read_topic(bootstrap, TOPIC, 5)
    values = [r["samples"][0]["value"] for _, r in got[1:]]  # type: ignore[index]
    # each message at least once (a redelivered one may come twice: history keeps one copy)
    assert sorted(set(values)) == [0.0, 1.0, 2.0, 3.0]
    assert values == sorted(values)
