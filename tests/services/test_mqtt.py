"""The test Mosquitto broker delivers a published message to a subscriber (paho-mqtt 2)."""

from __future__ import annotations

import queue
import uuid

import pytest
from paho.mqtt.client import Client, MQTTMessage
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.reasoncodes import ReasonCode

pytestmark = pytest.mark.mqtt

TIMEOUT_S = 10.0


def _client(events: queue.Queue[tuple[str, object]]) -> Client:
    client = Client(CallbackAPIVersion.VERSION2, client_id=f"tw-test-{uuid.uuid4().hex[:8]}")

    def on_connect(_c: Client, _u: object, _f: object, reason: ReasonCode, _p: object) -> None:
        events.put(("connect", reason))

    def on_subscribe(
        _c: Client, _u: object, _mid: int, reasons: list[ReasonCode], _p: object
    ) -> None:
        events.put(("subscribe", reasons))

    def on_message(_c: Client, _u: object, message: MQTTMessage) -> None:
        events.put(("message", (message.topic, message.payload, message.qos)))

    client.on_connect = on_connect
    client.on_subscribe = on_subscribe
    client.on_message = on_message
    return client


def _expect(events: queue.Queue[tuple[str, object]], kind: str) -> object:
    got_kind, value = events.get(timeout=TIMEOUT_S)
    assert got_kind == kind, f"expected {kind}, got {got_kind}: {value!r}"
    return value


def test_publish_subscribe_round_trip(mqtt_broker: tuple[str, int], mqtt_prefix: str) -> None:
    host, port = mqtt_broker
    events: queue.Queue[tuple[str, object]] = queue.Queue()
    subscriber = _client(events)
    assert subscriber.connect(host, port) == MQTTErrorCode.MQTT_ERR_SUCCESS
    subscriber.loop_start()
    publisher = Client(CallbackAPIVersion.VERSION2)
    try:
        reason = _expect(events, "connect")
        assert isinstance(reason, ReasonCode)
        assert not reason.is_failure
        subscriber.subscribe(f"{mqtt_prefix}/#", qos=1)
        _expect(events, "subscribe")

        assert publisher.connect(host, port) == MQTTErrorCode.MQTT_ERR_SUCCESS
        publisher.loop_start()
        info = publisher.publish(f"{mqtt_prefix}/plant/pump-1", b'{"rpm": 1450}', qos=1)
        info.wait_for_publish(timeout=TIMEOUT_S)
        assert info.is_published()

        message = _expect(events, "message")
        assert message == (f"{mqtt_prefix}/plant/pump-1", b'{"rpm": 1450}', 1)
    finally:
        publisher.disconnect()
        publisher.loop_stop()
        subscriber.disconnect()
        subscriber.loop_stop()
