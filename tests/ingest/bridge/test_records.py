"""What the bridge publishes reads back through the JSON codec as the very same samples."""

from __future__ import annotations

import math

from ingest.bridge import finite_only, keyed_records
from ingest.codecs import JsonCodec, RawRecord
from ingest.frame import FrameBuilder, Kind
from tests.ingest.conftest import T0_US


def test_keyed_records_read_back_as_the_same_samples_one_record_per_message_and_twin() -> None:
    b = FrameBuilder()
    m1, m2 = b.twin_code("raw-m1"), b.twin_code("raw-m2")
    speed, mode, on = b.signal_code("SPEED_RPS"), b.signal_code("product"), b.signal_code("on")
    b.add_number(m1, speed, T0_US, 12.5, 0, 0)
    b.add_text(m1, mode, T0_US + 1, "SKU-1", 1, 0)  # microseconds: sent as ISO 8601
    b.add_number(m2, speed, T0_US, 3.0, 0, 0)
    b.add_boolean(m2, on, T0_US + 1000, True, 0, 1)
    b.add_null(m1, speed, T0_US + 2000, 3, 1)  # a stale mark
    frame = b.build()
    records = keyed_records(frame, ["machine/m1", "machine/m2"])
    assert [key for key, _ in records] == ["machine/m1", "machine/m2", "machine/m1", "machine/m2"]
    back = JsonCodec().decode([RawRecord(i, p, twin=k) for i, (k, p) in enumerate(records)])
    assert back.rejects == ()
    got = back.frame
    rows = sorted(
        (
            got.twins[got.twin[i]],
            got.signals[got.signal[i]],
            int(got.time[i]),
            int(got.kind[i]),
            None if math.isnan(got.value[i]) else float(got.value[i]),
            got.text[i],
            int(got.quality[i]),
        )
        for i in range(len(got))
    )
    assert rows == sorted(
        [
            ("machine/m1", "SPEED_RPS", T0_US, Kind.NUMBER, 12.5, None, 0),
            ("machine/m1", "product", T0_US + 1, Kind.TEXT, None, "SKU-1", 1),
            ("machine/m2", "SPEED_RPS", T0_US, Kind.NUMBER, 3.0, None, 0),
            ("machine/m2", "on", T0_US + 1000, Kind.BOOLEAN, 1.0, None, 0),
            ("machine/m1", "SPEED_RPS", T0_US + 2000, Kind.NULL, None, None, 3),
        ]
    )


def test_nan_and_infinite_numbers_are_dropped_and_counted() -> None:
    b = FrameBuilder()
    t, s = b.twin_code("m"), b.signal_code("speed")
    for i, value in enumerate((1.0, math.nan, math.inf, -math.inf, 2.0)):
        b.add_number(t, s, T0_US + i, value, 0, i)
    kept, dropped = finite_only(b.build())
    assert dropped == 3
    assert kept.value.tolist() == [1.0, 2.0]
