"""Fixtures for the change-feed contract suite: one factory per implementation."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, RecordsToDelete

from ontology.changefeed import ChangeFeed, ChangeSet
from ontology.changefeed.kafka import KafkaChangeFeed, KafkaChangeFeedSettings
from ontology.changefeed.memory import MemoryChangeFeed, MemoryChangeFeedSettings


class Feeds:
    """Makes feeds that hold at least ``capacity`` change sets; ``forget_old`` makes a feed drop
    what is older than that (the in-process feed does it as it goes; Kafka by retention)."""

    def __init__(
        self, make: Callable[[int], ChangeFeed], forget: Callable[[ChangeFeed, int], None]
    ) -> None:
        self._make = make
        self._forget = forget
        self._capacity: dict[int, int] = {}
        self.made: list[ChangeFeed] = []
        self.streams: list[AsyncIterator[ChangeSet]] = []

    def __call__(self, capacity: int) -> ChangeFeed:
        feed = self._make(capacity)
        self._capacity[id(feed)] = capacity
        self.made.append(feed)
        subscribe = feed.subscribe

        def tracked(after: str | None = None) -> AsyncIterator[ChangeSet]:
            stream = subscribe(after)
            self.streams.append(stream)
            return stream

        setattr(feed, "subscribe", tracked)  # noqa: B010 (closed after the test)
        return feed

    async def close(self) -> None:
        for stream in self.streams:
            aclose = getattr(stream, "aclose", None)
            if aclose is not None:
                await aclose()
        for feed in self.made:
            feed.close()

    def forget_old(self, feed: ChangeFeed, newest: str) -> None:
        self._forget(feed, int(newest.rsplit(".", 1)[-1]) + 1 - self._capacity[id(feed)])


FeedFactory = Feeds


@pytest.fixture(params=["memory", pytest.param("kafka", marks=pytest.mark.kafka)])
async def make_feed(request: pytest.FixtureRequest) -> AsyncIterator[Feeds]:
    if request.param == "memory":
        feeds = Feeds(
            lambda capacity: MemoryChangeFeed(MemoryChangeFeedSettings(capacity=capacity)),
            lambda feed, before: None,
        )
    else:
        bootstrap: str = request.getfixturevalue("kafka_bootstrap")
        topic: str = request.getfixturevalue("kafka_topic")

        def forget(feed: ChangeFeed, before: int) -> None:
            async def delete() -> None:
                admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
                await admin.start()
                try:
                    tp = TopicPartition(topic, 0)
                    await admin.delete_records({tp: RecordsToDelete(before_offset=before)})
                finally:
                    await admin.close()

            with ThreadPoolExecutor(max_workers=1) as pool:  # safe inside an async test
                pool.submit(asyncio.run, delete()).result()

        feeds = Feeds(
            lambda capacity: KafkaChangeFeed(KafkaChangeFeedSettings(bootstrap, topic)), forget
        )
    yield feeds
    await feeds.close()
