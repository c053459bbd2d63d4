"""The ILP frames of the QuestDB store: samples (a column null in every row left out) and
the tier rows of several tables in one frame (a column names each row's table)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from ontology.history._columns import sample_columns
from ontology.history._values import Samples
from ontology.history.questdb._frames import TABLE_COLUMN, samples_frame, tier_frame
from ontology.history.questdb._tiers import SEP

T0 = np.datetime64("2026-01-01T00:00:00", "us")


def _samples(text: list[str | None]) -> Samples:
    n = len(text)
    return Samples(
        twin=np.array(["a", "b", "a"][:n], dtype=object),
        signal=np.array(["x"] * n, dtype=object),
        time=T0 + np.arange(n).astype("timedelta64[s]"),
        value=np.array([np.nan if t is not None else float(i) for i, t in enumerate(text)]),
        text=np.array(text, dtype=object),
        quality=np.array([0, 1, 2][:n], dtype=np.uint8),
    )


def test_samples_frame_keeps_every_row_and_leaves_out_an_all_null_text_column() -> None:
    columns = sample_columns(_samples([None, None, None]))
    frame = samples_frame(columns.table, "b1", twins=columns.twins, signals=columns.signals)
    assert "text" not in frame.columns
    assert frame["twin"].astype(str).tolist() == ["a", "b", "a"]
    assert frame["value"].tolist() == [0.0, 1.0, 2.0]
    assert frame["quality"].tolist() == [0, 1, 2]
    assert frame["batch_id"].tolist() == ["b1"] * 3
    start = int(T0.astype("int64"))  # µs since the epoch
    assert frame["ts"].astype("int64").tolist() == [start, start + 1_000_000, start + 2_000_000]

    with_text = samples_frame(sample_columns(_samples([None, "RUNNING", None])).table, "b1")
    assert with_text["text"].tolist()[1] == "RUNNING"
    assert with_text["text"].isna().tolist() == [True, False, True]
    assert np.isnan(with_text["value"].iloc[1])  # a text sample has no number


def test_samples_frame_leaves_out_a_quality_good_in_every_row() -> None:
    good = _samples([None, None, None])
    good = Samples(good.twin, good.signal, good.time, good.value, quality=np.zeros(3, np.uint8))
    frame = samples_frame(sample_columns(good).table, "b1")
    assert "quality" not in frame.columns
    assert frame["value"].tolist() == [0.0, 1.0, 2.0]


def _tier(series: list[str], buckets: list[int], tl: list[str | None]) -> pa.Table:
    n = len(series)
    return pa.table(
        {
            "series": pa.array(series, pa.string()),
            "bucket": pa.array(buckets, pa.int64()),
            "n": pa.array([1] * n, pa.int64()),
            "vl_ts": pa.array([None] * n, pa.int64()),
            "vl": pa.array([1.5] * n, pa.float64()),
            "tl": pa.array(tl, pa.string()),
            "lq": pa.array([3] * n, pa.uint8()),
        }
    )


def test_tier_frame_names_each_rows_table_and_splits_the_series_key() -> None:
    minute = _tier([f"a{SEP}x", f"b{SEP}y"], [0, 60_000_000], [None, "IDLE"])
    hour = _tier([f"a{SEP}x"], [0], [None])
    frame = tier_frame({"p_minute": minute, "p_hour": hour, "p_empty": minute.slice(0, 0)})
    assert frame[TABLE_COLUMN].astype(str).tolist() == ["p_minute", "p_minute", "p_hour"]
    assert frame["twin"].astype(str).tolist() == ["a", "b", "a"]
    assert frame["signal"].astype(str).tolist() == ["x", "y", "x"]
    assert frame["ts"].astype("int64").tolist() == [0, 60_000_000, 0]
    assert "vl_ts" not in frame.columns  # null in every row: no field sent for any
    assert frame["tl"].tolist()[1] == "IDLE"
    assert frame["lq"].tolist() == [3, 3, 3]
    assert "series" not in frame.columns
    assert "bucket" not in frame.columns
    assert tier_frame({"p_minute": minute.slice(0, 0)}).empty


def test_tier_frame_splits_series_sharing_a_twin_or_a_signal_into_their_own_names() -> None:
    keys = [f"a{SEP}x", f"b{SEP}x", f"a{SEP}y", f"a{SEP}x", f"c{SEP}y"]
    frame = tier_frame({"p_minute": _tier(keys, [0, 0, 0, 60_000_000, 0], [None] * 5)})
    assert frame["twin"].astype(str).tolist() == ["a", "b", "a", "a", "c"]
    assert frame["signal"].astype(str).tolist() == ["x", "x", "y", "x", "y"]
    assert sorted(frame["twin"].cat.categories) == ["a", "b", "c"]  # each name once


def test_tier_frame_keeps_integers_null_in_some_rows_and_leaves_out_a_good_quality() -> None:
    minute = _tier([f"a{SEP}x", f"b{SEP}y"], [0, 60_000_000], [None, "IDLE"])
    minute = minute.set_column(3, "vl_ts", pa.array([None, 5], pa.int64()))
    frame = tier_frame({"p_minute": minute})
    assert frame["vl_ts"].isna().tolist() == [True, False]  # a null stays null (no field sent)
    assert frame["vl_ts"].tolist()[1] == 5
    assert frame["lq"].tolist() == [3, 3]
    good = minute.set_column(6, "lq", pa.array([0, 0], pa.uint8()))
    assert "lq" not in tier_frame({"p_minute": good}).columns  # stored as 0, GOOD, unsent
