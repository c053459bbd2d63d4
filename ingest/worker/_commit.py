"""One batch, end to end and synchronously: decode, fuse, then commit to every store in order.

``prepare`` decodes and fuses a batch and lets the kernel remember it; ``commit``
then writes it, in the order that is the delivery guarantee: history (samples,
events, rejects and the Batch record, written last) -> graph state (changed keys
only) -> rollups of the changed twins -> the change feed. History and the state
write run side by side, the state committing only after history (``_overlap``).
The caller acknowledges the source only after ``commit`` returns. If a store
fails, nothing after it runs and the batch stays prepared, so the same batch can
be committed again (history keeps one copy of each sample and event). The worker
prepares batch N+1 while batch N is being written; batches are written in the
order they were prepared, and a committer whose prepared batches are given up
(``discard``) takes no more.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

import numpy as np
import numpy.typing as npt

from ingest._errors import IngestError
from ingest.codecs import Codec, Decoded
from ingest.frame import Kind
from ingest.pipeline import REASONS, Fused, Fusion
from ingest.sources import SourceBatch
from ingest.worker._overlap import HistoryBeside
from ingest.worker._sizing import BatchShape
from ingest.worker._warming import WarmBeside
from ontology import GraphStore, JsonValue, SignalUpdate
from ontology.changefeed import ChangeFeed, SignalChange
from ontology.history import (
    MAX_RAW_BYTES,
    TIME_DTYPE,
    Batch,
    Event,
    HistoryStore,
    Quality,
    Reject,
    Samples,
    SourceKind,
)

MAX_REJECTS_KEPT = 1000
"""Reject records written per batch and reason (the counts are always exact)."""
KEPT = 2
"""Batches held decoded or prepared at once: the one being written and the next."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_BATCH_IDS = uuid.UUID("6f1d0c3e-3b0a-4b8e-9a51-2f4f6f0b9d11")


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    """What one committed batch did."""

    batch: str
    records: int
    count_in: int
    accepted: int
    rejected: dict[str, int]
    state_updates: int
    events: int
    cursor: str | None
    state_only: bool
    keys: int = 0
    """The distinct (twin, signal) keys the batch's samples touched (a history series
    each, written or not to state)."""
    rejects: tuple[Reject, ...] = ()
    """The reject records history was given (each names its record's place, what was
    wrong and the record's start; at most ``MAX_REJECTS_KEPT`` per reason)."""


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A batch decoded, fused and remembered by the kernel, waiting for its write."""

    source: SourceBatch
    fused: Fused
    batch_id: str
    count_in: int
    rejected: dict[str, int]
    events: list[Event]
    history: Callable[[], None] | None
    updates: Callable[[], list[SignalUpdate]]
    rejects: tuple[Reject, ...]


class BatchCommitter:
    """Decodes, fuses and commits batches for one feed (see the module docstring)."""

    def __init__(
        self,
        *,
        fusion: Fusion,
        graph: GraphStore,
        history: HistoryStore,
        feed: ChangeFeed | None,
        codec: Codec,
        feed_name: str,
        principal: str,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.fusion = fusion
        self.graph = graph
        self.history = history
        self.feed = feed
        self.codec = codec
        self.feed_name = feed_name
        self.principal = principal
        self._clock = clock or (lambda: datetime.now(UTC))
        self._decoded: list[tuple[SourceBatch, Decoded]] = []
        self._prepared: list[_Prepared] = []
        """Batches remembered by the kernel and not yet written, oldest first."""
        self._ahead: str | None = None
        """Why no batch is taken any more (``discard``), if so."""
        self._beside = HistoryBeside()
        self._warm = WarmBeside()

    def decode(self, source: SourceBatch) -> Decoded:
        """Each batch is decoded once, retries included (a stateful codec must not see it twice)."""
        for held, decoded in self._decoded:
            if held is source:
                return decoded
        decoded = self.codec.decode(source.records)
        self._decoded = [*self._decoded[1 - KEPT :], (source, decoded)]
        return decoded

    def prepare(self, source: SourceBatch) -> BatchShape:
        """Decode and fuse ``source`` and remember it in the kernel, ready for its write;
        return what it holds (the worker sizes the next fetch by it).

        The worker prepares the next batch while this one is being written, so the
        kernel remembers a batch before the stores hold it: a batch once prepared
        must be written (``commit`` does, retried as often as it takes) before the
        next one is, or the committer given up with ``discard``. Preparing the same
        batch again does nothing.
        """
        if self._ahead is not None:
            raise IngestError(self._ahead)
        for held in self._prepared:
            if held.source is source:
                return _shape(held.source, held.fused)
        if len(self._prepared) >= KEPT:
            msg = (
                f"BatchCommitter.prepare: {len(self._prepared)} batches prepared and not written; "
                f"expected at most {KEPT - 1} ahead of the one being written"
            )
            raise IngestError(msg)
        # the record keys' twins (and their stored state) read meanwhile: see ``_warming``
        decoded = self._warm.decode(source.records, partial(self.decode, source), self.fusion.warm)
        now = self._clock()
        fused = self.fusion.fuse(decoded.frame, _micros(now))
        batch_id = batch_id_of(source)
        twins = self.fusion.twins.names()
        signals = self.fusion.signals.name_array
        counts = Counter({str(r.reason): 0 for r in decoded.rejects})
        for reject in decoded.rejects:
            counts[str(reject.reason)] += reject.count
        counts.update(fused.reject_counts())
        count_in = len(decoded.frame) + sum(r.count for r in decoded.rejects)
        events = self._events(fused, twins, batch_id)
        events.extend(self._stale_events(fused, twins, signals, batch_id))
        write_history: Callable[[], None] | None = None
        rejects: list[Reject] = []
        if not source.state_only:
            batch = Batch(
                id=batch_id,
                sources=(source.position,),
                received_at=source.received_at,
                pipeline_version=self.fusion.pipeline.version,
                model_versions=self.fusion.identity.models(_distinct(fused.twin)),
                principal=self.principal,
                count_in=count_in,
                accepted=len(fused.time) - fused.derived_rows,
                rejected=dict(counts),
            )
            rejects = (
                [] if source.rejects_held else self._rejects(source, decoded, fused, batch_id, now)
            )
            write_history = partial(
                self.history.write_batch, batch, _samples(fused, twins, signals), events, rejects
            )
        # remembered now, so the next batch can be fused while this one is written
        self.fusion.commit(fused)
        self._decoded = [(held, d) for held, d in self._decoded if held is not source]
        self._prepared.append(
            _Prepared(
                source,
                fused,
                batch_id,
                count_in,
                dict(counts),
                events,
                write_history,
                partial(self._updates, fused, twins, signals, batch_id),
                tuple(rejects),
            )
        )
        return _shape(source, fused)

    def commit(self, source: SourceBatch) -> BatchOutcome:
        """Prepare ``source`` (if it is not yet) and write it to every store, in order.

        A store that fails raises; calling ``commit`` again with the same batch
        writes it again (history keeps one copy of each sample and event).
        """
        self.prepare(source)
        ready = next(held for held in self._prepared if held.source is source)
        if self._prepared[0] is not ready:
            msg = (
                f"BatchCommitter.commit: batch {ready.batch_id} was prepared after batch "
                f"{self._prepared[0].batch_id}, which is not written yet; expected them in order"
            )
            raise IngestError(msg)
        declared: list[bool] = []

        def rollups_declared() -> None:
            """Whether rollups are declared: read once the state rows are sent, while history
            is still being written (a Neo4j round trip, planned afresh by a new store: not on
            the rows' path, which under load can outlast history); a declared rollup is seen
            at most ``model_recheck_ms`` late either way."""
            declared.append(bool(self.graph.rollups()))

        made = self._beside.write(ready.history, self.graph, ready.updates, rollups_declared)
        if made and (declared[-1] if declared else bool(self.graph.rollups())):
            self.graph.recompute_rollups(sorted({u.twin for u in made}))
        fused = ready.fused
        cursor = None
        if self.feed is not None and (made or ready.events):
            qualities = [
                *fused.quality[fused.update].tolist(),
                *[0] * (len(made) - len(fused.update)),
            ]
            changes = [
                SignalChange(u.twin, u.signal, u.value, u.time, q, ready.batch_id)
                for u, q in zip(made, qualities, strict=True)
            ]
            cursor = self.feed.publish(ready.batch_id, changes, ready.events)
        self._prepared.pop(0)
        shape = _shape(source, fused)
        return BatchOutcome(
            batch=ready.batch_id,
            records=shape.records,
            count_in=ready.count_in,
            accepted=shape.samples,
            rejected=ready.rejected,
            state_updates=len(made),
            events=len(ready.events),
            cursor=cursor,
            state_only=source.state_only,
            keys=shape.keys,
            rejects=ready.rejects,
        )

    def reload(self) -> None:
        """Fuse the next batch against the state the stores hold, not the kernel's memory
        (``Fusion.reload``): another worker may have moved it (a partition handed back).
        Only between batches: with a batch prepared and not written it raises
        ``IngestError`` (the stores would not hold what the kernel remembers of it)."""
        if self._prepared:
            ids = ", ".join(held.batch_id for held in self._prepared)
            msg = f"BatchCommitter.reload: batches {ids} are prepared and not written yet"
            raise IngestError(msg)
        self.fusion.reload()

    def discard(self) -> None:
        """Give up the batches prepared and not written (the worker stopped while a store was
        down). The kernel remembers them, so this committer refuses any further batch: a new
        one reads the state from the stores again."""
        if self._prepared:
            ids = ", ".join(held.batch_id for held in self._prepared)
            self._ahead = (
                f"BatchCommitter: batches {ids} were prepared and never written; expected a new "
                "BatchCommitter (its kernel remembers what the stores do not hold)"
            )
            self._prepared = []

    # --------------------------------------------------------------- building
    def _events(self, fused: Fused, twins: npt.NDArray[np.object_], batch_id: str) -> list[Event]:
        states = self.fusion.mode_names()
        moves = fused.moves
        codes: dict[tuple[int, int], str] = {}  # a batch has thousands of moves, few kinds
        for move in zip(moves.before.tolist(), moves.after.tolist(), strict=True):
            if move not in codes:
                codes[move] = f"{states[move[0]]}->{states[move[1]]}"
        # positional, each field given: about a third less than keywords and the defaults'
        # factory, for the thousands of mode events of a batch (built before its history write)
        mode_events = [
            Event(str(twin), _moment(at), "mode", codes[before, after], "", {}, batch_id)
            for twin, at, before, after in zip(
                twins[moves.twin],
                moves.time.tolist(),
                moves.before.tolist(),
                moves.after.tolist(),
                strict=True,
            )
        ]
        return mode_events + [
            Event(
                twin=str(twins[e.twin]),
                time=_moment(e.time),
                kind=e.kind,
                code=e.code,
                message=e.message,
                data={k: _json(v) for k, v in e.data.items()},
                batch=batch_id,
            )
            for e in fused.events
        ]

    def _stale_events(
        self,
        fused: Fused,
        twins: npt.NDArray[np.object_],
        signals: npt.NDArray[np.object_],
        batch_id: str,
    ) -> list[Event]:
        """One ``feed``/``stale`` event per twin whose signals went stale (a Sparkplug death)."""
        rows = np.flatnonzero((fused.kind == Kind.NULL) & (fused.quality == Quality.STALE))
        events = []
        for twin in np.unique(fused.twin[rows]).tolist():
            mine = rows[fused.twin[rows] == twin]
            names = sorted({str(signals[s]) for s in fused.signal[mine].tolist()})
            events.append(
                Event(
                    twin=str(twins[twin]),
                    time=_moment(int(fused.time[mine].max())),
                    kind="feed",
                    code="stale",
                    message=f"{len(names)} signal(s) stale: their source died",
                    data={"signals": list[JsonValue](names)},
                    batch=batch_id,
                )
            )
        return events

    def _updates(
        self,
        fused: Fused,
        twins: npt.NDArray[np.object_],
        signals: npt.NDArray[np.object_],
        batch_id: str,
    ) -> list[SignalUpdate]:
        rows = fused.update
        kinds = fused.kind[rows].tolist()
        values = fused.value[rows].tolist()
        texts = fused.text[rows].tolist()
        updates = [
            SignalUpdate(
                twin=str(twin),
                signal=str(signal),
                value=_value(kind, value, text),
                time=_moment(at),
                batch=batch_id,
            )
            for twin, signal, at, kind, value, text in zip(
                twins[fused.twin[rows]],
                signals[fused.signal[rows]],
                fused.time[rows].tolist(),
                kinds,
                values,
                texts,
                strict=True,
            )
        ]
        mode = self.fusion.pipeline.mode
        if mode is not None:
            states = self.fusion.mode_names()
            changed = fused.mode_changed
            updates.extend(
                SignalUpdate(str(twins[t]), mode.signal, str(states[s]), _moment(at), batch_id)
                for t, s, at in zip(
                    fused.mode_twin[changed].tolist(),
                    fused.mode_state[changed].tolist(),
                    fused.mode_time[changed].tolist(),
                    strict=True,
                )
            )
        return updates

    def _rejects(
        self,
        source: SourceBatch,
        decoded: Decoded,
        fused: Fused,
        batch_id: str,
        now: datetime,
    ) -> list[Reject]:
        if not decoded.rejects and not fused.reject_rows.shape[0]:
            return []  # the common case: no record-by-record map of payloads to build
        payloads = {r.position: r.payload for r in source.records}
        kept: Counter[str] = Counter()
        out: list[Reject] = []
        # only a Kafka offset names one record for good: MQTT, simulator and in-memory
        # positions count from 0 again in each process, so there a reject is its batch's
        named = source.position.kind is SourceKind.KAFKA

        def add(reason: str, position: int, detail: str, item: int) -> None:
            if kept[reason] >= MAX_REJECTS_KEPT:
                return
            kept[reason] += 1
            out.append(
                Reject(
                    batch=batch_id,
                    feed=self.feed_name,
                    reason=reason,
                    time=now,
                    source=source.position,
                    offset=position,
                    detail=detail,
                    raw=payloads.get(position, b"")[:MAX_RAW_BYTES],
                    item=item if named else None,
                )
            )

        refusals: Counter[int] = Counter()  # a codec's refusals of each record so far
        for reject in decoded.rejects:
            refusals[reject.position] += 1
            add(str(reject.reason), reject.position, reject.detail, -refusals[reject.position])
        frame = decoded.frame
        items = _items_in_record(frame.position) if fused.reject_rows.shape[0] else frame.position
        for row, code in zip(fused.reject_rows.tolist(), fused.reject_code.tolist(), strict=True):
            reason = str(REASONS[code - 1])
            if kept[reason] < MAX_REJECTS_KEPT:
                detail = (
                    f"twin {frame.twins[frame.twin[row]]!r}, signal "
                    f"{frame.signals[frame.signal[row]]!r} at {_moment(int(frame.time[row]))}"
                )
                add(reason, int(frame.position[row]), detail, int(items[row]))
        return out


def _items_in_record(positions: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Each row's index among the rows of its record (the rows of equal ``positions``, in
    their order): what names a refused sample whatever batch its record came in."""
    if not len(positions):
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(positions, kind="stable")
    ranked = positions[order]
    starts = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]])
    first = np.repeat(starts, np.diff(np.r_[starts, len(ranked)]))
    items = np.empty(len(positions), dtype=np.int64)
    items[order] = np.arange(len(positions)) - first
    return items


def batch_id_of(source: SourceBatch) -> str:
    """The same id for the same fetched batch (a retry after a store failed), new otherwise."""
    p = source.position
    where = f"{p.kind}|{p.topic}|{p.partition}|{p.path}|{p.first_offset}|{p.last_offset}"
    return uuid.uuid5(_BATCH_IDS, f"{where}|{source.received_at.isoformat()}").hex


def _samples(
    fused: Fused, twins: npt.NDArray[np.object_], signals: npt.NDArray[np.object_]
) -> Samples:
    """History's rows: every value (a null sample, e.g. a stale mark, is no value: an event)."""
    keep = fused.kind != Kind.NULL
    rows = slice(None) if keep.all() else np.flatnonzero(keep)
    kind = fused.kind[rows]
    return Samples(
        twin=twins[fused.twin[rows]],
        signal=signals[fused.signal[rows]],
        time=fused.time[rows].view(TIME_DTYPE),
        value=fused.value[rows],
        text=fused.text[rows] if (kind == Kind.TEXT).any() else None,
        quality=fused.quality[rows],
    )


def _shape(source: SourceBatch, fused: Fused) -> BatchShape:
    return BatchShape(len(source.records), len(fused.time) - fused.derived_rows, len(fused.seen))


def _distinct(twins: npt.NDArray[np.int32]) -> list[int]:
    """The distinct twin indexes (dense, from 0): a count, not a sort."""
    if not twins.shape[0]:
        return []
    distinct: list[int] = np.flatnonzero(np.bincount(twins)).tolist()
    return distinct


def _value(kind: int, value: float, text: object) -> JsonValue:
    if kind == Kind.NULL:
        return None
    if kind == Kind.TEXT:
        return str(text)
    if kind == Kind.BOOLEAN:
        return value != 0.0
    return value


def _json(value: object) -> JsonValue:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _moment(micros: int) -> datetime:
    """The aware UTC time of ``micros`` µs since the epoch, exactly (one addition: about half
    the cost of ``fromtimestamp(...).replace(...)``, called once per changed key and event)."""
    return _EPOCH + timedelta(microseconds=micros)


def _micros(moment: datetime) -> int:
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
