"""What only the in-process feed promises: its bounds and its cursors' order."""

from __future__ import annotations

import pytest

from ontology import InvalidError
from ontology.changefeed import CursorExpiredError
from ontology.changefeed.memory import MemoryChangeFeed, MemoryChangeFeedSettings
from tests.ontology.changefeed.test_contract import change, publish_n, take


def test_cursors_sort_in_publish_order() -> None:
    feed = MemoryChangeFeed()
    cursors = publish_n(feed, 0, 12)
    assert sorted(cursors) == cursors
    assert len(set(cursors)) == 12


async def test_the_signal_bound_drops_the_oldest_change_sets() -> None:
    feed = MemoryChangeFeed(MemoryChangeFeedSettings(capacity=100, max_signals=5))
    cursors = [feed.publish(f"b{i}", [change(i), change(i)], []) for i in range(4)]
    with pytest.raises(CursorExpiredError):
        feed.subscribe(after=cursors[0])
    got = await take(feed.subscribe(after=cursors[1]), 2)
    assert [c.cursor for c in got] == cursors[2:]


async def test_one_change_set_larger_than_the_bound_is_still_delivered() -> None:
    feed = MemoryChangeFeed(MemoryChangeFeedSettings(capacity=2, max_signals=1))
    (first,) = publish_n(feed, 0, 1)
    big = feed.publish("big", [change(i) for i in range(10)], [])
    (got,) = await take(feed.subscribe(after=first), 1)
    assert got.cursor == big
    assert len(got.signals) == 10


def test_a_cursor_of_another_feed_is_expired() -> None:
    (foreign,) = publish_n(MemoryChangeFeed(), 0, 1)
    feed = MemoryChangeFeed()
    publish_n(feed, 0, 1)
    with pytest.raises(CursorExpiredError):
        feed.subscribe(after=foreign)


def test_a_cursor_ahead_of_the_feed_is_invalid() -> None:
    feed = MemoryChangeFeed()
    (cursor,) = publish_n(feed, 0, 1)
    epoch, _, seq = cursor.partition(".")
    with pytest.raises(InvalidError, match="ahead of the newest"):
        feed.subscribe(after=f"{epoch}.{int(seq) + 5}")


@pytest.mark.parametrize("field", ["capacity", "max_signals"])
@pytest.mark.parametrize("value", [0, -1, True])
def test_settings_refuse_bounds_below_one(field: str, value: int) -> None:
    with pytest.raises(InvalidError, match=field):
        MemoryChangeFeedSettings(**{field: value})
