"""Hypothesis: any mix of good and bad JSON records never crashes the codec; every good
sample comes out exactly, every bad one is refused once with a reason."""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.codecs import CodecLimits, JsonCodec, RawRecord

LIMITS = CodecLimits(max_text_length=16)
Good = tuple[str, str, int, Any]

names = st.sampled_from(["m1", "m2", "acme/jkt1/l1", "ünï"])
values = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(-(2**53), 2**53),
    st.booleans(),
    st.text(max_size=16),
)
good_samples = st.tuples(names, names, st.integers(0, 2**41), values)


def as_doc(sample: Good) -> dict[str, Any]:
    twin, signal, time, value = sample
    return {"twin": twin, "signal": signal, "time": time, "value": value}


@st.composite
def bad_records(draw: st.DrawFn) -> bytes:
    doc = as_doc(draw(good_samples))
    how = draw(st.sampled_from(["truncate", "garbage", "type", "twin", "time", "big", "shape"]))
    if how == "truncate":
        data = orjson.dumps(doc)
        return data[: draw(st.integers(0, len(data) - 1))]
    if how == "garbage":
        return b"\xff" + draw(st.binary(max_size=40))
    if how == "type":
        doc["value"] = draw(st.one_of(st.lists(st.integers(-9, 9), max_size=2), st.just({"x": 1})))
    elif how == "twin":
        doc["twin"] = draw(st.one_of(st.integers(-9, 9), st.just(""), st.none()))
    elif how == "time":
        doc["time"] = draw(
            st.one_of(st.just("yesterday"), st.integers(-(2**40), -1), st.booleans())
        )
    elif how == "big":
        doc["value"] = "x" * (LIMITS.max_text_length + draw(st.integers(1, 50)))
    else:
        del doc["value"]
    return orjson.dumps(doc)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(good_samples.map(lambda s: ("good", s)), bad_records().map(lambda b: ("bad", b))),
        max_size=40,
    )
)
def test_mixed_records_keep_every_good_sample_and_count_every_bad_one(
    items: list[tuple[str, Any]],
) -> None:
    records, good, bad = [], [], 0
    for position, (what, item) in enumerate(items):
        if what == "good":
            good.append(item)
            records.append(RawRecord(position, orjson.dumps(as_doc(item))))
        else:
            bad += 1
            records.append(RawRecord(position, item))
    out = JsonCodec(LIMITS).decode(records)
    f = out.frame
    assert sum(r.count for r in out.rejects) == bad
    assert len(f) == len(good)
    got = []
    for i in range(len(f)):
        value = f.text[i] if f.text[i] is not None else f.value[i]
        got.append((f.twin_names()[i], f.signal_names()[i], int(f.time[i]), value))
    expected = [
        (t, s, time * 1000, v if isinstance(v, str) else float(v)) for t, s, time, v in good
    ]
    assert got == expected
