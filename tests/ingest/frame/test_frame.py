"""The Frame and its builder: codes into name tables, whole-column chunks, merging."""

from __future__ import annotations

import math

import numpy as np

from ingest.frame import FrameBuilder, Kind, concat_frames, empty_frame


def test_the_builder_codes_names_once_and_keeps_every_kind_of_value() -> None:
    b = FrameBuilder()
    m1, m2, speed, mode = b.twin_code("m1"), b.twin_code("m2"), b.signal_code("speed"), 0
    mode = b.signal_code("mode")
    b.add_number(m1, speed, 10, 1.5, 0, 7)
    b.add_text(m2, mode, 11, "RUNNING", 1, 8)
    b.add_boolean(m1, speed, 12, True, 0, 9)
    b.add_null(m2, speed, 13, 3, 9)
    f = b.build()
    assert f.twins == ("m1", "m2")
    assert f.signals == ("speed", "mode")
    assert list(f.twin_names()) == ["m1", "m2", "m1", "m2"]
    assert list(f.signal_names()) == ["speed", "mode", "speed", "speed"]
    assert list(f.kind) == [Kind.NUMBER, Kind.TEXT, Kind.BOOLEAN, Kind.NULL]
    assert f.value[0] == 1.5 and f.value[2] == 1.0
    assert math.isnan(f.value[1]) and math.isnan(f.value[3])
    assert list(f.text) == [None, "RUNNING", None, None]
    assert list(f.quality) == [0, 1, 0, 3]
    assert list(f.position) == [7, 8, 9, 9]


def test_rows_and_column_chunks_keep_their_order_and_text() -> None:
    b = FrameBuilder()
    t = b.twin_code("m1")
    s = b.signal_code("mode")
    b.add_text(t, s, 1, "IDLE", 0, 0)
    b.add_numbers(
        np.array([t, t], dtype=np.int32),
        np.array([b.signal_code("a"), b.signal_code("b")], dtype=np.int32),
        np.array([2, 3], dtype=np.int64),
        np.array([4.0, 5.0]),
        quality=1,
        position=1,
    )
    b.add_text(t, s, 4, "RUNNING", 0, 2)
    f = b.build()
    assert list(f.time) == [1, 2, 3, 4]
    assert list(f.text) == ["IDLE", None, None, "RUNNING"]
    assert list(f.signal_names()) == ["mode", "a", "b", "mode"]
    assert list(f.quality) == [0, 1, 1, 0]
    assert len(b.build()) == 0


def test_concat_merges_the_name_tables() -> None:
    def one(twin: str, signal: str, time: int) -> FrameBuilder:
        b = FrameBuilder()
        b.add_number(b.twin_code(twin), b.signal_code(signal), time, float(time), 0, time)
        return b

    f = concat_frames([one("a", "x", 1).build(), empty_frame(), one("b", "x", 2).build()])
    assert list(f.twin_names()) == ["a", "b"]
    assert list(f.signal_names()) == ["x", "x"]
    assert f.signals == ("x",)


def test_take_selects_rows_and_shares_the_tables() -> None:
    b = FrameBuilder()
    for i in range(5):
        b.add_number(b.twin_code(f"m{i % 2}"), b.signal_code("s"), i, float(i), 0, i)
    f = b.build()
    picked = f.take(f.value > 2)
    assert list(picked.time) == [3, 4]
    assert list(picked.twin_names()) == ["m1", "m0"]
    assert picked.twins is f.twins
