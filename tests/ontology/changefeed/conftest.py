"""Fixtures for the change-feed contract suite: one factory per implementation."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from ontology.changefeed import ChangeFeed
from ontology.changefeed.memory import MemoryChangeFeed, MemoryChangeFeedSettings

FeedFactory = Callable[[int], ChangeFeed]
"""Makes a feed that holds at least the given number of change sets."""


@pytest.fixture(params=["memory"])
def make_feed(request: pytest.FixtureRequest) -> Iterator[FeedFactory]:
    made: list[ChangeFeed] = []

    def memory(capacity: int) -> ChangeFeed:
        feed = MemoryChangeFeed(MemoryChangeFeedSettings(capacity=capacity))
        made.append(feed)
        return feed

    factories: dict[str, FeedFactory] = {"memory": memory}
    yield factories[request.param]
    for feed in made:
        feed.close()
