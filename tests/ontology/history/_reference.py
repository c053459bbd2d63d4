"""A plain-Python model of the history contract's buckets and as-of, to check stores against.

Deliberately naive: one loop per bucket over Python lists, no numpy, so it
shares nothing with the stores it checks.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from ontology.history import Agg, Samples, SeriesKey

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def us(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


@dataclass(frozen=True)
class Row:
    twin: str
    signal: str
    ts: int
    value: float | None
    text: str | None = None
    quality: int = 0


def samples(rows: Sequence[Row]) -> Samples:
    """The ``Samples`` columns of ``rows`` (text only if some row has text)."""
    has_text = any(r.text is not None for r in rows)
    return Samples(
        twin=np.array([r.twin for r in rows], dtype=object),
        signal=np.array([r.signal for r in rows], dtype=object),
        time=np.array([r.ts for r in rows], dtype=np.int64).view("datetime64[us]"),
        value=np.array([np.nan if r.value is None else r.value for r in rows], dtype=np.float64),
        text=np.array([r.text for r in rows], dtype=object) if has_text else None,
        quality=np.array([r.quality for r in rows], dtype=np.uint8),
    )


def kept(batches: Iterable[Sequence[Row]]) -> dict[tuple[str, str, int], Row]:
    """What a store holds after writing ``batches`` in order: the last row per key wins."""
    rows: dict[tuple[str, str, int], Row] = {}
    for batch in batches:
        for row in batch:
            rows[(row.twin, row.signal, row.ts)] = row
    return rows


def buckets(
    rows: Iterable[Row], key: SeriesKey, start: int, end: int, interval: int
) -> dict[int, dict[str, object]]:
    """Bucket start -> {agg name: value, "text_first", "text_last"} for one series."""
    mine = sorted(
        (r for r in rows if (r.twin, r.signal) == (key.twin, key.signal) and start <= r.ts < end),
        key=lambda r: r.ts,
    )
    out: dict[int, dict[str, object]] = {}
    for bucket in sorted({r.ts // interval * interval for r in mine}):
        inside = [r for r in mine if bucket <= r.ts < bucket + interval]
        numbers = [r for r in inside if r.value is not None]
        texts = [r for r in inside if r.text is not None]
        stop = min(bucket + interval, end)
        result: dict[str, object] = {"count": float(len(inside))}
        if numbers:
            values = [r.value for r in numbers if r.value is not None]
            area = 0.0
            for here, after in zip(numbers, [*numbers[1:], None], strict=True):
                assert here.value is not None
                area += here.value * ((after.ts if after else stop) - here.ts)
            result |= {
                "min": min(values),
                "max": max(values),
                "mean": sum(values) / len(values),
                "first": values[0],
                "last": values[-1],
                "twa": area / (stop - numbers[0].ts),
            }
        result["text_first"] = texts[0].text if texts else None
        result["text_last"] = texts[-1].text if texts else None
        out[bucket] = result
    return out


def last_at(rows: Iterable[Row], key: SeriesKey, at: int) -> Row | None:
    mine = [r for r in rows if (r.twin, r.signal) == (key.twin, key.signal) and r.ts <= at]
    return max(mine, key=lambda r: r.ts) if mine else None


def random_batches(
    seed: int, series: Sequence[SeriesKey], start: int, span: int, count: int, batches: int
) -> list[list[Row]]:
    """``batches`` batches of random samples in ``[start, start + span)``: numbers, some text,
    times in random order, gaps, some keys written twice (same or another value)."""
    rng = random.Random(seed)
    out: list[list[Row]] = []
    for _ in range(batches):
        rows = []
        for _ in range(count):
            key = rng.choice(series)
            # whole seconds, so repeats of a key are common enough to test
            ts = start + rng.randrange(span // 1_000_000) * 1_000_000
            if key.signal == "mode":
                rows.append(
                    Row(key.twin, key.signal, ts, None, rng.choice(["RUN", "IDLE", "FAULT"]))
                )
            else:
                rows.append(Row(key.twin, key.signal, ts, round(rng.uniform(-50, 150), 3)))
        out.append(rows)
    return out


AGGS = tuple(Agg)
