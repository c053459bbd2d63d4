"""The retention tiers and which one answers a bucketed read exactly.

Three tiers hold the same samples at three grains: ``raw`` (every sample),
``minute`` and ``hour`` (one row of partial aggregates per series and bucket,
enough to answer every ``Agg`` exactly for any bucket made of whole tier
buckets). A tier is complete from its *watermark* on: ``expire`` moves each
watermark forward to a whole hour and drops what lies before it.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from ontology.history._errors import HistoryInputError
from ontology.history._values import Agg, Retention, SeriesKey

US = 1_000_000
MINUTE_US = 60 * US
HOUR_US = 3600 * US
MAX_RANGE_KEYS = 10_000
MAX_AS_OF_KEYS = 100_000
MAX_BUCKETS = 2_000_000
"""Buckets of one ``range`` call, over all its series."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Tier(StrEnum):
    RAW = "raw"
    MINUTE = "minute"
    HOUR = "hour"


GRAIN_US: Mapping[Tier, int] = {Tier.RAW: 1, Tier.MINUTE: MINUTE_US, Tier.HOUR: HOUR_US}


def to_us(moment: datetime, name: str) -> int:
    """Microseconds since the Unix epoch of an aware datetime."""
    if moment.tzinfo is None:
        message = f"{name} is {moment.isoformat()} without a time zone; expected an aware datetime"
        raise HistoryInputError(message)
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * US + delta.microseconds


def from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def span_us(span: timedelta) -> int:
    return (span.days * 86_400 + span.seconds) * US + span.microseconds


def floor_hour(us: int) -> int:
    return us // HOUR_US * HOUR_US


def expiry_cuts(retention: Retention, now_us: int) -> dict[Tier, int]:
    """Where each tier's kept data starts after ``expire(now)`` (whole hours)."""
    kept = {Tier.RAW: retention.raw, Tier.MINUTE: retention.minute, Tier.HOUR: retention.hour}
    return {tier: floor_hour(now_us - span_us(keep)) for tier, keep in kept.items() if keep}


def check_retention(retention: Retention) -> None:
    """The tiers must not expire before the tier above them (``None`` is forever)."""
    order = (("raw", retention.raw), ("minute", retention.minute), ("hour", retention.hour))
    for (finer, fine), (coarser, coarse) in itertools.pairwise(order):
        if fine is not None and fine < timedelta(hours=1):
            message = f"Retention.{finer} is {fine}; expected at least 1 hour (or None)"
            raise HistoryInputError(message)
        if (fine is None and coarse is not None) or (fine and coarse and coarse < fine):
            message = (
                f"Retention.{coarser} is {coarse} and Retention.{finer} is {fine}; expected the "
                f"{coarser} tier to keep data at least as long as the {finer} tier"
            )
            raise HistoryInputError(message)


class RangeQuery:
    """Checked ``range`` arguments in microseconds, and the tier that answers them."""

    def __init__(
        self,
        keys: Sequence[SeriesKey],
        start: datetime,
        end: datetime,
        interval: timedelta,
        aggregates: Sequence[Agg],
        watermarks: Mapping[Tier, int],
    ) -> None:
        self.start = to_us(start, "range start")
        self.end = to_us(end, "range end")
        self.interval = span_us(interval)
        self.aggregates = tuple(dict.fromkeys(Agg(a) for a in aggregates))
        if len(keys) > MAX_RANGE_KEYS:
            message = f"range got {len(keys)} series; expected at most {MAX_RANGE_KEYS}"
            raise HistoryInputError(message)
        if self.interval <= 0:
            message = f"range interval is {interval}; expected a positive duration"
            raise HistoryInputError(message)
        if self.end < self.start:
            message = f"range end {end.isoformat()} is before its start {start.isoformat()}"
            raise HistoryInputError(message)
        if not self.aggregates:
            message = "range got no aggregates; expected at least one of " + ", ".join(Agg)
            raise HistoryInputError(message)
        buckets = (-(-(self.end - self.start) // self.interval) + 1) * max(len(keys), 1)
        if buckets > MAX_BUCKETS:
            message = (
                f"range asks for up to {buckets} buckets ({len(keys)} series, interval "
                f"{interval}); "
                f"expected at most {MAX_BUCKETS}: use a longer interval or fewer series"
            )
            raise HistoryInputError(message)
        self.tier = self._tier(watermarks)

    def _tier(self, watermarks: Mapping[Tier, int]) -> Tier:
        for tier in (Tier.HOUR, Tier.MINUTE, Tier.RAW):
            grain = GRAIN_US[tier]
            aligned = self.interval % grain == 0 and self.start % grain == 0
            aligned = aligned and self.end % grain == 0
            if aligned and self.start >= watermarks.get(tier, -(2**62)):
                return tier
        kept = from_us(watermarks.get(Tier.RAW, 0)).isoformat()
        message = (
            f"range starts at {from_us(self.start).isoformat()}, before the raw samples kept "
            f"(from {kept}); expected start, end and interval in whole minutes or hours so "
            "that the minute or hour tier answers"
        )
        raise HistoryInputError(message)


MAX_RAW_LIMIT = 1_000_000


def check_not_expired(batch_id: str, first_us: int, raw_since: int | None) -> None:
    """A batch's oldest sample must not lie before the raw samples kept."""
    if raw_since is not None and first_us < raw_since:
        message = (
            f"batch {batch_id!r} has a sample at {from_us(first_us).isoformat()}, before the raw "
            f"samples kept (from {from_us(raw_since).isoformat()}); expected samples no older "
            "than the raw retention"
        )
        raise HistoryInputError(message)


def check_as_of(keys: Sequence[SeriesKey], at: datetime) -> int:
    """``at`` in microseconds, once the number of series is within the limit."""
    if len(keys) > MAX_AS_OF_KEYS:
        message = f"as_of got {len(keys)} series; expected at most {MAX_AS_OF_KEYS}"
        raise HistoryInputError(message)
    return to_us(at, "as_of at")


def check_raw(start: datetime, end: datetime, limit: int) -> tuple[int, int]:
    """The ``raw`` window in microseconds, once ``limit`` is within bounds."""
    if not 1 <= limit <= MAX_RAW_LIMIT:
        message = f"raw limit is {limit!r}; expected 1 to {MAX_RAW_LIMIT}"
        raise HistoryInputError(message)
    return to_us(start, "raw start"), to_us(end, "raw end")
