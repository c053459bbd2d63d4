"""What only the DuckDB store does: one file that keeps everything across a reopen."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import duckdb
import numpy as np
import pytest

from ontology.history import (
    Agg,
    DuckDBHistorySettings,
    DuckDBHistoryStore,
    HistoryInputError,
    HistoryUnavailableError,
    Retention,
    SeriesKey,
    empty_samples,
)
from ontology.history.duckdb import _records as duckdb_records
from ontology.history.duckdb import _store
from ontology.history.duckdb._connect import Config, connect
from tests.ontology.history._reference import Row, samples, us
from tests.ontology.history.test_contract_records import event, reject
from tests.ontology.history.test_contract_samples import SERIES, T0, batch


def test_a_reopened_file_keeps_samples_series_tiers_and_watermarks(tmp_path: Path) -> None:
    settings = DuckDBHistorySettings(
        path=tmp_path / "history.duckdb",
        retention=Retention(raw=timedelta(hours=1), minute=timedelta(hours=2), hour=None),
    )
    key = SERIES[0]
    rows = [Row(key.twin, key.signal, us(T0) + s * 10**6, float(s)) for s in range(0, 7200, 30)]
    store = DuckDBHistoryStore(settings)
    store.write_batch(batch("b1", len(rows)), samples(rows))
    store.expire(T0 + timedelta(hours=2, minutes=10))
    store.close()

    again = DuckDBHistoryStore(settings)
    again.write_batch(batch("b1", len(rows)), samples(rows[-10:]))  # replay after restart
    (series,) = again.range([key], T0, T0 + timedelta(hours=2), timedelta(hours=1), [Agg.COUNT])
    assert series.values[Agg.COUNT].tolist() == [120.0, 120.0]
    with pytest.raises(HistoryInputError, match="before the raw samples kept"):
        again.write_batch(batch("b2", 1), samples(rows[:1]))
    again.close()


def test_settings_refuse_tiers_that_expire_before_the_finer_ones() -> None:
    with pytest.raises(HistoryInputError, match=r"Retention.minute is 1:00:00 and Retention.raw"):
        DuckDBHistorySettings(retention=Retention(raw=timedelta(days=2), minute=timedelta(hours=1)))
    with pytest.raises(HistoryInputError, match="threads is 0"):
        DuckDBHistorySettings(threads=0)


def _a_written_file(tmp_path: Path) -> tuple[DuckDBHistorySettings, SeriesKey, list[Row]]:
    """A file holding 3 samples (1.0) of one series in its first minute, closed; and 3
    later samples (2.0) of the same minute."""
    settings = DuckDBHistorySettings(path=tmp_path / "history.duckdb")
    key = SERIES[0]
    first = [Row(key.twin, key.signal, us(T0) + s * 10**6, 1.0) for s in range(0, 30, 10)]
    later = [Row(key.twin, key.signal, us(T0) + s * 10**6, 2.0) for s in range(30, 60, 10)]
    store = DuckDBHistoryStore(settings)
    store.write_batch(batch("b1", len(first)), samples(first))
    store.close()
    return settings, key, later


def test_a_reopened_file_rebuilds_the_tier_rows_of_last_buckets_from_raw_samples(
    tmp_path: Path,
) -> None:
    """Each series' last bucket of each tier is kept in memory until the series moves past
    it or the store closes: a process that stops without writing it loses that tier row,
    not its samples. Here the row is deleted by another connection while the file was
    closed; opening the file again rebuilds it from the raw samples."""
    settings, key, later = _a_written_file(tmp_path)
    with duckdb.connect(str(settings.path)) as con:
        con.execute("DELETE FROM tier_minute")
        con.execute("DELETE FROM tier_hour")

    again = DuckDBHistoryStore(settings)
    again.write_batch(batch("b2", len(later)), samples(later))
    minute = timedelta(minutes=1)
    (series,) = again.range([key], T0, T0 + minute, minute, [Agg.COUNT, Agg.FIRST, Agg.LAST])
    assert series.values[Agg.COUNT].tolist() == [6.0]
    assert series.values[Agg.FIRST].tolist() == [1.0]
    assert series.values[Agg.LAST].tolist() == [2.0]
    (hour,) = again.range([key], T0, T0 + timedelta(hours=1), timedelta(hours=1), [Agg.COUNT])
    assert hour.values[Agg.COUNT].tolist() == [6.0]
    again.close()


def test_an_appending_batch_inserts_a_continued_bucket_the_tier_no_longer_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A series whose last bucket is in the tier table (written there by ``close``) continues
    it by an update of that row; when the row is gone (here deleted by another connection
    to the open file), the batch's partial row goes in instead of being lost."""
    settings, key, later = _a_written_file(tmp_path)
    opened: list[duckdb.DuckDBPyConnection] = []

    def keep(path: str | None, config: Config) -> duckdb.DuckDBPyConnection:
        opened.append(connect(path, config))  # the store's real connection, kept here
        return opened[-1]

    monkeypatch.setattr(_store, "connect", keep)
    again = DuckDBHistoryStore(settings)
    # The file is attached once per process: another connection to the same database.
    with opened[0].cursor() as con:
        con.execute("DELETE FROM history.tier_minute")
    again.write_batch(batch("b2", len(later)), samples(later))
    minute = timedelta(minutes=1)
    (series,) = again.range([key], T0, T0 + minute, minute, [Agg.COUNT, Agg.FIRST])
    assert series.values[Agg.COUNT].tolist() == [3.0]  # the later batch's samples only
    assert series.values[Agg.FIRST].tolist() == [2.0]
    (hour,) = again.range([key], T0, T0 + timedelta(hours=1), timedelta(hours=1), [Agg.COUNT])
    assert hour.values[Agg.COUNT].tolist() == [6.0]  # the hour row was held: updated
    again.close()


def test_a_batch_written_again_in_one_session_replaces_its_record_and_keeps_the_offsets() -> None:
    store = DuckDBHistoryStore()
    key = SERIES[0]
    rows = [Row(key.twin, key.signal, us(T0) + s * 10**6, 1.0) for s in range(3)]
    store.write_batch(batch("b1", 3, offsets=(0, 7)), samples(rows))
    store.write_batch(batch("b1", 5, offsets=(3, 4)), samples(rows))
    assert store.get_batch("b1") == batch("b1", 5, offsets=(3, 4))
    assert store.committed_offsets("telemetry") == {0: 7}  # never back
    store.close()


def test_many_series_in_one_call_read_as_each_alone() -> None:
    """Sixteen series of a day at one sample a minute, written in hourly slices (so the
    tier rows of the series interleave): one call for all of them, with a key asked twice
    and an unknown one, gives what a call for each key alone gives (more than 20,000
    buckets in one call, the size from which the store fetches Arrow, not numpy)."""
    keys = [SeriesKey(f"plant/m{i}", "power") for i in range(12)]
    keys += [SeriesKey(f"plant/m{i}", "mode") for i in range(4)]
    store = DuckDBHistoryStore()
    for hour in range(24):
        rows = []
        for minute in range(60):
            ts = us(T0) + (hour * 3600 + minute * 60 + 7) * 10**6
            for i, key in enumerate(keys):
                if key.signal == "mode":
                    # Text, but a number now and then: both kinds in one series.
                    value, text = (None, ("RUN", "IDLE")[minute % 2]) if minute % 5 else (1.0, None)
                else:
                    value, text = float(i * 1000 + hour * 60 + minute), None
                rows.append(Row(key.twin, key.signal, ts, value, text))
        store.write_batch(batch(f"b{hour}", len(rows)), samples(rows))
    asked = [keys[13], *keys, SeriesKey("plant/nowhere", "power"), keys[0]]
    end = T0 + timedelta(days=1)
    for interval in (timedelta(minutes=1), timedelta(hours=1), timedelta(seconds=13)):
        together = store.range(asked, T0, end, interval, list(Agg))
        assert [s.key for s in together] == asked
        assert together[-2].start.size == 0
        for got in together[:-2] + together[-1:]:
            (alone,) = store.range([got.key], T0, end, interval, list(Agg))
            assert got.start.tolist() == alone.start.tolist()
            for agg in Agg:
                np.testing.assert_array_equal(got.values[agg], alone.values[agg])
            assert {a: t.tolist() for a, t in got.text.items()} == {
                a: t.tolist() for a, t in alone.text.items()
            }
            assert bool(got.text) == (got.key.signal == "mode")
    mode, power = store.range(asked[:2], T0, end, timedelta(minutes=1), [Agg.COUNT, Agg.LAST])
    assert mode.values[Agg.COUNT].tolist() == [1.0] * 1440
    assert power.values[Agg.LAST][:3].tolist() == [0.0, 1.0, 2.0]
    assert mode.text[Agg.LAST][:3].tolist() == [None, "IDLE", "RUN"]
    store.close()


def test_a_reopened_file_reads_the_text_of_its_text_series(tmp_path: Path) -> None:
    """The store reads text columns only for series that have had text: after a reopen it
    still knows which (from the samples and the hour tier), here after the raw samples of
    the text expired too."""
    settings = DuckDBHistorySettings(
        path=tmp_path / "history.duckdb",
        retention=Retention(raw=timedelta(hours=1), minute=timedelta(hours=2), hour=None),
    )
    mode, power = SeriesKey("plant/m1", "mode"), SeriesKey("plant/m1", "power")
    rows = [Row(mode.twin, mode.signal, us(T0) + s * 10**6, None, "RUN") for s in range(0, 60, 10)]
    rows += [Row(power.twin, power.signal, us(T0) + 7200 * 10**6, 5.0)]
    store = DuckDBHistoryStore(settings)
    store.write_batch(batch("b1", len(rows)), samples(rows))
    store.expire(T0 + timedelta(hours=2, minutes=10))
    store.close()

    again = DuckDBHistoryStore(settings)
    hour = timedelta(hours=1)
    found = again.range([power, mode], T0, T0 + 3 * hour, hour, [Agg.FIRST, Agg.COUNT])
    assert found[0].text == {}
    assert found[1].values[Agg.COUNT].tolist() == [6.0]
    assert found[1].text[Agg.FIRST].tolist() == ["RUN"]
    again.close()


def test_events_later_than_all_stored_and_replays_after_a_reopen_are_kept_once(
    tmp_path: Path,
) -> None:
    settings = DuckDBHistorySettings(path=tmp_path / "history.duckdb")
    store = DuckDBHistoryStore(settings)
    store.append_events([event("m1", 1), event("m1", 2)])
    store.append_events([event("m1", 3), event("m1", 3)])  # later than all stored, twice
    store.close()

    again = DuckDBHistoryStore(settings)  # knows the latest stored event from the file
    changed = replace(event("m1", 2), message="again", data={})
    written = (batch("b1", 1), samples([Row("m1", "speed", us(T0), 1.0)]), [changed])
    again.write_batch(*written)
    again.write_batch(*written)  # a retry: the samples' general path, then the events
    again.append_events([event("m1", 4)])
    page = again.events(None, T0, T0 + timedelta(days=1))
    assert [(e.time, e.message, e.data) for e in page.items] == [
        (T0 + timedelta(minutes=1), "m1 at 1", event("m1", 1).data),
        (T0 + timedelta(minutes=2), "again", {}),
        (T0 + timedelta(minutes=3), "m1 at 3", event("m1", 3).data),
        (T0 + timedelta(minutes=4), "m1 at 4", event("m1", 4).data),
    ]
    again.close()


def test_a_file_a_store_has_open_is_refused_to_a_second_store(tmp_path: Path) -> None:
    """One writer per file, in this process too: a second store on the same file is refused
    (it would keep its own series ids, latest times and open rows beside the first's)."""
    settings = DuckDBHistorySettings(path=tmp_path / "history.duckdb")
    store = DuckDBHistoryStore(settings)
    with pytest.raises(HistoryUnavailableError, match="cannot open the DuckDB history file"):
        DuckDBHistoryStore(settings)
    store.close()
    DuckDBHistoryStore(settings).close()  # free again once closed


def test_a_file_whose_series_table_has_its_old_constraints_is_written_and_reopened(
    tmp_path: Path,
) -> None:
    """Files made before the series table lost its key and unique constraints keep them;
    new series still get ids no other has, across a reopen."""
    path = tmp_path / "history.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(
            "CREATE TABLE series (id INTEGER PRIMARY KEY, twin VARCHAR NOT NULL, "
            "signal VARCHAR NOT NULL, UNIQUE (twin, signal))"
        )
    settings = DuckDBHistorySettings(path=path)
    first, second = SERIES[0], SERIES[1]
    store = DuckDBHistoryStore(settings)
    store.write_batch(batch("b1", 1), samples([Row(first.twin, first.signal, us(T0), 1.0)]))
    store.close()
    again = DuckDBHistoryStore(settings)
    rows = [Row(k.twin, k.signal, us(T0) + 10**6, 2.0) for k in (first, second)]
    again.write_batch(batch("b2", 2), samples(rows))
    minute = timedelta(minutes=1)
    found = again.range([first, second], T0, T0 + minute, minute, [Agg.COUNT, Agg.LAST])
    assert [s.values[Agg.COUNT].tolist() for s in found] == [[2.0], [1.0]]
    assert [s.values[Agg.LAST].tolist() for s in found] == [[2.0], [2.0]]
    again.close()
    with duckdb.connect(str(path)) as con:
        assert con.execute("SELECT id FROM series ORDER BY id").fetchall() == [(1,), (2,)]


@pytest.mark.parametrize("threads", [None, 1, 3])
def test_a_write_leaves_duckdb_its_threads_for_reads(
    threads: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch is written on one DuckDB thread; reads after it get the threads the settings
    give (every core when they give none), after a failed write too."""
    opened: list[duckdb.DuckDBPyConnection] = []

    def keep(path: str | None, config: Config) -> duckdb.DuckDBPyConnection:
        opened.append(connect(path, config))
        return opened[-1]

    monkeypatch.setattr(_store, "connect", keep)
    store = DuckDBHistoryStore(DuckDBHistorySettings(threads=threads))
    ((before,),) = opened[0].execute("SELECT current_setting('threads')").fetchall()
    key = SERIES[0]
    store.write_batch(batch("b1", 1), samples([Row(key.twin, key.signal, us(T0), 1.0)]))
    store.append_events([event("m1", 1)])

    def fail(*_: object) -> None:
        raise OSError

    monkeypatch.setattr(duckdb_records, "write_batch_record", fail)
    with pytest.raises(OSError):  # a write failing inside its transaction
        store.write_batch(batch("b2", 1), samples([Row(key.twin, key.signal, us(T0) + 1, 2.0)]))
    ((after,),) = opened[0].execute("SELECT current_setting('threads')").fetchall()
    assert after == before == (threads if threads is not None else before)
    store.close()


def test_a_file_whose_rejects_table_has_no_item_reads_its_rejects_and_keeps_new_ones_once(
    tmp_path: Path,
) -> None:
    """A file made before rejects named their refused sample (``Reject.item``): its rejects
    table gets the columns when opened, its rejects read back as written (no item), and a
    refused sample two runs write is kept once."""
    path = tmp_path / "history.duckdb"
    with duckdb.connect(str(path)) as con:  # the rejects table as it was made before
        con.execute(
            "CREATE TABLE rejects (batch VARCHAR NOT NULL, seq INTEGER NOT NULL, feed VARCHAR "
            "NOT NULL, reason VARCHAR NOT NULL, ts BIGINT NOT NULL, source VARCHAR NOT NULL, "
            '"offset" BIGINT, detail VARCHAR NOT NULL, raw BLOB NOT NULL)'
        )
    store = DuckDBHistoryStore(DuckDBHistorySettings(path=path))
    old = reject("b0", 3, "range")
    store.write_batch(batch("b0", 1), empty_samples(), rejects=[old])
    store.close()
    with duckdb.connect(str(path)) as con:  # as the code before wrote it: no item
        con.execute("UPDATE rejects SET item = NULL, sample_key = NULL")
    again = DuckDBHistoryStore(DuckDBHistorySettings(path=path))
    named = replace(old, batch="b1", item=0)
    again.write_batch(batch("b1", 1), empty_samples(), rejects=[named])
    again.write_batch(batch("b2", 1), empty_samples(), rejects=[replace(named, batch="b2")])
    found = again.rejects(T0, T0 + timedelta(days=1)).items
    assert [(r.batch, r.item) for r in found] == [("b0", None), ("b2", 0)]
    assert found[0] == replace(old, raw=old.raw[:1024])
    assert again.reject_counts(T0, T0 + timedelta(days=1)) == {"range": 2}
    again.close()
