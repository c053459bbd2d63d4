"""The QuestDB store's tier tail: trusted only while the minute table moved by exactly its
own flushes (one transaction each), and then holding each series' latest row (the rows
sent win a tie)."""

from __future__ import annotations

import pyarrow as pa

from ontology.history._tiers import MINUTE_US, Tier
from ontology.history.questdb._tail import TierTail


def _rows(series: list[str], buckets: list[int], n: list[int]) -> pa.Table:
    return pa.table(
        {
            "series": pa.array(series, pa.string()),
            "bucket": pa.array(buckets, pa.int64()),
            "n": pa.array(n, pa.int64()),
        }
    )


def _tiers(table: pa.Table) -> dict[Tier, pa.Table]:
    return {Tier.MINUTE: table, Tier.HOUR: table}


A_B = pa.array(["a", "b"], pa.string())


def test_the_rows_kept_after_its_own_flush_are_the_latest_per_series() -> None:
    tail = TierTail()
    assert tail.held(A_B, 7) is None  # nothing kept yet
    held = _rows(["a", "a", "b", "c"], [0, MINUTE_US, 0, 0], [5, 6, 7, 8])
    sent = _rows(["a", "b"], [MINUTE_US, MINUTE_US], [60, 70])
    tail.keep(A_B, _tiers(held), _tiers(sent), 7)
    got = tail.held(A_B, 8)
    assert got is not None
    rows = got[Tier.MINUTE].sort_by("series").to_pylist()
    assert rows == [
        {"series": "a", "bucket": MINUTE_US, "n": 60},  # the row sent beats the one held
        {"series": "b", "bucket": MINUTE_US, "n": 70},
    ]
    # A series never written by this store is unknown: the batch reads the server.
    assert tail.held(pa.array(["a", "c"], pa.string()), 8) is None


def test_another_writer_between_or_during_its_flushes_drops_the_rows() -> None:
    tail = TierTail()
    sent = _tiers(_rows(["a", "b"], [0, 0], [1, 1]))
    tail.keep(A_B, sent, sent, 3)
    assert tail.held(A_B, 5) is None  # someone committed before or after this store's flush
    tail.keep(A_B, sent, sent, 5)
    assert tail.held(A_B, 6) is not None  # its own flush only
    tail.keep(A_B, sent, sent, 6)
    assert tail.held(A_B, 7) is not None
    tail.clear()  # a failed flush, expire
    assert tail.held(A_B, 7) is None


def test_rows_of_other_series_survive_only_a_chain_of_its_own_flushes() -> None:
    tail = TierTail()
    first = _tiers(_rows(["a"], [0], [1]))
    one = pa.array(["a"], pa.string())
    tail.keep(one, first, first, 1)
    second = _tiers(_rows(["b"], [0], [2]))
    other = pa.array(["b"], pa.string())
    tail.keep(other, second, second, 2)
    assert tail.held(A_B, 3) is not None
    # After a gap (another writer), only the series of the batch just written are kept.
    tail.keep(other, second, second, 5)
    assert tail.held(A_B, 6) is None
    assert tail.held(other, 6) is not None


def test_a_tail_started_empty_knows_the_series_it_holds_no_rows_for() -> None:
    tail = TierTail()
    tail.start_empty(4)
    assert tail.held(A_B, 5) is None  # another writer committed since the tables were empty
    tail.start_empty(4)
    got = tail.held(A_B, 4)
    assert got is not None
    assert got[Tier.MINUTE].num_rows == got[Tier.HOUR].num_rows == 0
    assert "series" in got[Tier.MINUTE].column_names
    sent = _tiers(_rows(["a"], [0], [1]))
    tail.keep(pa.array(["a"], pa.string()), got, sent, 4)
    got = tail.held(A_B, 5)  # "b" is new: none of its rows exist
    assert got is not None
    assert got[Tier.MINUTE].column("series").to_pylist() == ["a"]
    # After a gap (another writer) a series not kept is unknown again.
    tail.keep(pa.array(["a"], pa.string()), sent, sent, 7)
    assert tail.held(A_B, 8) is None
    assert tail.held(pa.array(["a"], pa.string()), 8) is not None
    tail.start_empty(9)
    tail.clear()
    assert tail.held(A_B, 9) is None
