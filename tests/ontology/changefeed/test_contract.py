"""The behaviour every ``ChangeFeed`` implementation shares (parametrised in conftest)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from ontology import OntologyError
from ontology.changefeed import ChangeFeed, ChangeSet, CursorExpiredError, SignalChange
from ontology.history import Event
from tests.ontology.changefeed.conftest import FeedFactory

WAIT_S = 10.0  # a guard against hanging, not a timing assertion
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def change(i: int, twin: str = "acme/m1") -> SignalChange:
    return SignalChange(
        twin=twin, signal="speed", value=float(i), time=T0, quality=0, batch=f"b{i}"
    )


async def take(stream: AsyncIterator[ChangeSet], n: int) -> list[ChangeSet]:
    async def collect() -> list[ChangeSet]:
        return [await anext(stream) for _ in range(n)]

    return await asyncio.wait_for(collect(), WAIT_S)


def publish_n(feed: ChangeFeed, first: int, n: int) -> list[str]:
    return [feed.publish(f"b{i}", [change(i)], []) for i in range(first, first + n)]


def test_is_a_change_feed(make_feed: FeedFactory) -> None:
    assert isinstance(make_feed(10), ChangeFeed)


async def test_a_subscriber_from_now_sees_only_later_change_sets(make_feed: FeedFactory) -> None:
    feed = make_feed(10)
    publish_n(feed, 0, 2)
    stream = feed.subscribe()
    reading = asyncio.ensure_future(take(stream, 2))
    await asyncio.sleep(0)
    cursors = publish_n(feed, 2, 2)
    got = await reading
    assert [c.cursor for c in got] == cursors
    assert [c.batch for c in got] == ["b2", "b3"]


async def test_the_change_set_carries_what_was_published(make_feed: FeedFactory) -> None:
    feed = make_feed(10)
    stream = feed.subscribe()
    reading = asyncio.ensure_future(take(stream, 1))
    await asyncio.sleep(0)
    signals = [change(1), change(2, twin="acme/m2")]
    event = Event(twin="acme/m1", time=T0, kind="mode", code="IDLE->RUNNING", batch="b9")
    cursor = feed.publish("b9", signals, [event])
    (got,) = await reading
    assert got.cursor == cursor
    assert got.batch == "b9"
    assert got.signals == tuple(signals)
    assert got.events == (event,)


async def test_resuming_after_a_cursor_replays_what_followed_then_goes_live(
    make_feed: FeedFactory,
) -> None:
    feed = make_feed(10)
    cursors = publish_n(feed, 0, 4)
    stream = feed.subscribe(after=cursors[1])
    got = await take(stream, 2)
    assert [c.cursor for c in got] == cursors[2:]
    reading = asyncio.ensure_future(take(stream, 1))
    await asyncio.sleep(0)
    (later,) = publish_n(feed, 4, 1)
    assert [c.cursor for c in await reading] == [later]


async def test_every_subscriber_gets_every_change_set(make_feed: FeedFactory) -> None:
    feed = make_feed(10)
    streams = [feed.subscribe() for _ in range(3)]
    readings = [asyncio.ensure_future(take(s, 3)) for s in streams]
    await asyncio.sleep(0)
    cursors = publish_n(feed, 0, 3)
    for reading in readings:
        assert [c.cursor for c in await reading] == cursors


async def test_publishing_from_another_thread_wakes_the_subscriber(make_feed: FeedFactory) -> None:
    feed = make_feed(10)
    stream = feed.subscribe()
    reading = asyncio.ensure_future(take(stream, 5))
    await asyncio.sleep(0)
    published: list[str] = []
    thread = threading.Thread(target=lambda: published.extend(publish_n(feed, 0, 5)))
    thread.start()
    got = await reading
    thread.join()
    assert [c.cursor for c in got] == published


async def test_a_cursor_older_than_the_feed_holds_is_refused(make_feed: FeedFactory) -> None:
    feed = make_feed(3)
    cursors = publish_n(feed, 0, 20)
    make_feed.forget_old(feed, cursors[-1])
    with pytest.raises(CursorExpiredError) as caught:  # on subscribing, or on the first read
        await take(feed.subscribe(after=cursors[0]), 1)
    assert caught.value.cursor == cursors[0]
    assert caught.value.oldest is not None


async def test_a_subscriber_that_falls_behind_the_buffer_is_told(make_feed: FeedFactory) -> None:
    feed = make_feed(3)
    (first,) = publish_n(feed, 0, 1)
    stream = feed.subscribe(after=first)
    cursors = publish_n(feed, 1, 20)
    make_feed.forget_old(feed, cursors[-1])
    with pytest.raises(CursorExpiredError):
        await take(stream, 1)


@pytest.mark.parametrize("cursor", ["", "nonsense", "x" * 10_000, "abc.-1", "abc.1e3"])
def test_a_malformed_cursor_is_refused_with_an_error(make_feed: FeedFactory, cursor: str) -> None:
    feed = make_feed(3)
    publish_n(feed, 0, 1)
    with pytest.raises(OntologyError):
        feed.subscribe(after=cursor)


async def test_close_ends_the_subscriptions(make_feed: FeedFactory) -> None:
    feed = make_feed(10)
    stream = feed.subscribe()

    async def drain() -> list[ChangeSet]:
        return [c async for c in stream]

    reading = asyncio.ensure_future(asyncio.wait_for(drain(), WAIT_S))
    await asyncio.sleep(0)
    cursors = publish_n(feed, 0, 2)
    feed.close()
    assert [c.cursor for c in await reading] == cursors
    with pytest.raises(OntologyError):
        feed.publish("late", [change(9)], [])
