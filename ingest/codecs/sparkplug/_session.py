"""The Sparkplug B host side: edge node sessions (births, deaths, seq, bdSeq, aliases) -> Frame.

Topics are ``spBv1.0/<group>/<TYPE>/<edge>[/<device>]``. A metric's twin is
named ``<group>/<edge>/<device>`` (or ``<group>/<edge>`` for node metrics),
which the pipeline resolves through the ``sparkplug`` alias namespace; its
signal is the metric's name (resolved through the pipeline's sources).

- **NBIRTH** starts a session: its ``bdSeq``, its aliases (rebuilt from
  scratch), ``seq``; the node's devices must be born again. **DBIRTH** adds a
  device's aliases. Birth values are samples.
- **NDATA/DDATA**: aliases become names; an unknown alias, or data before any
  birth, refuses the metric (``unknown_signal``) and asks for a rebirth.
- **seq** is shared by the node and its devices (0..255, wrapping). A gap
  starts the Reorder Timeout (``reorder_timeout_s``; spec 5, "Reordering"):
  if every missing ``seq`` arrives before it ends, nothing happens; otherwise
  a rebirth is asked when it ends (at once with a timeout of zero). Messages
  are never held back meanwhile: each is decoded when it arrives (samples
  carry their own event times, and the kernel orders them), so a QoS 1
  message is acknowledged only after its own samples are committed.
- **NDEATH** with the session's ``bdSeq`` (an older one is a late death and is
  ignored) marks every metric of the node and its devices STALE; **DDEATH**
  those of one device: a null sample of quality STALE per metric, which
  history keeps and which state takes as "value unknown".
- Control metrics (``Node Control/*``, ``Device Control/*``, ``bdSeq``) are
  session data, not telemetry.
- ``is_historical`` metrics are marked in ``Frame.historical``: history keeps
  them, live state never takes them.

Rebirth requests go to ``on_rebirth(group, edge)``; the MQTT source publishes
the NCMD. Decoding the same records twice would advance sessions twice, so
the worker decodes each batch once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ingest._errors import IngestError
from ingest.codecs._record import CodecLimits, Decoded, RawRecord, RecordDecoding
from ingest.codecs.sparkplug._payload import (
    NO_ALIAS,
    NO_TIME,
    Payload,
    PayloadError,
    parse_payload,
)
from ingest.frame import FrameBuilder, Kind, RecordReject, RejectReason
from ontology.history import Quality

NAMESPACE = "spBv1.0"
CONTROL_PREFIXES = ("Node Control/", "Device Control/", "Properties/")
BD_SEQ = "bdSeq"
MAX_SESSIONS = 100_000
MAX_REORDER_TIMEOUT_S = 3600.0
_STALE = int(Quality.STALE)


@dataclass
class _Session:
    bd_seq: int | None
    next_seq: int
    aliases: dict[int, tuple[str | None, str]] = field(default_factory=dict)
    """alias -> (device or None, metric name)."""
    metrics: dict[str | None, set[str]] = field(default_factory=dict)
    """device (None: the node) -> metric names born."""
    missing: set[int] = field(default_factory=set)
    """``seq`` numbers skipped and not arrived yet (the reorder timer runs while any are)."""


class SparkplugCodec:
    """Decodes Sparkplug B records (``RawRecord.topic`` set) with the sessions they imply."""

    def __init__(
        self,
        limits: CodecLimits | None = None,
        *,
        on_rebirth: Callable[[str, str], None] | None = None,
        reorder_timeout_s: float = 0.0,
    ) -> None:
        if not 0.0 <= reorder_timeout_s <= MAX_REORDER_TIMEOUT_S:
            msg = (
                f"SparkplugCodec reorder_timeout_s={reorder_timeout_s!r}; "
                f"expected 0 to {MAX_REORDER_TIMEOUT_S:g} seconds"
            )
            raise IngestError(msg)
        self._limits = limits or CodecLimits()
        self._on_rebirth = on_rebirth
        self._sessions: dict[tuple[str, str], _Session] = {}
        self.rebirths_requested = 0
        self.reorder_timeout_s = reorder_timeout_s
        self._lock = threading.Lock()
        """Guards sessions' ``seq`` bookkeeping against the reorder timers' threads."""
        self._timers: dict[tuple[str, str], threading.Timer] = {}

    def decode(self, records: Sequence[RawRecord]) -> Decoded:
        builder = FrameBuilder()
        rejects: list[RecordReject] = []
        for record in records:
            _One(self, builder, rejects, record).decode()
        return Decoded(builder.build(), tuple(rejects))

    def session_known(self, group: str, edge: str) -> bool:
        return (group, edge) in self._sessions

    def waiting(self, group: str, edge: str) -> frozenset[int]:
        """The ``seq`` numbers the node's reorder timer waits for (empty: none)."""
        with self._lock:
            session = self._sessions.get((group, edge))
            return frozenset(session.missing) if session is not None else frozenset()

    def close(self) -> None:
        """Stop every reorder timer (no rebirth is asked after this)."""
        with self._lock:
            timers, self._timers = list(self._timers.values()), {}
        for timer in timers:
            timer.cancel()

    def _rebirth(self, group: str, edge: str) -> None:
        self.rebirths_requested += 1
        if self._on_rebirth is not None:
            self._on_rebirth(group, edge)

    def _sequence(self, group: str, edge: str, session: _Session, seq: int) -> None:
        """Check a message's ``seq`` against the session (see the module docstring)."""
        with self._lock:
            if seq == session.next_seq:
                session.next_seq = (seq + 1) % 256
                return
            if seq in session.missing:  # a late message the timer waits for
                session.missing.discard(seq)
                if not session.missing:
                    self._stop_timer((group, edge))
                return
            gap = (seq - session.next_seq) % 256
            session.missing.update((session.next_seq + k) % 256 for k in range(gap))
            session.next_seq = (seq + 1) % 256
            if self.reorder_timeout_s > 0:
                if (group, edge) not in self._timers:
                    timer = threading.Timer(
                        self.reorder_timeout_s, self._expired, (group, edge, session)
                    )
                    timer.daemon = True
                    self._timers[(group, edge)] = timer
                    timer.start()
                return
            session.missing.clear()
        self._rebirth(group, edge)

    def _expired(self, group: str, edge: str, session: _Session) -> None:
        """The reorder timer ended: a rebirth if messages are still missing."""
        with self._lock:
            if self._timers.get((group, edge)) is not threading.current_thread():
                return  # stopped (the missing messages came, a new birth) or replaced
            del self._timers[(group, edge)]
            current = self._sessions.get((group, edge)) is session
            due = current and bool(session.missing)
            session.missing.clear()
        if due:
            self._rebirth(group, edge)

    def _stop_timer(self, key: tuple[str, str]) -> None:
        timer = self._timers.pop(key, None)
        if timer is not None:
            timer.cancel()


class _One(RecordDecoding):
    """Decoding one record against the codec's sessions."""

    def __init__(
        self,
        codec: SparkplugCodec,
        builder: FrameBuilder,
        rejects: list[RecordReject],
        record: RawRecord,
    ) -> None:
        super().__init__(builder, rejects, record)
        self.codec = codec

    def decode(self) -> None:
        topic = self.record.topic or ""
        levels = topic.split("/")
        if len(levels) not in (4, 5) or levels[0] != NAMESPACE or not all(levels):
            self.refuse(
                RejectReason.BAD_SHAPE,
                f"topic {topic!r:.200}; expected spBv1.0/<group>/<TYPE>/<edge>[/<device>]",
            )
            return
        group, kind, edge = levels[1], levels[2], levels[3]
        device = levels[4] if len(levels) == 5 else None
        if kind in ("NCMD", "DCMD"):
            return  # commands: ours or another host's, not telemetry
        try:
            payload = parse_payload(self.record.payload, self.codec._limits)
        except PayloadError as error:
            self.refuse(error.reason, f"{topic}: {error.detail}")
            return
        handler = {
            "NBIRTH": self.nbirth,
            "DBIRTH": self.dbirth,
            "NDATA": self.data,
            "DDATA": self.data,
            "NDEATH": self.ndeath,
            "DDEATH": self.ddeath,
        }.get(kind)
        if handler is None:
            self.refuse(RejectReason.BAD_SHAPE, f"message type {kind!r} in {topic!r} is unknown")
            return
        for reject in payload.rejects:
            self.refuse(reject.reason, f"{topic} metric {reject.index}: {reject.detail}")
        handler(group, edge, device, payload)

    # ----------------------------------------------------------------- births
    def nbirth(self, group: str, edge: str, device: str | None, payload: Payload) -> None:
        sessions = self.codec._sessions
        if len(sessions) >= MAX_SESSIONS and (group, edge) not in sessions:
            self.refuse(RejectReason.TOO_LARGE, f"more than {MAX_SESSIONS} edge node sessions")
            return
        m = payload.metrics
        bd_seq = None
        for i, name in enumerate(m.name):
            if name == BD_SEQ and m.kind[i] == Kind.NUMBER:
                bd_seq = int(m.value[i])
        session = _Session(bd_seq=bd_seq, next_seq=((payload.seq or 0) + 1) % 256)
        with self.codec._lock:  # a new session: what the old one waited for no longer matters
            sessions[(group, edge)] = session
            self.codec._stop_timer((group, edge))
        self.learn(session, None, payload)
        self.samples(group, edge, None, session, payload)

    def dbirth(self, group: str, edge: str, device: str | None, payload: Payload) -> None:
        session = self.session(group, edge, payload)
        if session is None:
            return
        self.learn(session, device, payload)
        self.samples(group, edge, device, session, payload)

    def learn(self, session: _Session, device: str | None, payload: Payload) -> None:
        m = payload.metrics
        names = session.metrics.setdefault(device, set())
        for i, name in enumerate(m.name):
            if name is None:
                continue
            names.add(name)
            alias = int(m.alias[i])
            if alias != NO_ALIAS:
                session.aliases[alias] = (device, name)

    # ------------------------------------------------------------------- data
    def data(self, group: str, edge: str, device: str | None, payload: Payload) -> None:
        session = self.session(group, edge, payload)
        if session is None:
            return
        self.samples(group, edge, device, session, payload)

    def session(self, group: str, edge: str, payload: Payload) -> _Session | None:
        """The node's session, ``seq`` checked; None (a rebirth asked) if there is none."""
        session = self.codec._sessions.get((group, edge))
        if session is None:
            count = len(payload.metrics)
            if count:
                detail = f"{self.record.topic}: data before a birth; rebirth requested"
                self.refuse(RejectReason.UNKNOWN_SIGNAL, detail, count)
            self.codec._rebirth(group, edge)
            return None
        if payload.seq is not None:
            self.codec._sequence(group, edge, session, payload.seq)
        return session

    def samples(
        self, group: str, edge: str, device: str | None, session: _Session, payload: Payload
    ) -> None:
        m = payload.metrics
        b = self.builder
        position = self.record.position
        unknown = 0
        for i in range(len(m)):
            name = m.name[i]
            owner = device
            if name is None:
                found = session.aliases.get(int(m.alias[i]))
                if found is None:
                    unknown += 1
                    continue
                owner, name = found
            if name == BD_SEQ or name.startswith(CONTROL_PREFIXES):
                continue
            at = int(m.time[i])
            if at == NO_TIME:
                self.refuse(
                    RejectReason.BAD_TIME, f"{self.record.topic}: metric {name!r} has no timestamp"
                )
                continue
            twin = b.twin_code(_twin_name(group, edge, owner))
            signal = b.signal_code(name)
            kind = int(m.kind[i])
            if kind == Kind.TEXT:
                b.add_text(twin, signal, at, str(m.text[i]), 0, position)
            elif kind == Kind.BOOLEAN:
                b.add_boolean(twin, signal, at, bool(m.value[i]), 0, position)
            elif kind == Kind.NULL:
                b.add_null(twin, signal, at, 0, position)
            else:
                b.add_number(twin, signal, at, float(m.value[i]), 0, position)
            if m.historical[i]:
                b.mark_historical()  # history only: never over live state
        if unknown:
            detail = (
                f"{self.record.topic}: {unknown} metric(s) with an unknown alias; rebirth requested"
            )
            self.refuse(RejectReason.UNKNOWN_SIGNAL, detail, unknown)
            self.codec._rebirth(group, edge)

    # ----------------------------------------------------------------- deaths
    def ndeath(self, group: str, edge: str, device: str | None, payload: Payload) -> None:
        session = self.codec._sessions.get((group, edge))
        if session is None:
            return
        m = payload.metrics
        bd_seq = next((int(m.value[i]) for i, name in enumerate(m.name) if name == BD_SEQ), None)
        if session.bd_seq is not None and bd_seq is not None and bd_seq != session.bd_seq:
            return  # a late death of an older session
        at = payload.timestamp if payload.timestamp is not None else None
        for owner in list(session.metrics):
            self.stale(group, edge, owner, session, at)
        with self.codec._lock:
            del self.codec._sessions[(group, edge)]
            self.codec._stop_timer((group, edge))

    def ddeath(self, group: str, edge: str, device: str | None, payload: Payload) -> None:
        session = self.session(group, edge, payload)
        if session is None or device not in session.metrics:
            return
        self.stale(group, edge, device, session, payload.timestamp)
        session.metrics.pop(device, None)
        session.aliases = {a: v for a, v in session.aliases.items() if v[0] != device}

    def stale(
        self, group: str, edge: str, owner: str | None, session: _Session, at: int | None
    ) -> None:
        if at is None:
            self.refuse(RejectReason.BAD_TIME, f"{self.record.topic}: a death without a timestamp")
            return
        b = self.builder
        twin = b.twin_code(_twin_name(group, edge, owner))
        for name in sorted(session.metrics.get(owner, ())):
            if name == BD_SEQ or name.startswith(CONTROL_PREFIXES):
                continue
            b.add_null(twin, b.signal_code(name), at, _STALE, self.record.position)


def _twin_name(group: str, edge: str, device: str | None) -> str:
    return f"{group}/{edge}" if device is None else f"{group}/{edge}/{device}"
