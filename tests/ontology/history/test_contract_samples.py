"""The ``HistoryStore`` contract for samples: appends, duplicates, buckets, as-of, raw, tiers.

One suite, run against every store (see conftest ``open_store``). Buckets are
checked against ``_reference``, a plain-Python computation over the same rows.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from ontology.history import (
    Agg,
    Batch,
    HistoryInputError,
    HistoryStore,
    Retention,
    Samples,
    Series,
    SeriesKey,
    SourceKind,
    SourcePosition,
)
from tests.ontology.history._reference import (
    AGGS,
    Row,
    buckets,
    kept,
    last_at,
    random_batches,
    samples,
    us,
)
from tests.ontology.history.conftest import OpenStore

T0 = datetime(2026, 3, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)
SERIES = [
    SeriesKey("plant/l1/m1", "power"),
    SeriesKey("plant/l1/m1", "temp"),
    SeriesKey("plant/l1/m2", "power"),
    SeriesKey("plant/l1/m2", "mode"),
]


def batch(
    batch_id: str, count: int = 0, *, at: datetime = T0, offsets: tuple[int, int] = (0, 0)
) -> Batch:
    return Batch(
        id=batch_id,
        sources=(
            SourcePosition(
                SourceKind.KAFKA,
                topic="telemetry",
                partition=0,
                first_offset=offsets[0],
                last_offset=offsets[1],
            ),
        ),
        received_at=at,
        pipeline_version="p1",
        model_versions=("dtmi:test:Machine;1",),
        principal="ingest",
        count_in=count,
        accepted=count,
    )


def write(store: HistoryStore, batches: Sequence[Sequence[Row]]) -> None:
    for i, rows in enumerate(batches):
        store.write_batch(batch(f"b{i}", len(rows)), samples(rows))


def assert_matches(got: Series, rows: Sequence[Row], start: int, end: int, interval: int) -> None:
    """``got`` equals the plain-Python buckets of ``rows`` for every aggregate."""
    want = buckets(rows, got.key, start, end, interval)
    starts = got.start.astype("datetime64[us]").view(np.int64).tolist()
    assert starts == sorted(want), got.key
    for i, bucket in enumerate(starts):
        expected = want[bucket]
        for agg in AGGS:
            value = float(got.values[agg][i])
            if agg.value in expected:
                number = float(expected[agg.value])  # type: ignore[arg-type]
                assert math.isclose(value, number, rel_tol=1e-9, abs_tol=1e-9), (
                    got.key,
                    bucket,
                    agg,
                    value,
                    expected[agg.value],
                )
            else:
                assert math.isnan(value), (got.key, bucket, agg, value)
        for agg in (Agg.FIRST, Agg.LAST):
            text = got.text.get(agg)
            assert (None if text is None else text[i]) == expected[f"text_{agg.value}"]


def check_range(
    store: HistoryStore,
    rows: Sequence[Row],
    start: datetime,
    end: datetime,
    interval: timedelta,
    keys: Sequence[SeriesKey] = SERIES,
) -> None:
    result = store.range(keys, start, end, interval, AGGS)
    assert [s.key for s in result] == list(keys)
    step = interval // timedelta(microseconds=1)
    for series in result:
        assert_matches(series, rows, us(start), us(end), step)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_buckets_equal_a_plain_computation_for_every_aggregate(
    store: HistoryStore, seed: int
) -> None:
    batches = random_batches(seed, SERIES, us(T0), 3 * 3600 * 10**6, count=400, batches=4)
    write(store, batches)
    rows = list(kept(batches).values())
    end = T0 + timedelta(hours=3)
    # 7 minutes does not divide 3 h; 13 s buckets leave many empty; the hour and minute
    # intervals on whole hours are answered by the tiers, the others from raw samples.
    for interval in (
        timedelta(minutes=7),
        timedelta(seconds=13),
        timedelta(minutes=1),
        timedelta(minutes=20),
        timedelta(hours=1),
    ):
        check_range(store, rows, T0, end, interval)
    check_range(
        store, rows, T0 + timedelta(seconds=95), end - timedelta(minutes=31), timedelta(minutes=5)
    )


def test_tiers_merge_batches_arriving_out_of_order(store: HistoryStore) -> None:
    """Batches interleave inside minute and hour buckets: the tiers still answer exactly."""
    key = SERIES[0]
    early = [Row(key.twin, key.signal, us(T0) + s * 10**6, float(s)) for s in range(0, 600, 20)]
    late = [Row(key.twin, key.signal, us(T0) + s * 10**6, float(-s)) for s in range(10, 600, 20)]
    after = [Row(key.twin, key.signal, us(T0) + s * 10**6, 1.5) for s in range(600, 900, 7)]
    write(store, [after, late, early])
    rows = [*early, *late, *after]
    for interval in (timedelta(minutes=1), timedelta(hours=1), timedelta(seconds=45)):
        check_range(store, rows, T0, T0 + timedelta(hours=1), interval, keys=[key])


def test_batches_in_time_order_merge_into_the_buckets_they_continue(store: HistoryStore) -> None:
    """Time slices (the usual ingest), numbers and text, a slice replayed and one written
    late in between: every bucket a slice continues, and those after, stay exact."""
    span = 3 * 3600 * 10**6
    ordered = random_batches(7, SERIES, us(T0), span, count=600, batches=1)[0]
    rows = sorted(kept([ordered]).values(), key=lambda r: r.ts)
    cuts = [0, 150, 300, 450, len(rows)]  # slices end inside minute and hour buckets
    slices = [rows[a:b] for a, b in itertools.pairwise(cuts)]
    late = random_batches(8, SERIES, us(T0), span // 2, count=40, batches=1)[0]
    write(store, [slices[0], slices[1], slices[1], late, slices[2], slices[3]])
    expected = list(kept([slices[0], slices[1], late, slices[2], slices[3]]).values())
    end = T0 + timedelta(hours=3)
    for interval in (timedelta(minutes=1), timedelta(hours=1), timedelta(minutes=7)):
        check_range(store, expected, T0, end, interval)


def test_one_sample_batches_of_many_series_continue_their_buckets(store: HistoryStore) -> None:
    """The ingest of one-sample records: each batch holds a sample or two of many series,
    and continues the minute and hour buckets the batches before it left. Numeric series,
    one whose first samples were text and then numbers, and a text series written in some
    batches only (the other batches have numbers only): every bucket stays exact."""
    numeric = [SeriesKey(f"plant/m{i}", "speed") for i in range(30)]
    mixed, text = SeriesKey("plant/m0", "code"), SeriesKey("plant/m1", "mode")
    rng = np.random.default_rng(5)
    batches: list[list[Row]] = []
    ts = us(T0) + 50 * 10**6  # the first minute is cut short: later batches continue it
    for b in range(40):
        rows = []
        for i in rng.permutation(len(numeric))[:20].tolist():
            ts += int(rng.integers(1, 4)) * 10**6
            rows.append(Row(numeric[i].twin, numeric[i].signal, ts, float(rng.normal(10, 3))))
        ts += 10**6
        if b < 3:
            rows.append(Row(mixed.twin, mixed.signal, ts, None, f"C{b}"))
        elif b % 5 == 0:
            rows.append(Row(mixed.twin, mixed.signal, ts, float(b)))
        if b % 7 == 3:
            ts += 10**6
            rows.append(Row(text.twin, text.signal, ts, None, ("RUN", "IDLE")[b % 2]))
        batches.append(rows)
    write(store, batches)
    rows = list(kept(batches).values())
    keys = [*numeric[:5], mixed, text]
    end = T0 + timedelta(hours=1)
    for interval in (timedelta(minutes=1), timedelta(hours=1), timedelta(minutes=7)):
        check_range(store, rows, T0, end, interval, keys=keys)


def test_a_sample_written_again_is_kept_once(store: HistoryStore) -> None:
    key = SERIES[0]
    rows = [Row(key.twin, key.signal, us(T0) + s * 10**6, float(s)) for s in range(120)]
    store.write_batch(batch("b1", 120), samples(rows))
    store.write_batch(batch("b1", 120), samples(rows))  # a replay after a crash
    store.write_batch(batch("b2", 60), samples(rows[30:90]))
    (series,) = store.range([key], T0, T0 + timedelta(hours=1), timedelta(hours=1), [Agg.COUNT])
    assert series.values[Agg.COUNT].tolist() == [120.0]
    raw = store.raw(key, T0, T0 + timedelta(hours=1))
    assert len(raw) == 120
    assert raw.value.tolist() == [float(s) for s in range(120)]
    check_range(store, rows, T0, T0 + timedelta(hours=1), timedelta(minutes=1), keys=[key])


def test_a_key_written_again_with_another_value_keeps_the_later_value(store: HistoryStore) -> None:
    key = SERIES[0]
    first = [Row(key.twin, key.signal, us(T0) + s * 10**6, 1.0) for s in range(0, 120, 10)]
    second = [Row(key.twin, key.signal, us(T0) + 30 * 10**6, 99.0)]
    write(store, [first, second])
    rows = list(kept([first, second]).values())
    raw = store.raw(key, T0, T0 + timedelta(minutes=2))
    assert raw.value.tolist().count(99.0) == 1
    assert len(raw) == len(first)
    for interval in (timedelta(minutes=1), timedelta(hours=1), timedelta(seconds=25)):
        check_range(store, rows, T0, T0 + timedelta(hours=1), interval, keys=[key])


def test_a_key_twice_in_one_batch_keeps_the_last_row(store: HistoryStore) -> None:
    key = SERIES[0]
    rows = [Row(key.twin, key.signal, us(T0), 1.0), Row(key.twin, key.signal, us(T0), 2.0)]
    store.write_batch(batch("b1", 2), samples(rows))
    raw = store.raw(key, T0, T0 + timedelta(seconds=1))
    assert raw.value.tolist() == [2.0]


def test_large_time_slices_read_back_whole_and_a_replay_keeps_them_once(
    store: HistoryStore,
) -> None:
    """Batches of 24,000 samples (QuestDB sends such a batch's samples in several requests
    at once), one all GOOD quality and one not: every sample reads back once, with its
    quality, after the first slice is written again."""
    seconds = 6000
    slices = []
    for part in range(2):
        sec = np.repeat(np.arange(part * seconds, (part + 1) * seconds), len(SERIES))
        slices.append(
            Samples(
                twin=np.tile(np.array([k.twin for k in SERIES], dtype=object), seconds),
                signal=np.tile(np.array([k.signal for k in SERIES], dtype=object), seconds),
                time=np.datetime64(T0.replace(tzinfo=None), "us") + sec.astype("timedelta64[s]"),
                value=(sec % 97).astype(np.float64),
                quality=np.full(sec.size, part, dtype=np.uint8),  # GOOD, then UNCERTAIN
            )
        )
    for i, written in enumerate([*slices, slices[0]]):
        store.write_batch(batch(f"b{i % 2}", len(written.value)), written)
    end = T0 + timedelta(seconds=2 * seconds)
    for series in store.range(SERIES, T0, end, HOUR, [Agg.COUNT, Agg.MEAN]):
        assert series.values[Agg.COUNT].sum() == 2 * seconds, series.key
    key = SERIES[1]
    raw = store.raw(key, T0, end)
    want = np.arange(2 * seconds)
    assert raw.value.tolist() == (want % 97).astype(np.float64).tolist()
    assert raw.quality is not None
    assert raw.quality.tolist() == (want // seconds).tolist()


def test_text_samples_read_back_and_bucket_first_last_count(store: HistoryStore) -> None:
    key = SERIES[3]
    rows = [
        Row(key.twin, key.signal, us(T0) + s * 10**6, None, mode)
        for s, mode in [(5, "RUN"), (70, "IDLE"), (80, "FAULT"), (200, "RUN")]
    ]
    write(store, [rows[2:], rows[:2]])
    raw = store.raw(key, T0, T0 + timedelta(hours=1))
    assert raw.text is not None
    assert raw.text.tolist() == ["RUN", "IDLE", "FAULT", "RUN"]
    assert np.isnan(raw.value).all()
    check_range(store, rows, T0, T0 + timedelta(hours=1), timedelta(minutes=1), keys=[key])
    check_range(store, rows, T0, T0 + timedelta(hours=1), timedelta(seconds=50), keys=[key])


def test_first_and_last_text_only_for_the_series_that_have_text(store: HistoryStore) -> None:
    """A number series asked alone has no text in its buckets; asked beside a text series,
    each keeps its own (at a tier's grain and between)."""
    numbers, modes = SERIES[0], SERIES[3]
    rows = [
        Row(numbers.twin, numbers.signal, us(T0) + s * 10**6, float(s)) for s in range(0, 900, 7)
    ]
    rows += [
        Row(modes.twin, modes.signal, us(T0) + s * 10**6, None, mode)
        for s, mode in [(65, "RUN"), (400, "IDLE"), (401, "FAULT")]
    ]
    write(store, [rows])
    end = T0 + HOUR
    for interval in (timedelta(minutes=1), HOUR, timedelta(minutes=5)):
        (alone,) = store.range([numbers], T0, end, interval, [Agg.FIRST, Agg.LAST, Agg.COUNT])
        assert alone.text == {}
        assert alone.values[Agg.COUNT].sum() == 129
        for keys in ([numbers], [modes], [numbers, modes], [modes, numbers]):
            check_range(store, rows, T0, end, interval, keys=keys)


def test_as_of_gives_the_last_sample_at_or_before_for_many_series(store: HistoryStore) -> None:
    batches = random_batches(7, SERIES, us(T0), 3 * 3600 * 10**6, count=300, batches=3)
    write(store, batches)
    rows = list(kept(batches).values())
    unknown = SeriesKey("plant/none", "power")
    keys = [*SERIES, unknown, SERIES[0]]
    for at in (
        T0 - timedelta(seconds=1),
        T0 + timedelta(minutes=90, seconds=17),
        T0 + timedelta(hours=5),
    ):
        result = store.as_of(keys, at)
        assert result.twin.tolist() == [k.twin for k in keys]
        for i, key in enumerate(keys):
            want = last_at(rows, key, us(at))
            assert bool(result.found[i]) == (want is not None)
            if want is None:
                continue
            assert int(result.time[i].astype("datetime64[us]").view(np.int64)) == want.ts
            assert result.text[i] == want.text
            if want.value is None:
                assert math.isnan(result.value[i])
            else:
                assert result.value[i] == want.value
            assert result.batch[i] is not None and result.batch[i].startswith("b")


def test_as_of_agrees_with_the_samples_on_every_edge_of_a_minute(store: HistoryStore) -> None:
    # several writes (out of order, keys written again): the tiers are merged many times
    batches = random_batches(13, SERIES, us(T0), 2 * 3600 * 10**6, count=400, batches=3)
    write(store, batches)
    rows = list(kept(batches).values())
    minute = 60 * 10**6
    edges = {us(T0) + k * minute + d for k in range(0, 125, 11) for d in (-1, 0, 1, minute - 1)}
    edges |= {r.ts + d for r in sorted(rows, key=lambda r: r.ts)[::40] for d in (-1, 0)}
    for at in sorted(edges):
        result = store.as_of(SERIES, T0 + timedelta(microseconds=at - us(T0)))
        for i, key in enumerate(SERIES):
            want = last_at(rows, key, at)
            assert bool(result.found[i]) == (want is not None), (key, at)
            if want is None:
                continue
            assert int(result.time[i].astype("datetime64[us]").view(np.int64)) == want.ts
            assert result.text[i] == want.text
            assert int(result.quality[i]) == want.quality
            if want.value is None:
                assert math.isnan(result.value[i])
            else:
                assert result.value[i] == want.value


def test_retention_expires_raw_samples_and_the_tiers_still_answer(open_store: OpenStore) -> None:
    store = open_store(Retention(raw=timedelta(hours=1), minute=timedelta(hours=2), hour=None))
    batches = random_batches(11, SERIES, us(T0), 3 * 3600 * 10**6, count=500, batches=2)
    write(store, batches)
    rows = list(kept(batches).values())
    end = T0 + timedelta(hours=3)
    before = store.range(SERIES, T0, end, timedelta(hours=1), AGGS)
    dropped = store.expire(T0 + timedelta(hours=4, minutes=30))
    assert dropped > 0
    assert len(store.raw(SERIES[0], T0, end)) == 0  # raw before 03:00 is gone
    after = store.range(SERIES, T0, end, timedelta(hours=1), AGGS)
    for old, new in zip(before, after, strict=True):
        assert_matches(new, rows, us(T0), us(end), 3600 * 10**6)
        assert old.start.tolist() == new.start.tolist()
    # minutes are kept from 02:00 on
    check_range(store, rows, T0 + timedelta(hours=2), end, timedelta(minutes=1))
    with pytest.raises(HistoryInputError, match="before the raw samples kept"):
        store.range(SERIES, T0 + timedelta(seconds=30), end, timedelta(minutes=1), AGGS)
    at = T0 + timedelta(hours=2, minutes=30, seconds=30)
    result = store.as_of(SERIES, at)
    for i, key in enumerate(SERIES):
        want = last_at(rows, key, us(at) - 30 * 10**6)  # whole minutes once raw is gone
        assert int(result.time[i].astype("datetime64[us]").view(np.int64)) == want.ts  # type: ignore[union-attr]


def test_a_sample_older_than_the_raw_retention_is_refused(open_store: OpenStore) -> None:
    store = open_store(Retention(raw=timedelta(hours=1), minute=timedelta(hours=2), hour=None))
    key = SERIES[0]
    store.write_batch(
        batch("b1", 1), samples([Row(key.twin, key.signal, us(T0) + 7200 * 10**6, 1.0)])
    )
    store.expire(T0 + timedelta(hours=3))
    with pytest.raises(HistoryInputError, match="before the raw samples kept"):
        store.write_batch(batch("b2", 1), samples([Row(key.twin, key.signal, us(T0), 1.0)]))


def _bad(**changes: object) -> Samples:
    key = SERIES[0]
    good = samples([Row(key.twin, key.signal, us(T0) + s, float(s)) for s in range(3)])
    fields = {
        "twin": good.twin,
        "signal": good.signal,
        "time": good.time,
        "value": good.value,
        "text": good.text,
        "quality": good.quality,
    }
    return Samples(**{**fields, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        (
            _bad(value=np.array([1.0, np.nan, 2.0])),
            r"value\[1\] .* is nan; expected a finite",
        ),
        (_bad(value=np.array([1.0, 2.0, np.inf])), r"Samples.value\[2\]"),
        (_bad(twin=np.array(["a", None, "c"], dtype=object)), r"Samples.twin\[1\] is None"),
        (_bad(signal=np.array(["a", "", "c"], dtype=object)), r"Samples.signal\[1\] is ''"),
        (_bad(twin=np.array(["a", "b\x1fc", "c"], dtype=object)), "none of them a control"),
        (_bad(quality=np.array([0, 9, 0], dtype=np.uint8)), r"Samples.quality\[1\] .* is 9"),
        (
            _bad(text=np.array([None, "RUN", None], dtype=object)),
            r"value\[1\] .* expected NaN",
        ),
        (_bad(value=np.array([1.0, 2.0])), r"Samples.value has shape \(2,\)"),
        (_bad(time=np.array([0, 1, 2])), "Samples.time has dtype int64"),
    ],
)
def test_malformed_samples_are_refused_and_nothing_of_the_batch_is_written(
    store: HistoryStore, bad: Samples, words: str
) -> None:
    with pytest.raises(HistoryInputError, match=words):
        store.write_batch(batch("bad", len(bad)), bad)
    assert len(store.raw(SERIES[0], T0 - timedelta(days=1), T0 + timedelta(days=1))) == 0
    assert store.batches(T0 - timedelta(days=1), T0 + timedelta(days=1)).items == ()


def test_range_arguments_are_checked(store: HistoryStore) -> None:
    with pytest.raises(HistoryInputError, match="interval is 0:00:00"):
        store.range(SERIES, T0, T0 + timedelta(hours=1), timedelta(0), AGGS)
    with pytest.raises(HistoryInputError, match="is before its start"):
        store.range(SERIES, T0, T0 - timedelta(hours=1), timedelta(minutes=1), AGGS)
    with pytest.raises(HistoryInputError, match="without a time zone"):
        store.range(SERIES, datetime(2026, 1, 1), T0, timedelta(minutes=1), AGGS)
    with pytest.raises(HistoryInputError, match="expected at most"):
        store.range(SERIES, T0, T0 + timedelta(days=365), timedelta(seconds=1), AGGS)


def test_asking_fewer_aggregates_gives_the_same_values(store: HistoryStore) -> None:
    batches = random_batches(5, SERIES, us(T0), 2 * 3600 * 10**6, count=300, batches=2)
    write(store, batches)
    end = T0 + 2 * HOUR
    for interval in (timedelta(minutes=1), HOUR, timedelta(minutes=10), timedelta(seconds=50)):
        every = store.range(SERIES, T0, end, interval, AGGS)
        some = store.range(SERIES, T0, end, interval, [Agg.FIRST, Agg.COUNT, Agg.MAX])
        for full, part in zip(every, some, strict=True):
            assert set(part.values) == {Agg.FIRST, Agg.COUNT, Agg.MAX}
            assert full.start.tolist() == part.start.tolist()
            for agg in part.values:
                np.testing.assert_array_equal(full.values[agg], part.values[agg])
            assert set(part.text) <= {Agg.FIRST}
            if Agg.FIRST in part.text:
                assert part.text[Agg.FIRST].tolist() == full.text[Agg.FIRST].tolist()


def test_buckets_at_a_tier_grain_for_keys_asked_twice_or_unknown(store: HistoryStore) -> None:
    """At a tier's own grain without ``twa`` a store may answer from the tier rows alone:
    the same values as every aggregate asked, in the order asked, a key asked twice
    answered twice and an unknown one with no buckets."""
    batches = random_batches(9, SERIES, us(T0), 2 * 3600 * 10**6, count=300, batches=3)
    write(store, batches)
    rows = list(kept(batches).values())
    unknown = SeriesKey("plant/l9/m9", "power")
    keys = [SERIES[3], SERIES[0], unknown, SERIES[3], SERIES[1]]
    end = T0 + 2 * HOUR
    without_twa = [a for a in AGGS if a is not Agg.TWA]
    for interval in (timedelta(minutes=1), HOUR):
        check_range(store, rows, T0, end, interval, keys=[k for k in keys if k != unknown])
        every = store.range(keys, T0, end, interval, AGGS)
        some = store.range(keys, T0, end, interval, without_twa)
        assert [s.key for s in some] == keys
        assert some[2].start.size == 0
        for full, part in zip(every, some, strict=True):
            assert full.start.tolist() == part.start.tolist()
            assert set(part.values) == set(without_twa)
            for agg in without_twa:
                np.testing.assert_array_equal(full.values[agg], part.values[agg])
            for which, text in part.text.items():
                assert text.tolist() == full.text[which].tolist()


@pytest.mark.parametrize("seed", [11, 12])
def test_numbers_only_at_a_tier_grain_equal_a_plain_computation(
    store: HistoryStore, seed: int
) -> None:
    """Aggregates without text at a tier's grain (QuestDB reads those rows straight into
    key order, ``_keyed``): every bucket equals the plain-Python one, for keys in any
    order, asked twice or unknown, over batches written late and out of order."""
    batches = random_batches(seed, SERIES, us(T0), 2 * 3600 * 10**6, count=300, batches=4)
    write(store, batches)
    rows = list(kept(batches).values())
    unknown = SeriesKey("plant/l9/m9", "power")
    keys = [SERIES[2], unknown, *reversed(SERIES), SERIES[2]]
    numbers = [Agg.MAX, Agg.COUNT, Agg.MEAN, Agg.MIN]
    for interval in (timedelta(minutes=1), HOUR):
        step = interval // timedelta(microseconds=1)
        got = store.range(keys, T0, T0 + 2 * HOUR, interval, numbers)
        assert [s.key for s in got] == keys
        for series in got:
            want = buckets(rows, series.key, us(T0), us(T0) + 2 * 3600 * 10**6, step)
            starts = series.start.astype("datetime64[us]").view(np.int64).tolist()
            assert starts == sorted(want), series.key
            assert set(series.values) == set(numbers) and not series.text
            for agg in numbers:
                expected = [float(want[b].get(agg.value, math.nan)) for b in starts]  # type: ignore[arg-type]
                np.testing.assert_allclose(series.values[agg], expected, rtol=1e-9, atol=1e-9)


def test_as_of_for_more_series_than_one_query_takes_parameters(store: HistoryStore) -> None:
    """40,000 series (QuestDB takes at most 32,767 bind parameters a query): the ones written
    are found, the others not."""
    rows = [Row(k.twin, k.signal, us(T0) + i * 10**6, float(i)) for i, k in enumerate(SERIES)]
    write(store, [rows])
    unknown = [SeriesKey(f"plant/none{i}", "power") for i in range(40_000)]
    keys = [*unknown[:20_000], *SERIES, *unknown[20_000:]]
    result = store.as_of(keys, T0 + timedelta(hours=1))
    assert int(result.found.sum()) == len(SERIES)
    at = {k: i for i, k in enumerate(keys)}
    for i, key in enumerate(SERIES):
        assert result.found[at[key]]
        assert result.value[at[key]] == float(i)
