"""The worker on the real Mosquitto: plain JSON topics, and Sparkplug B sessions."""

from __future__ import annotations

import asyncio
import copy
import threading

import orjson
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from ingest.codecs import JsonCodec, TopicCodec
from ingest.codecs.sparkplug import SparkplugCodec
from ingest.codecs.sparkplug import sparkplug_b_pb2 as pb
from ingest.pipeline import Fusion, pipeline_from_document
from ingest.sources import MqttSource, MqttSourceSettings
from ingest.worker import BatchCommitter, Worker, WorkerSettings, WorkerStats
from ontology import Alias, GraphStore
from ontology.changefeed import ChangeSet
from ontology.changefeed.memory import MemoryChangeFeed
from ontology.history import HistoryStore, Quality, SeriesKey
from tests.ingest.conftest import PIPELINE_DOC, T0_US
from tests.ingest.worker._kafka import WAIT_S
from tests.ingest.worker.test_worker import END, NOW, START

pytestmark = pytest.mark.mqtt
MS = T0_US // 1000
Metric = pb.Payload.Metric


class Client:
    """A plain paho client for the test's side of the broker."""

    def __init__(self, broker: tuple[str, int]) -> None:
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2)
        self.received: list[tuple[str, bytes]] = []
        self._lock = threading.Lock()
        self.client.on_message = self._message
        self.client.connect(*broker)
        self.client.loop_start()

    def _message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        with self._lock:
            self.received.append((message.topic, bytes(message.payload)))

    def publish(self, topic: str, payload: bytes) -> None:
        self.client.publish(topic, payload, qos=1).wait_for_publish(WAIT_S)

    def subscribe(self, topic: str) -> None:
        result, _ = self.client.subscribe(topic, qos=1)
        assert result == mqtt.MQTT_ERR_SUCCESS

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


async def start(worker: Worker, source: MqttSource) -> asyncio.Task[WorkerStats]:
    running = asyncio.ensure_future(worker.run())
    async with asyncio.timeout(WAIT_S):
        while not source.subscribed:
            await asyncio.sleep(0.02)
    return running


async def until(check: object) -> None:
    async with asyncio.timeout(WAIT_S):
        while not check():  # type: ignore[operator]
            await asyncio.sleep(0.05)


def make_worker(
    source: MqttSource, graph: GraphStore, history: HistoryStore, feed: MemoryChangeFeed | None,
    codec: object,
) -> Worker:  # fmt: skip
    doc = copy.deepcopy(PIPELINE_DOC)
    doc["identity"]["namespaces"] = ["erp", "mac", "sparkplug"]
    committer = BatchCommitter(
        fusion=Fusion(pipeline_from_document(doc), graph),
        graph=graph,
        history=history,
        feed=feed,
        codec=codec,  # type: ignore[arg-type]
        feed_name=source.feed,
        principal="tester",
        clock=lambda: NOW,
    )
    return Worker(source, committer, WorkerSettings(fetch_timeout_s=0.05))


async def test_plain_json_topics_name_twin_and_signal(
    mqtt_broker: tuple[str, int], mqtt_prefix: str, plant_store: GraphStore, history: HistoryStore
) -> None:
    source = MqttSource(
        MqttSourceSettings(*mqtt_broker, topics=(f"{mqtt_prefix}/#",), prefix=mqtt_prefix)
    )
    worker = make_worker(source, plant_store, history, None, JsonCodec())
    running = await start(worker, source)
    client = Client(mqtt_broker)
    try:
        for i in range(5):
            sample = orjson.dumps({"time": MS + i, "value": i})
            client.publish(f"{mqtt_prefix}/machine/m1/faultCode", sample)
        client.publish(f"{mqtt_prefix}/machine/m2/faultCode", b"{broken")
        await until(lambda: worker.stats.samples_in >= 6)
    finally:
        worker.stop()
        client.close()
        await asyncio.wait_for(running, WAIT_S)
    raw = history.raw(SeriesKey("machine/m1", "faultCode"), START, END)
    assert raw.value.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert plant_store.get_signals("machine/m1")["faultCode"].value == 4.0
    assert worker.stats.rejected == {"malformed": 1}


def spb(*metrics: Metric, seq: int | None, at: int = MS) -> bytes:
    payload = pb.Payload(timestamp=at, metrics=list(metrics))
    if seq is not None:
        payload.seq = seq
    return payload.SerializeToString()


async def test_sparkplug_births_data_rebirth_and_death(
    mqtt_broker: tuple[str, int], mqtt_prefix: str, plant_store: GraphStore, history: HistoryStore
) -> None:
    group, edge = mqtt_prefix, "E1"
    plant_store.add_aliases(
        "machine/m1", [Alias("sparkplug", f"{group}/{edge}/filler")], principal="t"
    )
    source = MqttSource(MqttSourceSettings(*mqtt_broker, topics=(f"spBv1.0/{group}/#",)))
    codec = TopicCodec(SparkplugCodec(on_rebirth=source.request_rebirth), JsonCodec())
    feed = MemoryChangeFeed()
    stream = feed.subscribe()
    worker = make_worker(source, plant_store, history, feed, codec)
    running = await start(worker, source)
    client = Client(mqtt_broker)
    client.subscribe(f"spBv1.0/{group}/NCMD/{edge}")
    node, device = f"spBv1.0/{group}/{{}}/{edge}", f"spBv1.0/{group}/{{}}/{edge}/filler"
    try:
        client.publish(
            node.format("NBIRTH"), spb(Metric(name="bdSeq", datatype=8, long_value=2), seq=0)
        )
        client.publish(
            device.format("DBIRTH"),
            spb(Metric(name="speed", alias=7, datatype=10, double_value=100.0), seq=1),
        )
        client.publish(
            device.format("DDATA"),
            spb(Metric(alias=7, datatype=10, double_value=150.0, timestamp=MS + 10), seq=2),
        )
        await until(lambda: worker.stats.accepted >= 2)
        assert plant_store.get_signals("machine/m1")["speed"].value == 150.0
        # a gap in seq: the host asks the node for a rebirth over NCMD
        client.publish(
            device.format("DDATA"),
            spb(Metric(alias=7, datatype=10, double_value=160.0, timestamp=MS + 20), seq=9),
        )
        await until(lambda: any(t.endswith("/NCMD/E1") for t, _ in client.received))
        (_, command) = next((t, p) for t, p in client.received if t.endswith("/NCMD/E1"))
        rebirth = pb.Payload.FromString(command).metrics[0]
        assert (rebirth.name, rebirth.boolean_value) == ("Node Control/Rebirth", True)
        # the node dies: its signals go stale
        client.publish(
            node.format("NDEATH"),
            spb(Metric(name="bdSeq", datatype=8, long_value=2), seq=None, at=MS + 30),
        )
        await until(lambda: plant_store.get_signals("machine/m1")["speed"].value is None)
    finally:
        worker.stop()
        client.close()
        await asyncio.wait_for(running, WAIT_S)
    raw = history.raw(SeriesKey("machine/m1", "speed"), START, END)
    assert raw.value.tolist() == [100.0, 150.0, 160.0]
    (stale_event,) = history.events(["machine/m1"], START, END, kinds=["feed"]).items
    assert (stale_event.code, stale_event.data) == ("stale", {"signals": ["speed"]})
    changes: list[ChangeSet] = []
    async with asyncio.timeout(WAIT_S):
        async for change in stream:
            changes.append(change)
            if any(c.quality == Quality.STALE for c in change.signals):
                break
    stale = [c for cs in changes for c in cs.signals if c.quality == Quality.STALE]
    assert [(c.twin, c.signal, c.value) for c in stale] == [("machine/m1", "speed", None)]
