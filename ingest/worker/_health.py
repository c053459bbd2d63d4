"""Feed health as data: per feed, a twin whose signals say how the feed is doing.

The twin ``feed/<name>`` (model ``dtmi:twinweave:ingest:Feed;2``, created on
first use) carries ``lastArrival`` (seconds since the epoch), ``rate``
(samples per second over the last report interval), ``interArrival``
(seconds between the last two batches), ``rejectRate`` (refused / received
over the last interval that received any) and ``staleness`` (seconds since the
last arrival), and its limit as the ``freshness`` property. A feed silent for
longer than that limit raises a ``feed``/``silent`` event once; its next
arrival a ``feed``/``resumed`` event.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from ingest.worker._commit import BatchOutcome
from ontology import GraphStore, JsonValue, Lifecycle, SignalUpdate, TwinSpec
from ontology.history import Event

FEED_MODEL = "dtmi:twinweave:ingest:Feed;2"
"""Version 2 adds the ``freshness`` property: the feed's limit, so readers (the explorer)
judge staleness against the limit the worker uses."""
FEED_MODEL_TEXT = json.dumps(
    {
        "@context": "dtmi:dtdl:context;3",
        "@id": FEED_MODEL,
        "@type": "Interface",
        "displayName": "Telemetry feed",
        "contents": [
            {"@type": "Property", "name": "feed", "schema": "string"},
            {
                "@type": "Property",
                "name": "freshness",
                "schema": "double",
                "description": "Seconds without data after which the feed counts as silent.",
            },
            *(
                {"@type": "Telemetry", "name": name, "schema": "double"}
                for name in ("lastArrival", "rate", "interArrival", "rejectRate", "staleness")
            ),
        ],
    }
)
_UNSAFE = re.compile(r"[^A-Za-z0-9_.:@~+\-]")


def feed_twin_id(feed: str) -> str:
    """The feed's twin id: ``feed/`` and the feed name with unsafe characters replaced."""
    return "feed/" + (_UNSAFE.sub("-", feed)[:200] or "unnamed")


@dataclass(frozen=True, slots=True)
class HealthReport:
    updates: tuple[SignalUpdate, ...]
    events: tuple[Event, ...]


class FeedHealth:
    """Tracks one feed's arrivals and reports them as the feed twin's signals."""

    def __init__(
        self,
        graph: GraphStore,
        feed: str,
        *,
        freshness_s: float,
        principal: str,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.graph = graph
        self.feed = feed
        self.twin = feed_twin_id(feed)
        self.freshness_s = freshness_s
        self.principal = principal
        self._clock = clock or (lambda: datetime.now(UTC))
        self._last: datetime | None = None
        self._previous: datetime | None = None
        self._since = self._clock()
        self._samples = 0
        self._rejected = 0
        self._silent = False
        self._ready = False

    def ensure_twin(self) -> None:
        """Create the feed model and twin if they are not there (idempotent)."""
        if self._ready:
            return
        self.graph.add_models([FEED_MODEL_TEXT], principal=self.principal)
        properties: dict[str, JsonValue] = {"feed": self.feed, "freshness": self.freshness_s}
        spec = TwinSpec(self.twin, FEED_MODEL, properties, lifecycle=Lifecycle.ACTIVE)
        self.graph.upsert_twins([spec], principal=self.principal)
        self._ready = True

    def observe(self, outcome: BatchOutcome) -> None:
        now = self._clock()
        self._previous, self._last = self._last, now
        self._samples += outcome.count_in
        self._rejected += sum(outcome.rejected.values())

    def report(self) -> HealthReport:
        """The feed twin's signals now, and a silent/resumed event when that changed."""
        now = self._clock()
        interval = max((now - self._since).total_seconds(), 1e-9)
        values: dict[str, float] = {"rate": self._samples / interval}
        if self._samples:  # no samples, no reject rate: the last one stands
            values["rejectRate"] = self._rejected / self._samples
        events: list[Event] = []
        if self._last is not None:
            values["lastArrival"] = self._last.timestamp()
            staleness = (now - self._last).total_seconds()
            values["staleness"] = staleness
            if self._previous is not None:
                values["interArrival"] = (self._last - self._previous).total_seconds()
            silent = staleness > self.freshness_s
            if silent != self._silent:
                self._silent = silent
                code = "silent" if silent else "resumed"
                message = (
                    f"feed {self.feed!r}: nothing for {staleness:.1f} s (limit "
                    f"{self.freshness_s:g} s)"
                    if silent
                    else f"feed {self.feed!r} sends again"
                )
                events.append(Event(self.twin, now, "feed", code, message))
        self._since, self._samples, self._rejected = now, 0, 0
        updates = tuple(SignalUpdate(self.twin, name, value, now) for name, value in values.items())
        return HealthReport(updates, tuple(events))
