"""The MQTT source (paho-mqtt): plain JSON topics and Sparkplug B, acknowledged after commit.

Plain topics are ``[<prefix>/]<twin levels...>/<signal>``: everything between
the prefix and the last level names the twin (``acme/jkt1/line1/filler1``),
the last level the signal; the payload is a JSON sample (``{"time": ...,
"value": ...}``) or any JSON record the codec reads. Sparkplug B topics
(``spBv1.0/...``) keep their topic for the Sparkplug codec.

Messages are received with QoS 1 and acknowledged (PUBACK) only after the
batch is committed (paho's manual acknowledgement), so a worker that dies
before the commit gets them again from a persistent session.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from ingest._errors import IngestError
from ingest.codecs import SPARKPLUG_PREFIX, RawRecord
from ingest.codecs.sparkplug import sparkplug_b_pb2 as pb
from ingest.sources._source import SourceBatch
from ontology.history import SourceKind, SourcePosition

MAX_QUEUED = 1_000_000
"""Messages held before the worker takes them; beyond it the oldest QoS 0 ones are dropped."""


@dataclass(frozen=True, slots=True)
class MqttSourceSettings:
    host: str
    port: int
    topics: tuple[str, ...] = ("spBv1.0/#",)
    """Subscriptions (QoS 1)."""
    prefix: str = ""
    """Levels stripped from plain topics before they name twin and signal."""
    client_id: str = ""
    """Empty: a random id and a clean session; set: a persistent session under that id."""
    keepalive_s: int = 30

    def __post_init__(self) -> None:
        if not self.host or not 0 < self.port < 65536:
            msg = f"MqttSourceSettings host {self.host!r} port {self.port!r}; expected host:port"
            raise IngestError(msg)
        if not self.topics or any(not t or len(t) > 1024 for t in self.topics):
            msg = f"MqttSourceSettings.topics={self.topics!r}; expected 1 or more subscriptions"
            raise IngestError(msg)


class MqttSource:
    """See the module docstring."""

    def __init__(self, settings: MqttSourceSettings) -> None:
        self._settings = settings
        self._client: mqtt.Client | None = None
        self._queue: deque[tuple[str, bytes, int, int]] = deque()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._arrived: asyncio.Event | None = None
        self._subscribed = threading.Event()
        self._position = 0
        self._unacked: dict[int, list[tuple[int, int]]] = {}

    @property
    def feed(self) -> str:
        return f"mqtt:{self._settings.host}:{self._settings.port}"

    @property
    def exhausted(self) -> bool:
        return False

    @property
    def subscribed(self) -> bool:
        return self._subscribed.is_set()

    async def start(self) -> None:
        s = self._settings
        self._loop = asyncio.get_running_loop()
        self._arrived = asyncio.Event()
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=s.client_id,
            clean_session=not s.client_id,
            manual_ack=True,
        )
        client.on_connect = self._on_connect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        try:
            await asyncio.to_thread(client.connect, s.host, s.port, s.keepalive_s)
        except OSError as error:
            msg = f"MQTT broker at {s.host}:{s.port} cannot be reached ({error}); expected a broker"
            raise IngestError(msg) from None
        client.loop_start()
        self._client = client

    def _on_connect(self, client: mqtt.Client, *args: object) -> None:
        client.subscribe([(topic, 1) for topic in self._settings.topics])

    def _on_subscribe(self, client: mqtt.Client, *args: object) -> None:
        self._subscribed.set()

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        with self._lock:
            if len(self._queue) >= MAX_QUEUED:
                return  # unacknowledged: a QoS 1 message comes again
            self._queue.append((message.topic, bytes(message.payload), message.mid, message.qos))
        if self._loop is not None and self._arrived is not None:
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._arrived.set)

    async def fetch(self, max_records: int, timeout_s: float) -> SourceBatch | None:
        arrived = self._arrived
        if arrived is None:
            msg = "MQTT source is not started; call start() first"
            raise IngestError(msg)
        if not self._queue:
            arrived.clear()
            try:
                await asyncio.wait_for(arrived.wait(), timeout_s)
            except TimeoutError:
                return None
        with self._lock:
            taken = [self._queue.popleft() for _ in range(min(max_records, len(self._queue)))]
        if not taken:
            return None
        first = self._position
        records = tuple(
            self._record(first + i, topic, payload)
            for i, (topic, payload, _, _) in enumerate(taken)
        )
        self._position += len(records)
        self._unacked[first] = [(mid, qos) for _, _, mid, qos in taken]
        return SourceBatch(
            records=records,
            position=SourcePosition(
                kind=SourceKind.MQTT,
                topics=self._settings.topics,
                first_offset=first,
                last_offset=self._position - 1,
            ),
            received_at=datetime.now(UTC),
        )

    def _record(self, position: int, topic: str, payload: bytes) -> RawRecord:
        if topic.startswith(SPARKPLUG_PREFIX):
            return RawRecord(position, payload, topic=topic)
        prefix = self._settings.prefix.strip("/")
        levels = topic.split("/")
        if prefix:
            strip = len(prefix.split("/"))
            levels = levels[strip:] if topic.startswith(prefix + "/") else levels
        twin = "/".join(levels[:-1]) or None
        signal = levels[-1] if len(levels) > 1 else None
        return RawRecord(position, payload, twin=twin, signal=signal, topic=topic)

    async def ack(self, batch: SourceBatch) -> None:
        first = batch.position.first_offset
        client = self._client
        if first is None or client is None:
            return
        for mid, qos in self._unacked.pop(first, ()):
            if qos > 0:
                client.ack(mid, qos)

    def request_rebirth(self, group: str, edge: str) -> None:
        """Publish a Sparkplug NCMD asking the edge node for a rebirth (any thread)."""
        client = self._client
        if client is None:
            return
        metric = pb.Payload.Metric(name="Node Control/Rebirth", datatype=11, boolean_value=True)
        payload = pb.Payload(timestamp=int(datetime.now(UTC).timestamp() * 1000), metrics=[metric])
        client.publish(f"spBv1.0/{group}/NCMD/{edge}", payload.SerializeToString(), qos=0)

    async def stop(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            client.disconnect()
            client.loop_stop()
