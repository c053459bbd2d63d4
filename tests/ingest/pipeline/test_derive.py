"""All derived signals together under hypothesis: random, out-of-order, duplicate and
conflicting samples over several batches never crash the derivation, and what it writes
stays within what the signals mean."""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.frame import Kind
from ingest.pipeline import Fusion, pipeline_from_document
from ontology import MemoryStore
from tests.ingest.conftest import NOW_US, PIPELINE_DOC, T0_US, Row, build_plant, make_frame

S = 1_000_000


def everything_doc() -> dict[str, Any]:
    doc = copy.deepcopy(PIPELINE_DOC)
    doc["signals"]["vibration"] = {"range": [-1000, 1000]}
    doc["signals"]["goodCount"] = {"range": [0, None]}
    doc["features"] = {"vibration": {"window": 0.5}}
    doc["derived"] = {
        "day": {"timezone": "UTC", "sites": {"machine/m2": "Pacific/Kiritimati"}},
        "uptime": {},
        "oee": {"good": "goodCount", "ideal_rate": 120},
        "faults": {"raise": "faultCode"},
    }
    return doc


row = st.tuples(
    st.sampled_from(["machine/m1", "machine/m2", "EQ-1"]),
    st.sampled_from(["speed", "faultCode", "vibration", "goodCount"]),
    st.integers(T0_US - 30 * S, T0_US + 30 * S),
    st.one_of(st.integers(0, 40), st.floats(-50, 50, allow_nan=False)),
)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batches=st.lists(st.lists(row, max_size=40), max_size=6))
def test_random_batches_derive_only_sane_values(batches: list[list[Row]]) -> None:
    fusion = Fusion(pipeline_from_document(everything_doc()), build_plant(MemoryStore()))
    names = fusion.signals.name_array
    for rows in batches:
        fused = fusion.fuse(make_frame(rows), NOW_US)
        fusion.commit(fused)
        n = len(fused.time)
        for i in range(n - fused.derived_rows, n):
            name, value = str(names[fused.signal[i]]), float(fused.value[i])
            if fused.kind[i] == Kind.TEXT:
                assert name == "activeFaults"
                codes = json.loads(str(fused.text[i]))
                assert codes == sorted(set(codes)) and 0 not in codes
                continue
            assert math.isfinite(value), name
            if name in ("uptimeToday", "oee.planned"):
                assert 0 <= value <= 86_400 + 3_600, name  # a day, DST included
            if name in ("oee.availability", "oee.quality"):
                assert 0 <= value <= 1 + 1e-9, name
            if name in ("oee", "oee.performance", "oee.good", "oee.total"):
                assert value >= 0, name
            if name.startswith("vibration."):
                assert value >= 0, name
            if name in ("vibration.kurtosis", "vibration.crestFactor"):
                assert value >= 1 - 1e-6, name  # Pearson's kurtosis and peak / rms are >= 1
    state = fusion.state
    assert not np.isinf(state.state_value).any()
