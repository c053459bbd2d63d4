"""The MQTT-to-Kafka bridge on the real Mosquitto and Kafka: MQTT JSON and Sparkplug B
messages resolved to twins through aliases, republished keyed by twin, then fused by a
worker reading the topic; MQTT acknowledged only once Kafka has the records."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import orjson
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from ingest.bridge import Bridge, BridgeSettings
from ingest.codecs import JsonCodec, TopicCodec
from ingest.codecs.sparkplug import SparkplugCodec
from ingest.pipeline import Fusion, Pipeline, pipeline_from_document
from ingest.sources import KafkaSource, KafkaSourceSettings, MqttSource, MqttSourceSettings
from ingest.worker import Worker, WorkerSettings
from ontology import Alias, GraphStore
from ontology.history import HistoryStore, SeriesKey
from tests._services import free_ports
from tests.ingest.conftest import PIPELINE_DOC
from tests.ingest.worker._kafka import WAIT_S, run_until
from tests.ingest.worker.test_mqtt import MS, Client, Metric, spb, until
from tests.ingest.worker.test_worker import END, START, committer

pytestmark = [pytest.mark.mqtt, pytest.mark.kafka]


def bridge_pipeline_document() -> dict[str, Any]:
    """The test pipeline, resolving twins also by ``sparkplug`` and ``topic`` aliases."""
    doc = copy.deepcopy(PIPELINE_DOC)
    doc["identity"]["namespaces"] = ["erp", "mac", "sparkplug", "topic"]
    doc["time"] = {"max_future": 3600 * 24 * 365 * 5, "allowed_lateness": 3600}
    return doc


def bridge_pipeline() -> Pipeline:
    return pipeline_from_document(bridge_pipeline_document())


async def read_topic(
    bootstrap: str, topic: str, count: int, *, wait_s: float = WAIT_S
) -> list[tuple[str, dict[str, object]]]:
    """The first ``count`` records of partition 0 (fewer if they do not come in ``wait_s``)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    try:
        consumer.assign([TopicPartition(topic, 0)])
        out: list[tuple[str, dict[str, object]]] = []
        deadline = asyncio.get_running_loop().time() + wait_s
        while len(out) < count and asyncio.get_running_loop().time() < deadline:
            for messages in (await consumer.getmany(timeout_ms=200)).values():
                out.extend((m.key.decode(), orjson.loads(m.value)) for m in messages)
        return out
    finally:
        await consumer.stop()


def make_bridge(
    source: MqttSource, graph: GraphStore, bootstrap: str, topic: str, pipeline: Pipeline
) -> Bridge:
    codec = TopicCodec(SparkplugCodec(on_rebirth=source.request_rebirth), JsonCodec())
    settings = BridgeSettings(
        bootstrap, topic, fetch_timeout_s=0.05, backoff_max_s=0.5, request_timeout_ms=2000
    )
    return Bridge(source, codec, Fusion(pipeline, graph), settings)


async def start(bridge: Bridge, source: MqttSource) -> asyncio.Task[object]:
    running: asyncio.Task[object] = asyncio.ensure_future(bridge.run())
    async with asyncio.timeout(WAIT_S):
        while not source.subscribed:
            if running.done():
                running.result()
            await asyncio.sleep(0.02)
    return running


async def test_json_and_sparkplug_reach_kafka_keyed_by_twin_and_a_worker_fuses_them(
    mqtt_broker: tuple[str, int], mqtt_prefix: str, kafka_bootstrap: str, kafka_topic: str,
    plant_store: GraphStore, history: HistoryStore,
) -> None:  # fmt: skip
    group, edge = mqtt_prefix, "E1"
    plant_store.add_aliases(
        "machine/m1", [Alias("topic", f"{mqtt_prefix}/l1/filler")], principal="t"
    )
    plant_store.add_aliases(
        "machine/m2", [Alias("sparkplug", f"{group}/{edge}/capper")], principal="t"
    )
    pipeline = bridge_pipeline()
    source = MqttSource(
        MqttSourceSettings(*mqtt_broker, topics=(f"{mqtt_prefix}/#", f"spBv1.0/{group}/#"))
    )
    bridge = make_bridge(source, plant_store, kafka_bootstrap, kafka_topic, pipeline)
    running = await start(bridge, source)
    client = Client(mqtt_broker)
    device = f"spBv1.0/{group}/{{}}/{edge}/capper"
    try:
        for i in range(3):  # plain JSON: the twin by an alias of the topic's levels
            client.publish(
                f"{mqtt_prefix}/l1/filler/speed", orjson.dumps({"time": MS + i, "value": 10 * i})
            )
        client.publish(f"{mqtt_prefix}/no/such/speed", orjson.dumps({"time": MS, "value": 1}))
        client.publish(f"{mqtt_prefix}/l1/filler/speed", b"{broken")
        client.publish(
            f"spBv1.0/{group}/NBIRTH/{edge}",
            spb(Metric(name="bdSeq", datatype=8, long_value=1), seq=0),
        )
        client.publish(
            device.format("DBIRTH"),
            spb(Metric(name="product", alias=3, datatype=12, string_value="SKU-1"), seq=1),
        )
        client.publish(
            device.format("DDATA"),
            spb(Metric(alias=3, datatype=12, string_value="SKU-2", timestamp=MS + 5), seq=2),
        )
        client.publish(
            f"spBv1.0/{group}/NDEATH/{edge}",
            spb(Metric(name="bdSeq", datatype=8, long_value=1), seq=None, at=MS + 9),
        )
        await until(lambda: bridge.stats.messages >= 9)
    finally:
        bridge.stop()
        client.close()
        await asyncio.wait_for(running, WAIT_S)
    assert bridge.stats.rejected == {"malformed": 1}
    assert bridge.stats.unresolved == 1
    got = await read_topic(kafka_bootstrap, kafka_topic, bridge.stats.records)
    keys = [key for key, _ in got]
    assert keys == [*["machine/m1"] * 3, f"{mqtt_prefix}/no/such", *["machine/m2"] * 3]
    assert got[2][1] == {
        "samples": [{"signal": "speed", "time": MS + 2, "value": 20.0, "quality": 0}]
    }
    assert got[-1][1] == {
        "samples": [{"signal": "product", "time": MS + 9, "value": None, "quality": 3}]
    }

    # a worker on the topic: the same state and history as reading MQTT directly
    worker = Worker(
        KafkaSource(KafkaSourceSettings(kafka_bootstrap, kafka_topic, f"{kafka_topic}-g"), history),
        committer(pipeline, plant_store, history, None),
        WorkerSettings(fetch_timeout_s=0.05),
    )
    await run_until(worker, lambda: worker.stats.records >= len(got))
    raw = history.raw(SeriesKey("machine/m1", "speed"), START, END)
    assert raw.value.tolist() == [0.0, 10.0, 20.0]
    assert plant_store.get_signals("machine/m1")["speed"].value == 20.0
    product = history.raw(SeriesKey("machine/m2", "product"), START, END)
    assert product.text is not None and product.text.tolist() == ["SKU-1", "SKU-2"]
    assert plant_store.get_signals("machine/m2")["product"].value is None  # stale: the node died
    assert worker.stats.rejected == {"unknown_twin": 1}


async def test_a_persistent_session_keeps_what_came_while_no_bridge_could_forward_it(
    mqtt_broker: tuple[str, int], mqtt_prefix: str, kafka_bootstrap: str, kafka_topic: str,
    plant_store: GraphStore,
) -> None:  # fmt: skip
    plant_store.add_aliases("machine/m1", [Alias("topic", f"{mqtt_prefix}/f")], principal="t")
    pipeline = bridge_pipeline()
    settings = MqttSourceSettings(*mqtt_broker, topics=(f"{mqtt_prefix}/#",), client_id=mqtt_prefix)
    (closed,) = free_ports(1)
    # the session exists once a bridge with this client id has subscribed
    source = MqttSource(settings)
    first = make_bridge(source, plant_store, kafka_bootstrap, kafka_topic, pipeline)
    running = await start(first, source)
    first.stop()
    await asyncio.wait_for(running, WAIT_S)

    client = Client(mqtt_broker)
    try:
        for i in range(4):  # published while no bridge runs: held by the persistent session
            client.publish(f"{mqtt_prefix}/f/speed", orjson.dumps({"time": MS + i, "value": i}))
    finally:
        client.close()
    # a bridge whose Kafka does not answer refuses to start and acknowledges nothing
    dead = make_bridge(
        MqttSource(settings), plant_store, f"127.0.0.1:{closed}", kafka_topic, pipeline
    )
    with pytest.raises(Exception, match=f"cannot reach Kafka at '127.0.0.1:{closed}' to publish"):
        await asyncio.wait_for(dead.run(), WAIT_S)

    second_source = MqttSource(settings)
    second = make_bridge(second_source, plant_store, kafka_bootstrap, kafka_topic, pipeline)
    running = await start(second, second_source)
    try:
        await until(lambda: second.stats.messages >= 4)
    finally:
        second.stop()
        await asyncio.wait_for(running, WAIT_S)
    got = await read_topic(kafka_bootstrap, kafka_topic, 4)
    assert [(k, r["samples"][0]["value"]) for k, r in got] == [  # type: ignore[index]
        ("machine/m1", float(i)) for i in range(4)
    ]
