"""The ``HistoryStore`` contract for events, batches (lineage), Kafka offsets and rejects."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from ontology import NotFoundError
from ontology.history import (
    Event,
    HistoryInputError,
    HistoryStore,
    Reject,
    SourceKind,
    SourcePosition,
    empty_samples,
)
from tests.ontology.history._reference import Row, samples, us
from tests.ontology.history.test_contract_samples import SERIES, T0, batch

DAY = timedelta(days=1)


def event(twin: str, minute: int, kind: str = "mode", code: str = "RUN->IDLE") -> Event:
    return Event(
        twin=twin,
        time=T0 + timedelta(minutes=minute),
        kind=kind,
        code=code,
        message=f"{twin} at {minute}",
        data={"minute": minute, "tags": ["a", "b"]},
    )


def test_events_are_kept_once_and_read_by_twin_kind_and_time_in_pages(store: HistoryStore) -> None:
    events = [event(f"m{i % 3}", i, "fault" if i % 4 == 0 else "mode") for i in range(30)]
    store.append_events(events)
    store.append_events(events[:10])  # a replay
    page = store.events(None, T0, T0 + DAY, first=100)
    assert [e.time for e in page.items] == [e.time for e in events]
    assert page.items[3] == events[3]
    assert page.next_cursor is None

    mine = store.events(["m0", "m1"], T0, T0 + DAY, kinds=["mode"], first=4)
    seen = list(mine.items)
    while mine.next_cursor:
        mine = store.events(
            ["m0", "m1"], T0, T0 + DAY, kinds=["mode"], first=4, after=mine.next_cursor
        )
        seen.extend(mine.items)
    want = [e for e in events if e.twin in ("m0", "m1") and e.kind == "mode"]
    assert seen == want

    window = store.events(None, T0 + timedelta(minutes=10), T0 + timedelta(minutes=12))
    assert [e.time for e in window.items] == [events[10].time, events[11].time]


def test_events_with_the_same_time_page_without_loss(store: HistoryStore) -> None:
    events = [event(f"m{i}", 0, code=f"c{j}") for i in range(5) for j in range(3)]
    store.append_events(events)
    seen: list[Event] = []
    after = None
    while True:
        page = store.events(None, T0, T0 + DAY, first=2, after=after)
        seen.extend(page.items)
        if page.next_cursor is None:
            break
        after = page.next_cursor
    assert sorted((e.twin, e.code) for e in seen) == sorted((e.twin, e.code) for e in events)
    assert len(seen) == len(events)


def test_a_bad_cursor_or_page_size_is_refused(store: HistoryStore) -> None:
    with pytest.raises(HistoryInputError, match="expected a cursor from a previous page"):
        store.events(None, T0, T0 + DAY, after="not-a-cursor")
    with pytest.raises(HistoryInputError, match="first is 0"):
        store.batches(T0, T0 + DAY, first=0)


def test_a_batch_is_its_lineage_record_looked_up_by_id_and_listed_by_time(
    store: HistoryStore,
) -> None:
    key = SERIES[0]
    for i in range(5):
        rows = [
            Row(key.twin, key.signal, us(T0) + (i * 10 + s) * 10**6, float(s)) for s in range(10)
        ]
        store.write_batch(
            batch(f"b{i}", 10, at=T0 + timedelta(seconds=i), offsets=(i * 10, i * 10 + 9)),
            samples(rows),
            events=[event("m1", i)],
        )
    got = store.get_batch("b3")
    assert got == batch("b3", 10, at=T0 + timedelta(seconds=3), offsets=(30, 39))
    with pytest.raises(NotFoundError, match="b9"):
        store.get_batch("b9")
    first = store.batches(T0, T0 + DAY, first=3)
    assert [b.id for b in first.items] == ["b0", "b1", "b2"]
    rest = store.batches(T0, T0 + DAY, first=3, after=first.next_cursor)
    assert [b.id for b in rest.items] == ["b3", "b4"]
    assert rest.next_cursor is None
    assert store.committed_offsets("telemetry") == {0: 49}
    assert store.committed_offsets("other") == {}
    assert store.as_of([key], T0 + DAY).batch.tolist() == ["b4"]
    written = store.events(["m1"], T0, T0 + DAY).items
    assert [e.batch for e in written] == [f"b{i}" for i in range(5)]  # given the batch's id


def test_committed_offsets_never_move_back_and_count_partitions_apart(store: HistoryStore) -> None:
    def kafka(part: int, last: int) -> SourcePosition:
        return SourcePosition(
            SourceKind.KAFKA, topic="t", partition=part, first_offset=0, last_offset=last
        )

    for i, sources in enumerate([(kafka(0, 10), kafka(1, 5)), (kafka(0, 7),), (kafka(1, 20),)]):
        store.write_batch(replace(batch("x"), id=f"x{i}", sources=sources), empty_samples())
    assert store.committed_offsets("t") == {0: 10, 1: 20}


def reject(batch_id: str, i: int, reason: str, feed: str = "kafka:telemetry") -> Reject:
    return Reject(
        batch=batch_id,
        feed=feed,
        reason=reason,
        time=T0 + timedelta(seconds=i),
        source=SourcePosition(
            SourceKind.KAFKA, topic="telemetry", partition=0, first_offset=0, last_offset=99
        ),
        offset=i,
        detail=f"value {i} of 'temp' is out of range",
        raw=b"x" * 2000,
    )


def test_rejects_are_paged_and_counted_by_reason(store: HistoryStore) -> None:
    reasons = ["range", "unknown-twin", "range", "unit"]
    rejects = [reject("b1", i, reasons[i % 4]) for i in range(21)]
    store.write_batch(batch("b1", 21), empty_samples(), rejects=rejects)
    store.write_batch(batch("b1", 21), empty_samples(), rejects=rejects)  # a replay
    assert store.reject_counts(T0, T0 + DAY) == {"range": 11, "unknown-twin": 5, "unit": 5}
    assert store.reject_counts(T0, T0 + DAY, feed="other") == {}
    seen: list[Reject] = []
    page = store.rejects(T0, T0 + DAY, reason="range", first=4)
    seen.extend(page.items)
    while page.next_cursor:
        page = store.rejects(T0, T0 + DAY, reason="range", first=4, after=page.next_cursor)
        seen.extend(page.items)
    assert [r.offset for r in seen] == [i for i in range(21) if reasons[i % 4] == "range"]
    assert seen[0].raw == b"x" * 1024
    assert seen[0].source.topic == "telemetry"
    assert seen[0].detail == "value 0 of 'temp' is out of range"


def test_a_refused_sample_written_by_two_runs_in_other_batches_is_kept_once(
    store: HistoryStore,
) -> None:
    """A partition replayed or handed over: run a cut offsets 0-19 into two batches, run b
    (later) into one; each refused sample (offset, item) is kept once, as the later run
    wrote it, and counted once. Rejects naming no item stay known by batch (both kept)."""

    def run(batch_id: str, offsets: range, later: timedelta) -> list[Reject]:
        place = SourcePosition(
            SourceKind.KAFKA,
            topic="telemetry",
            partition=0,
            first_offset=offsets[0],
            last_offset=offsets[-1],
        )
        return [
            replace(
                reject(batch_id, i, "range" if i % 2 else "unit"),
                time=T0 + later + timedelta(seconds=i),
                source=place,
                item=item,
                detail=f"{batch_id}: sample {item} of offset {i}",
            )
            for i in offsets
            for item in (0, 1, -1)
        ]

    a1, a2 = run("a1", range(10), timedelta()), run("a2", range(10, 20), timedelta())
    b1 = run("b1", range(20), timedelta(minutes=1))
    apart = replace(reject("b1", 99, "unit"), time=T0 + timedelta(minutes=2))  # no item
    store.write_batch(batch("a1", 30), empty_samples(), rejects=a1)
    store.write_batch(batch("a2", 30), empty_samples(), rejects=a2)
    store.write_batch(batch("b1", 60), empty_samples(), rejects=[*b1, apart])
    store.write_batch(
        replace(batch("c1", 1), id="c1"), empty_samples(), rejects=[replace(apart, batch="c1")]
    )
    assert store.reject_counts(T0, T0 + DAY) == {"range": 30, "unit": 32}
    seen: list[Reject] = []
    page = store.rejects(T0, T0 + DAY, first=7)
    seen.extend(page.items)
    while page.next_cursor:
        page = store.rejects(T0, T0 + DAY, first=7, after=page.next_cursor)
        seen.extend(page.items)
    assert sorted((r.offset, r.item) for r in seen if r.item is not None) == sorted(
        (i, item) for i in range(20) for item in (0, 1, -1)
    )
    assert {r.batch for r in seen if r.item is not None} == {"b1"}  # the later run's
    assert seen[0].detail == "b1: sample 0 of offset 0"
    assert [r.batch for r in seen if r.item is None] == ["b1", "c1"]
    ranged = store.rejects(T0, T0 + DAY, reason="range", first=100).items
    assert len(ranged) == 30
    assert store.reject_counts(T0, T0 + timedelta(minutes=1)) == {}  # only run a's copies there


def test_a_reject_of_another_batch_is_refused_and_nothing_written(store: HistoryStore) -> None:
    key = SERIES[0]
    with pytest.raises(HistoryInputError, match=r"rejects\[0\].batch is 'other'"):
        store.write_batch(
            batch("b1", 1),
            samples([Row(key.twin, key.signal, us(T0), 1.0)]),
            rejects=[reject("other", 0, "range")],
        )
    with pytest.raises(NotFoundError):
        store.get_batch("b1")
    assert len(store.raw(key, T0, T0 + DAY)) == 0


def test_an_event_that_is_not_json_is_refused_and_nothing_written(store: HistoryStore) -> None:
    bad = Event(twin="m1", time=T0, kind="mode", code="X", data={"x": object()})  # type: ignore[dict-item]
    with pytest.raises(HistoryInputError, match=r"events\[1\].data is not JSON"):
        store.append_events([event("m1", 0), bad])
    assert store.events(None, T0 - DAY, T0 + DAY).items == ()


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"twin": ""}, r"events\[1\].twin is ''; expected a non-empty string"),
        ({"kind": "k" * 257}, r"events\[1\].kind is 'k+'; expected a non-empty string"),
        ({"code": 7}, r"events\[1\].code is 7; expected a non-empty string"),
        ({"time": T0.replace(tzinfo=None)}, r"events\[1\].time is .* without a time zone"),
        ({"message": "m" * 4097}, r"events\[1\].message has 4097 characters"),
    ],
)
def test_an_event_with_a_bad_field_is_refused_by_name_and_nothing_written(
    store: HistoryStore, change: dict[str, object], words: str
) -> None:
    bad = replace(event("m1", 1), **change)  # type: ignore[arg-type]
    with pytest.raises(HistoryInputError, match=words):
        store.append_events([event("m1", 0), bad])
    with pytest.raises(HistoryInputError, match=words):
        store.write_batch(batch("b1", 0), empty_samples(), events=[event("m1", 0), bad])
    assert store.events(None, T0 - DAY, T0 + DAY).items == ()


def test_the_store_is_a_history_store_and_says_its_retention(store: HistoryStore) -> None:
    assert isinstance(store, HistoryStore)
    assert store.retention.raw == timedelta(days=7)
