"""``range`` reads of concurrent requests for one window (and ``as_of`` reads for one time)
share a store call, answers unchanged.

The history store (the embedded DuckDB store in memory, and the real QuestDB,
marked ``questdb``) holds an hour of 1 Hz ``power`` samples of four machines.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import numpy as np
import pytest
from starlette.testclient import TestClient

import ontology
from ontology.history import (
    Agg,
    AsOf,
    Batch,
    HistoryInputError,
    HistoryStore,
    Samples,
    Series,
    SeriesKey,
    SourceKind,
    SourcePosition,
)
from server import ServerError, ServerSettings, create_app
from server.graphql._range_batcher import RangeBatcher, Window
from tests.server.graphql.conftest import HISTORY_STORES, close_history, load_plant, open_history

TWINS = [
    "acme/jkt1/machining/cell1/cmm1",
    "acme/jkt1/machining/cell1/lathe1",
    "acme/jkt1/machining/cell1/mill1",
    "acme/jkt1/packaging/line1/filler1",
]
START = (datetime.now(UTC) - timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)
SECONDS = 3600
WINDOW: Window = (START, START + timedelta(hours=1), timedelta(minutes=1), (Agg.MEAN, Agg.MAX))
AT = START + timedelta(minutes=20, seconds=30)


@pytest.fixture(scope="module", params=HISTORY_STORES)
def history(request: pytest.FixtureRequest) -> Iterator[HistoryStore]:
    store = open_history(request)
    times = np.datetime64(START.replace(tzinfo=None), "us") + np.arange(SECONDS).astype(
        "timedelta64[s]"
    )
    samples = Samples(
        twin=np.array([t for t in TWINS for _ in range(SECONDS)], dtype=object),
        signal=np.array(["power"] * (SECONDS * len(TWINS)), dtype=object),
        time=np.tile(times, len(TWINS)),
        value=np.concatenate(
            [np.sin(np.arange(SECONDS) / (50.0 + i)) * (i + 1) for i in range(len(TWINS))]
        ),
    )
    source = (SourcePosition(SourceKind.FILE, path="test", first_offset=0, last_offset=0),)
    count = len(samples.twin)
    store.write_batch(Batch("batch-ranges", source, START, "test", (), "t", count, count), samples)
    yield store
    close_history(store)


class Watched:
    """The history store, its ``range`` calls counted; with ``hold`` set, a call waits for
    ``release``; a call naming ``refuse`` fails as a store refuses bad input."""

    def __init__(self, store: HistoryStore, *, hold: bool = False, refuse: str = "") -> None:
        self.store = store
        self.calls: Counter[int] = Counter()
        self.as_of_calls: Counter[int] = Counter()
        self.entered = threading.Event()
        self.release = threading.Event()
        if not hold:
            self.release.set()
        self.refuse = refuse

    def range(self, keys: Sequence[SeriesKey], *args: Any) -> tuple[Series, ...]:
        self.calls[len(keys)] += 1
        self.entered.set()
        self.release.wait(timeout=30)
        if any(k.twin == self.refuse for k in keys):
            msg = f"twin: {self.refuse!r} is refused"
            raise HistoryInputError(msg)
        return self.store.range(keys, *args)

    def as_of(self, keys: Sequence[SeriesKey], at: datetime) -> AsOf:
        self.as_of_calls[len(keys)] += 1
        if any(k.twin == self.refuse for k in keys):
            msg = f"twin: {self.refuse!r} is refused"
            raise HistoryInputError(msg)
        return self.store.as_of(keys, at)


def _keys(*twins: str) -> list[SeriesKey]:
    return [SeriesKey(t, "power") for t in twins]


def _same(got: Sequence[Series], alone: Sequence[Series]) -> None:
    assert [s.key for s in got] == [s.key for s in alone]
    for mine, theirs in zip(got, alone, strict=True):
        assert np.array_equal(mine.start, theirs.start)
        assert mine.values.keys() == theirs.values.keys()
        for agg in mine.values:
            assert np.array_equal(mine.values[agg], theirs.values[agg], equal_nan=True)


def _same_rows(got: AsOf, alone: AsOf) -> None:
    for name in ("twin", "signal", "found", "text", "quality", "batch"):
        assert getattr(got, name).tolist() == getattr(alone, name).tolist()
    assert np.array_equal(got.time, alone.time, equal_nan=True)
    assert np.array_equal(got.value, alone.value, equal_nan=True)


def _alone(history: HistoryStore, keys: Sequence[SeriesKey]) -> tuple[Series, ...]:
    start, end, interval, aggs = WINDOW
    return history.range(keys, start, end, interval, list(aggs))


async def test_reads_of_one_window_in_one_step_are_one_store_call(history: HistoryStore) -> None:
    watched = Watched(history)
    batcher = RangeBatcher(watched)  # type: ignore[arg-type]
    asks = [_keys(TWINS[i % 4], TWINS[(i + 1) % 4]) for i in range(12)] + [_keys("nobody")]
    got = await asyncio.gather(*(batcher.range(keys, WINDOW) for keys in asks))
    assert watched.calls == Counter({5: 1})  # the four twins and the unknown one, each once
    for keys, series in zip(asks, got, strict=True):
        _same(series, _alone(history, keys))
    assert got[-1][0].start.size == 0
    assert got[0][0].start.size == 60


async def test_reads_made_while_one_is_in_flight_go_together_next(history: HistoryStore) -> None:
    watched = Watched(history, hold=True)
    batcher = RangeBatcher(watched)  # type: ignore[arg-type]
    first = asyncio.ensure_future(batcher.range(_keys(TWINS[0]), WINDOW))
    while not watched.entered.is_set():
        await asyncio.sleep(0.001)
    later = [asyncio.ensure_future(batcher.range(_keys(t), WINDOW)) for t in TWINS[1:]]
    await asyncio.sleep(0.01)
    assert watched.calls == Counter({1: 1})  # the later ones wait for the first
    watched.release.set()
    got = await asyncio.gather(first, *later)
    assert watched.calls == Counter({1: 1, 3: 1})
    for twin, series in zip(TWINS, got, strict=True):
        _same(series, _alone(history, _keys(twin)))


async def _held(
    history: HistoryStore, twins: Sequence[str]
) -> tuple[Watched, RangeBatcher, list[asyncio.Task[tuple[Series, ...]]]]:
    """A batcher whose first round, reads of each of ``twins`` made in one step, is held
    in the store."""
    watched = Watched(history, hold=True)
    batcher = RangeBatcher(watched)  # type: ignore[arg-type]
    reads = [asyncio.ensure_future(batcher.range(_keys(t), WINDOW)) for t in twins]
    while not watched.entered.is_set():
        await asyncio.sleep(0.001)
    return watched, batcher, reads


async def test_the_next_round_starts_when_one_ends_without_the_event_loop(
    history: HistoryStore,
) -> None:
    watched, batcher, (first,) = await _held(history, TWINS[:1])
    second = asyncio.ensure_future(batcher.range(_keys(TWINS[1]), WINDOW))
    await asyncio.sleep(0)  # it joins the next round
    watched.entered.clear()
    watched.release.set()
    # the event loop is held here: the second round starts all the same, on the thread
    assert watched.entered.wait(timeout=30)
    got = await asyncio.gather(first, second)
    assert watched.calls == Counter({1: 2})
    for twin, series in zip(TWINS[:2], got, strict=True):
        _same(series, _alone(history, _keys(twin)))


async def test_other_windows_are_other_calls(history: HistoryStore) -> None:
    watched = Watched(history)
    batcher = RangeBatcher(watched)  # type: ignore[arg-type]
    start, end, _, aggs = WINDOW
    hourly: Window = (start, end, timedelta(hours=1), aggs)
    minute, hour = await asyncio.gather(
        batcher.range(_keys(TWINS[0]), WINDOW), batcher.range(_keys(TWINS[0]), hourly)
    )
    assert watched.calls == Counter({1: 2})
    assert minute[0].start.size == 60
    assert hour[0].start.size == 1
    assert hour[0].values[Agg.MAX][0] == pytest.approx(float(np.max(minute[0].values[Agg.MAX])))


@pytest.mark.parametrize("kind", ["range", "as_of"])
async def test_a_refused_shared_call_is_made_again_alone_for_each(
    history: HistoryStore, kind: str
) -> None:
    watched = Watched(history, refuse=TWINS[3])
    batcher = RangeBatcher(watched)  # type: ignore[arg-type]

    async def read(keys: list[SeriesKey]) -> Any:
        return await (batcher.range(keys, WINDOW) if kind == "range" else batcher.as_of(keys, AT))

    results: tuple[Any, Any] = await asyncio.gather(
        read(_keys(TWINS[0], TWINS[1])), read(_keys(TWINS[2], TWINS[3])), return_exceptions=True
    )
    got, refused = results
    assert isinstance(refused, HistoryInputError)
    assert TWINS[3] in str(refused)
    assert not isinstance(got, BaseException)
    if kind == "range":
        _same(got, _alone(history, _keys(TWINS[0], TWINS[1])))
    else:
        _same_rows(got, history.as_of(_keys(TWINS[0], TWINS[1]), AT))
    calls = watched.calls if kind == "range" else watched.as_of_calls
    assert calls == Counter({4: 1, 2: 2})  # together, then each alone


async def test_a_reader_that_stops_waiting_leaves_the_others_their_answer(
    history: HistoryStore,
) -> None:
    watched, _, (quitter, stayer) = await _held(history, TWINS[:2])
    quitter.cancel()
    watched.release.set()
    _same(await stayer, _alone(history, _keys(TWINS[1])))
    assert quitter.cancelled()


async def test_as_of_reads_of_one_time_in_one_step_are_one_store_call(
    history: HistoryStore,
) -> None:
    watched = Watched(history)
    batcher = RangeBatcher(watched)  # type: ignore[arg-type]
    asks = [_keys(TWINS[i % 4], TWINS[(i + 1) % 4], TWINS[i % 4]) for i in range(12)]
    asks.append(_keys("nobody", TWINS[2]))
    got = await asyncio.gather(*(batcher.as_of(keys, AT) for keys in asks))
    assert watched.as_of_calls == Counter({5: 1})  # the four twins and the unknown one
    for keys, rows in zip(asks, got, strict=True):
        _same_rows(rows, history.as_of(keys, AT))
    assert got[-1].found.tolist() == [False, True]
    assert got[0].found.tolist() == [True, True, True]


async def test_as_of_readers_asking_what_the_one_before_asked_get_their_own_rows(
    history: HistoryStore,
) -> None:
    watched = Watched(history)
    batcher = RangeBatcher(watched)  # type: ignore[arg-type]
    same, other = _keys(TWINS[0], TWINS[1]), _keys(TWINS[2], "nobody", TWINS[0])
    asks = [same, list(same), other, list(same), list(same), _keys(TWINS[1], TWINS[0])]
    got = await asyncio.gather(*(batcher.as_of(keys, AT) for keys in asks))
    assert watched.as_of_calls == Counter({4: 1})  # each distinct series once
    for keys, rows in zip(asks, got, strict=True):
        _same_rows(rows, history.as_of(keys, AT))
    assert got[2].found.tolist() == [True, False, True]
    assert got[-1].twin.tolist() == [TWINS[1], TWINS[0]]


async def test_as_of_reads_of_other_times_are_other_calls(history: HistoryStore) -> None:
    watched = Watched(history)
    batcher = RangeBatcher(watched)  # type: ignore[arg-type]
    later = AT + timedelta(minutes=5)
    now, then = await asyncio.gather(
        batcher.as_of(_keys(TWINS[0]), AT), batcher.as_of(_keys(TWINS[0]), later)
    )
    assert watched.as_of_calls == Counter({1: 2})
    _same_rows(now, history.as_of(_keys(TWINS[0]), AT))
    _same_rows(then, history.as_of(_keys(TWINS[0]), later))
    assert now.time[0] < then.time[0]


HISTORY = """query($id: ID!, $from: DateTime!, $to: DateTime!) { twin(id: $id) {
  history(signals: ["power"], from: $from, to: $to, interval: 60, aggregates: [MEAN, MAX]) {
    signal timestamps values } } }"""


@pytest.mark.parametrize("share", [True, False], ids=["shared", "unshared"])
async def test_concurrent_requests_answer_byte_for_byte_as_one_at_a_time(
    history: HistoryStore, share: bool
) -> None:
    plant = ontology.MemoryStore()
    load_plant(plant)
    body = {"from": START.isoformat(), "to": (START + timedelta(hours=1)).isoformat()}
    alone = {
        twin: TestClient(create_app(ServerSettings(version="0"), store=plant, history=history))
        .post("/graphql", json={"query": HISTORY, "variables": {"id": twin, **body}})
        .content
        for twin in TWINS
    }
    assert all(b'"errors"' not in answer for answer in alone.values())
    watched = Watched(history)
    settings = ServerSettings(version="0", share_history_reads=share)
    app = create_app(settings, store=plant, history=watched)  # type: ignore[arg-type]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        twins = [TWINS[i % 4] for i in range(16)]
        responses = await asyncio.gather(
            *(
                client.post("/graphql", json={"query": HISTORY, "variables": {"id": t, **body}})
                for t in twins
            )
        )
    assert [r.content for r in responses] == [alone[t] for t in twins]
    if share:
        assert sum(watched.calls.values()) < len(twins)
    else:  # share_history_reads off: each request its own call
        assert watched.calls == Counter({1: len(twins)})


SIGNALS_AT = """query($at: DateTime!) { twins(first: 100) {
  nodes { id signals(names: ["power"], at: $at) { name value time quality batch } } } }"""


@pytest.mark.parametrize("share", [True, False], ids=["shared", "unshared"])
async def test_concurrent_signals_at_requests_answer_as_one_at_a_time(
    history: HistoryStore, share: bool
) -> None:
    plant = ontology.MemoryStore()
    load_plant(plant)
    body = {"query": SIGNALS_AT, "variables": {"at": AT.isoformat()}}
    app = create_app(ServerSettings(version="0"), store=plant, history=history)
    alone = TestClient(app).post("/graphql", json=body).content
    assert b'"errors"' not in alone
    assert alone.count(b'"value":') >= len(TWINS)
    watched = Watched(history)
    settings = ServerSettings(version="0", share_history_reads=share)
    app = create_app(settings, store=plant, history=watched)  # type: ignore[arg-type]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        responses = await asyncio.gather(*(client.post("/graphql", json=body) for _ in range(8)))
    assert [r.content for r in responses] == [alone] * 8
    calls = sum(watched.as_of_calls.values())
    assert calls < 8 if share else calls == 8


def test_share_history_reads_must_be_a_boolean() -> None:
    with pytest.raises(ServerError, match=r"share_history_reads is 'yes'; expected true or false"):
        ServerSettings(version="0", share_history_reads="yes")  # type: ignore[arg-type]
