"""Hypothesis, codec and kernel together: malformed, truncated, oversized, wrongly typed,
duplicate and out-of-order payloads never crash the ingest; every refused sample is
counted once with its reason, and every good sample reaches history exactly once."""

from __future__ import annotations

from collections import Counter
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.codecs import CodecLimits, JsonCodec, RawRecord
from ingest.pipeline import REASONS, Fusion, Pipeline
from ontology import GraphStore
from tests.ingest.conftest import NOW_US, T0_US

LIMITS = CodecLimits(max_record_bytes=300, max_text_length=20)
TWINS = ["machine/m1", "machine/m2", "EQ-1", "sensor/t1"]
CANONICAL = {"EQ-1": "machine/m1"}

good = st.builds(
    lambda twin, signal, ms, value: {"twin": twin, "signal": signal, "time": ms, "value": value},
    st.sampled_from(TWINS),
    st.sampled_from(["faultCode", "speed"]),
    st.integers(T0_US // 1000, T0_US // 1000 + 1_000_000),
    st.integers(0, 5000),
)
BAD = {
    "malformed": lambda d: b"{" + orjson.dumps(d)[2:],
    "truncated": lambda d: orjson.dumps(d)[:-3],
    "too_large": lambda d: orjson.dumps({**d, "pad": "x" * 400}),
    "wrong_type": lambda d: orjson.dumps({**d, "value": [d["value"]]}),
    "unknown_twin": lambda d: orjson.dumps({**d, "twin": "nobody"}),
    "unknown_signal": lambda d: orjson.dumps({**d, "signal": "colour"}),
    "out_of_range": lambda d: orjson.dumps({**d, "signal": "speed", "value": 9999}),
    "bad_time": lambda d: orjson.dumps({**d, "time": "soon"}),
    "retired_twin": lambda d: orjson.dumps({**d, "twin": "machine/p1"}),
}
item = st.one_of(
    good.map(lambda d: ("good", d)),
    st.tuples(st.sampled_from(sorted(BAD)), good),
    st.just(("duplicate", None)),
)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(items=st.lists(item, max_size=50), data=st.data())
def test_nothing_crashes_every_reject_is_counted_every_good_sample_is_kept(
    pipeline: Pipeline, plant_store: GraphStore, items: list[tuple[str, Any]], data: st.DataObject
) -> None:
    payloads: list[bytes] = []
    expected_reasons: Counter[str] = Counter()
    kept: dict[tuple[str, str, int], float] = {}
    for what, doc in items:
        if what == "good":
            key = (CANONICAL.get(doc["twin"], doc["twin"]), doc["signal"], doc["time"] * 1000)
            if key in kept:  # same key and time as an earlier good one: a duplicate
                expected_reasons["duplicate"] += 1
            else:
                kept[key] = float(doc["value"])
            payloads.append(orjson.dumps(doc))
        elif what == "duplicate":
            if payloads and kept:
                twin, signal, at = next(iter(kept))
                doc = {
                    "twin": twin,
                    "signal": signal,
                    "time": at // 1000,
                    "value": kept[(twin, signal, at)],
                }
                payloads.append(orjson.dumps(doc))
                expected_reasons["duplicate"] += 1
        else:
            payloads.append(BAD[what](doc))
            expected_reasons["malformed" if what == "truncated" else what] += 1
    order = data.draw(st.permutations(range(len(payloads))))
    records = [RawRecord(i, payloads[i]) for i in order]

    decoded = JsonCodec(LIMITS).decode(records)
    fusion = Fusion(pipeline, plant_store)
    fused = fusion.fuse(decoded.frame, NOW_US)

    got_reasons: Counter[str] = Counter()
    for reject in decoded.rejects:
        got_reasons[str(reject.reason)] += reject.count
    for code in fused.reject_code:
        got_reasons[str(REASONS[code - 1])] += 1
    assert got_reasons == expected_reasons

    twins, signals = fusion.twins.names(), fusion.signals.name_array
    history = {
        (twins[fused.twin[i]], signals[fused.signal[i]], int(fused.time[i])): float(fused.value[i])
        for i in range(len(fused.time))
    }
    assert len(history) == len(fused.time)
    assert set(history) == set(kept)
    assert all(t1 <= t2 for t1, t2 in zip(fused.time[:-1], fused.time[1:], strict=True))
