"""Sparkplug B through the real Mosquitto: the Reorder Timeout, and historical metrics kept out
of live state."""

from __future__ import annotations

import asyncio

import pytest

from ingest.codecs import JsonCodec, TopicCodec
from ingest.codecs.sparkplug import SparkplugCodec
from ingest.codecs.sparkplug import sparkplug_b_pb2 as pb
from ingest.sources import MqttSource, MqttSourceSettings
from ontology import Alias, GraphStore
from ontology.history import HistoryStore, SeriesKey
from tests.ingest.worker._kafka import WAIT_S
from tests.ingest.worker.test_mqtt import MS, Client, make_worker, spb, start, until
from tests.ingest.worker.test_worker import END, START

pytestmark = pytest.mark.mqtt
Metric = pb.Payload.Metric
REORDER_S = 1.0


def speed(value: float, at: int, *, historical: bool = False) -> Metric:
    return Metric(alias=7, datatype=10, double_value=value, timestamp=at, is_historical=historical)


async def test_reorder_timeout_and_historical_metrics(
    mqtt_broker: tuple[str, int], mqtt_prefix: str, plant_store: GraphStore, history: HistoryStore
) -> None:
    group, edge = mqtt_prefix, "E1"
    plant_store.add_aliases(
        "machine/m1", [Alias("sparkplug", f"{group}/{edge}/filler")], principal="t"
    )
    source = MqttSource(MqttSourceSettings(*mqtt_broker, topics=(f"spBv1.0/{group}/#",)))
    sparkplug = SparkplugCodec(on_rebirth=source.request_rebirth, reorder_timeout_s=REORDER_S)
    worker = make_worker(source, plant_store, history, None, TopicCodec(sparkplug, JsonCodec()))
    running = await start(worker, source)
    client = Client(mqtt_broker)
    client.subscribe(f"spBv1.0/{group}/NCMD/{edge}")
    node, device = f"spBv1.0/{group}/{{}}/{edge}", f"spBv1.0/{group}/{{}}/{edge}/filler"

    def commands() -> int:
        return sum(1 for t, _ in client.received if t.endswith(f"/NCMD/{edge}"))

    try:
        client.publish(
            node.format("NBIRTH"), spb(Metric(name="bdSeq", datatype=8, long_value=1), seq=0)
        )
        client.publish(
            device.format("DBIRTH"),
            spb(Metric(name="speed", alias=7, datatype=10, double_value=100.0), seq=1),
        )
        # seq 3 before seq 2: the host waits for 2, which comes within the timeout
        client.publish(device.format("DDATA"), spb(speed(130.0, MS + 30), seq=3))
        await until(lambda: sparkplug.waiting(group, edge) == {2})
        client.publish(device.format("DDATA"), spb(speed(120.0, MS + 20), seq=2))
        await until(lambda: worker.stats.accepted >= 3)
        assert sparkplug.waiting(group, edge) == frozenset()
        # a historical metric newer than the live value: history only
        client.publish(
            device.format("DDATA"),
            spb(speed(140.0, MS + 40), speed(999.0, MS + 50, historical=True), seq=4),
        )
        await until(lambda: worker.stats.accepted >= 5)
        assert plant_store.get_signals("machine/m1")["speed"].value == 140.0
        # seq 9: 5 to 8 never come; when the timeout ends the host asks for a rebirth
        client.publish(device.format("DDATA"), spb(speed(150.0, MS + 60), seq=9))
        await until(lambda: commands() >= 1)
        (_, command) = next((t, p) for t, p in client.received if t.endswith(f"/NCMD/{edge}"))
        rebirth = pb.Payload.FromString(command).metrics[0]
        assert (rebirth.name, rebirth.boolean_value) == ("Node Control/Rebirth", True)
        assert sparkplug.rebirths_requested == 1  # the gap of seq 2 asked none
        await until(lambda: worker.stats.accepted >= 6)
    finally:
        worker.stop()
        client.close()
        sparkplug.close()
        await asyncio.wait_for(running, WAIT_S)
    raw = history.raw(SeriesKey("machine/m1", "speed"), START, END)
    assert raw.value.tolist() == [100.0, 120.0, 130.0, 140.0, 999.0, 150.0]
    assert plant_store.get_signals("machine/m1")["speed"].value == 150.0
