"""The records every implementation ingests, the rules they apply, and what they must end with.

One Kafka topic, one partition, records keyed by twin, each a JSON object of
columns (``{"columns": {"twin", "signal": [...], "time": [...], "value":
[...]}}``), or with one sample a record the sample itself (``{"twin",
"signal", "time", "value"}``: the one-JSON-sample record of the issue's
(b)). Event times rise across the whole topic and every value is in range,
so the answer does not depend on how an implementation batches: the state
is the last value of each (twin, signal), the mode is the transition table
run over the samples in order, history holds every sample once and one
``mode`` event per transition.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

import numpy as np
import orjson
import yaml

from ingest.pipeline import Pipeline, pipeline_from_document
from ontology import GraphStore, JsonValue, Lifecycle, TwinSpec
from ontology.history import (
    TIME_DTYPE,
    Batch,
    Event,
    HistoryStore,
    Samples,
    SeriesKey,
    SourceKind,
    SourcePosition,
)

T0_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
START = datetime(2025, 1, 1, tzinfo=UTC)
END = datetime(2030, 1, 1, tzinfo=UTC)
MODEL_ID = "dtmi:bench:peers:Machine;1"
MODEL = (
    '{"@context": "dtmi:dtdl:context;3", "@id": "' + MODEL_ID + '", '
    '"@type": "Interface", "contents": []}'
)
SIGNALS = ("speed", "faultCode", "pressure", "vibration")
RANGES = {"speed": [0, 10000], "faultCode": [0, 1000], "pressure": [0, 100], "vibration": [0, 100]}
"""No deadband: every implementation's state is the last value of each key."""
PRE_TWINS = 25
"""Twins of the rows ``Workload.prewrite`` writes (``pre0``...: none of the workload's)."""
PRE_TOPIC = "prewrite"
"""The Kafka topic the pre-written batch names (not the workload's: its offsets stay apart)."""


def pipeline() -> Pipeline:
    """Our signals (ranges, no deadband) and the mode machine of the shipped default pipeline."""
    shipped = resources.files("ingest.pipeline").joinpath("default.yaml").read_text("utf-8")
    mode = yaml.safe_load(shipped)["mode"]
    signals: dict[str, Any] = {name: {"range": r} for name, r in RANGES.items()}
    signals.update({rule["when"]: {} for rule in mode["rules"] if rule["when"] not in signals})
    return pipeline_from_document(
        {
            "version": "bench-peers-1",
            "time": {"max_future": 10 * 365 * 86400, "allowed_lateness": 10 * 365 * 86400},
            "signals": signals,
            "mode": mode,
        }
    )


PAGE = 10_000


class Transition:
    """The business state machine of the article: (mode, sample) -> mode, pure.

    The rules and the table are the pipeline's (the same data our kernel
    runs): the first rule matching the sample gives a symbol, the table the
    next mode; a sample no rule matches leaves the mode.
    """

    def __init__(self) -> None:
        mode = pipeline().mode
        if mode is None:
            msg = "the peers' pipeline has no mode machine"
            raise ValueError(msg)
        self.states = mode.states
        self.initial = mode.initial
        self._index = {s: i for i, s in enumerate(mode.states)}
        symbols = {s: i for i, s in enumerate(mode.symbols)}
        tests: dict[str, Callable[[float, float], bool]] = {
            "gt": lambda v, x: v > x,
            "ge": lambda v, x: v >= x,
            "lt": lambda v, x: v < x,
            "le": lambda v, x: v <= x,
            "eq": lambda v, x: v == x,
            "ne": lambda v, x: v != x,
        }
        self._rules: dict[str, list[tuple[Callable[[float, float], bool], float, int]]] = {}
        for rule in mode.rules:
            bound = float(rule.value)
            self._rules.setdefault(rule.when, []).append(
                (tests[rule.op], bound, symbols[rule.symbol])
            )
        self._next = mode.next_state

    def __call__(self, current: str, signal: str, value: float) -> tuple[str, bool]:
        """The next mode, and whether a rule matched (the mode is then known, if unchanged).

        Like our kernel, a twin gets a mode signal once a rule first matches for
        it, even when the initial mode stays.
        """
        for test, bound, symbol in self._rules.get(signal, ()):
            if test(value, bound):
                return self.states[self._next[self._index[current]][symbol]], True
        return current, False


@dataclass(frozen=True, slots=True)
class Workload:
    """``records`` records of ``per_record`` samples over ``twins`` twins."""

    records: int
    per_record: int
    twins: int
    seed: int = 11

    @property
    def samples(self) -> int:
        return self.records * self.per_record

    def twin_ids(self) -> list[str]:
        return [f"m{i}" for i in range(self.twins)]

    def payloads(self) -> Iterator[tuple[str, bytes]]:
        """``(key, JSON payload)`` of every record, in topic order."""
        rng = np.random.default_rng(self.seed)
        n = self.per_record
        for r in range(self.records):
            twin = f"m{r % self.twins}"
            signal = rng.integers(0, len(SIGNALS), n)
            value = np.where(signal == 0, rng.choice([0.0, 1500.0], n, p=[0.05, 0.95]), 0.0)
            value = np.where(signal == 1, rng.choice([0.0, 7.0], n, p=[0.98, 0.02]), value)
            value = np.where(signal == 2, np.round(6 + rng.standard_normal(n), 3), value)
            value = np.where(signal == 3, np.round(np.abs(1 + rng.standard_normal(n)), 3), value)
            columns = {
                "twin": twin,
                "signal": [SIGNALS[s] for s in signal.tolist()],
                "time": list(range(T0_MS + r * n, T0_MS + (r + 1) * n)),
                "value": value.tolist(),
            }
            yield twin, orjson.dumps({"columns": columns} if n > 1 else _sample(columns))

    def plant(self, store: GraphStore) -> None:
        """The twins the records name, active, in ``store``."""
        store.add_models([MODEL], principal="bench")
        specs = [TwinSpec(t, MODEL_ID, lifecycle=Lifecycle.ACTIVE) for t in self.twin_ids()]
        store.upsert_twins(specs, principal="bench")

    def prewrite(self, history: HistoryStore) -> int:
        """A running worker's tables: one batch of other twins' samples (``PRE_TWINS`` twins,
        every signal, the minute before the records' first time and that time itself, so
        nothing pre-written is later than a record), one mode event and a batch record
        naming an offset of another topic, written through ``history`` and read back (the
        server has applied it). The timed batches then write into tables that already hold
        rows (QuestDB: past each table's first commit, in the records' day partition; the
        closed tier rows in the day before) as a running worker does, not a fresh store's
        first commits. The digest reads the workload's twins only. Returns the samples."""
        twins = [f"pre{i}" for i in range(PRE_TWINS) for _ in SIGNALS for _ in range(2)]
        signals = [s for _ in range(PRE_TWINS) for s in SIGNALS for _ in range(2)]
        ms = [T0_MS - 60_000, T0_MS] * (PRE_TWINS * len(SIGNALS))
        samples = Samples(
            twin=np.array(twins, dtype=object),
            signal=np.array(signals, dtype=object),
            time=(np.array(ms, dtype=np.int64) * 1000).view(TIME_DTYPE),
            value=np.ones(len(ms)),
        )
        first = datetime.fromtimestamp(T0_MS // 1000, UTC)
        batch = Batch(
            id=uuid.uuid4().hex,
            sources=(SourcePosition(SourceKind.KAFKA, PRE_TOPIC, 0, 0, 0),),
            received_at=datetime.now(UTC),
            pipeline_version="bench-prewrite",
            model_versions=(),
            principal="bench",
            count_in=len(ms),
            accepted=len(ms),
        )
        event = Event("pre0", first, "mode", "STOP->RUNNING", batch=batch.id)
        history.write_batch(batch, samples, [event])
        back = history.raw(SeriesKey("pre0", SIGNALS[0]), first - timedelta(minutes=1), END)
        if len(back) != 2:
            msg = f"the pre-written series read back {len(back)} samples; expected 2"
            raise RuntimeError(msg)
        return len(ms)


@dataclass(frozen=True, slots=True)
class Digest:
    """What a run left in the stores, reduced to comparable hashes and counts."""

    state: str
    history: str
    rows: int
    events: str
    event_count: int

    def to_json(self) -> dict[str, JsonValue]:
        return {
            "state": self.state,
            "history": self.history,
            "rows": self.rows,
            "events": self.events,
            "event_count": self.event_count,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Digest:
        return cls(
            str(doc["state"]),
            str(doc["history"]),
            int(doc["rows"]),
            str(doc["events"]),
            int(doc["event_count"]),
        )


def digest(work: Workload, graph: GraphStore, history: HistoryStore) -> Digest:
    """Read every twin's state, every series and every mode event back through the contracts."""
    twins = work.twin_ids()
    state = hashlib.sha256()
    for twin in twins:
        for name, value in sorted(graph.get_signals(twin).items()):
            state.update(orjson.dumps([twin, name, value.value]))
    rows, series = 0, hashlib.sha256()
    for twin in twins:
        for signal in SIGNALS:
            raw = history.raw(SeriesKey(twin, signal), START, END, limit=work.samples)
            times = raw.time.astype("int64").tolist()
            rows += len(times)
            series.update(orjson.dumps([twin, signal, times, raw.value.tolist()]))
    moves: list[tuple[str, int, str]] = []
    after = None
    while True:
        page = history.events(twins, START, END, kinds=["mode"], first=PAGE, after=after)
        moves.extend((e.twin, _us(e.time), e.code) for e in page.items)
        after = page.next_cursor
        if after is None:
            break
    events = hashlib.sha256(orjson.dumps(sorted(moves)))
    return Digest(state.hexdigest(), series.hexdigest(), rows, events.hexdigest(), len(moves))


def _sample(columns: dict[str, Any]) -> dict[str, Any]:
    """One sample's columns as the sample record ``{"twin", "signal", "time", "value"}``."""
    return {
        "twin": columns["twin"],
        "signal": columns["signal"][0],
        "time": columns["time"][0],
        "value": columns["value"][0],
    }


def columns_of(record: dict[str, Any]) -> dict[str, Any]:
    """A record's samples as columns, whichever of the two shapes it has."""
    columns: dict[str, Any] | None = record.get("columns")
    if columns is not None:
        return columns
    return {
        "twin": record["twin"],
        "signal": [record["signal"]],
        "time": [record["time"]],
        "value": [record["value"]],
    }


def _us(moment: datetime) -> int:
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond


def differences(name: str, got: Digest, want: Digest) -> Sequence[str]:
    """What differs between ``got`` (implementation ``name``) and ``want`` (the records')."""
    out = []
    for field in ("state", "history", "rows", "events", "event_count"):
        if getattr(got, field) != getattr(want, field):
            out.append(
                f"{name}: {field} {getattr(got, field)!r}, expected {getattr(want, field)!r}"
            )
    return out


def expected(work: Workload) -> Digest:
    """The digest the records imply, computed from the generator alone (no store, no framework)."""
    transition = Transition()
    last: dict[str, dict[str, float | str]] = {}
    series: dict[tuple[str, str], tuple[list[int], list[float]]] = {}
    moves: list[tuple[str, int, str]] = []
    mode: dict[str, str] = {}
    for _, payload in work.payloads():
        columns = columns_of(orjson.loads(payload))
        twin = columns["twin"]
        for name, ms, value in zip(
            columns["signal"], columns["time"], columns["value"], strict=True
        ):
            last.setdefault(twin, {})[name] = value
            times, values = series.setdefault((twin, name), ([], []))
            times.append(ms * 1000)
            values.append(value)
            before = mode.get(twin, transition.initial)
            after, matched = transition(before, name, value)
            if after != before or (matched and twin not in mode):
                mode[twin] = after
                last[twin]["mode"] = after
            if after != before:
                moves.append((twin, ms * 1000, f"{before}->{after}"))
    state, history, rows = hashlib.sha256(), hashlib.sha256(), 0
    for twin in work.twin_ids():
        for name, value in sorted(last.get(twin, {}).items()):
            state.update(orjson.dumps([twin, name, value]))
        for signal in SIGNALS:
            times, values = series.get((twin, signal), ([], []))
            rows += len(times)
            history.update(orjson.dumps([twin, signal, times, values]))
    events = hashlib.sha256(orjson.dumps(sorted(moves)))
    return Digest(state.hexdigest(), history.hexdigest(), rows, events.hexdigest(), len(moves))
