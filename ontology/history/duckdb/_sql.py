"""The DuckDB history schema: samples by series id, the tiers' partials, the records.

Times are int64 microseconds since the Unix epoch. See ``_partials`` for what a
tier row holds.

``series`` has no key or unique constraint: the store is the file's only writer and
assigns the ids in memory (``_write.SeriesIds``), from a map of every pair it holds, so
no id and no pair is written twice; DuckDB's indexes for the two constraints cost about
8 of the 11 ms of CPU a batch of 5,000 new series took to insert and commit. Files
made before keep their constraints (``IF NOT EXISTS``), which hold all the same.

``rejects.item`` and ``rejects.sample_key`` (the refused sample's name, ``_records.reject_key``)
came on 2026-12-07; a file made before gets them added, empty, when opened (its rejects
stay known by batch and position, as they were written).
"""

from __future__ import annotations

SCHEMA = """
CREATE TABLE IF NOT EXISTS series (
    id INTEGER NOT NULL, twin VARCHAR NOT NULL, signal VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS samples (
    series INTEGER NOT NULL, ts BIGINT NOT NULL, value DOUBLE, text VARCHAR,
    quality UTINYINT NOT NULL, batch VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS tier_minute (
    series INTEGER, bucket BIGINT, n BIGINT, nv BIGINT, s DOUBLE, mn DOUBLE, mx DOUBLE,
    vf_ts BIGINT, vf DOUBLE, vl_ts BIGINT, vl DOUBLE, area DOUBLE, tf_ts BIGINT, tf VARCHAR,
    tl_ts BIGINT, tl VARCHAR, lq UTINYINT, lb VARCHAR);
CREATE TABLE IF NOT EXISTS tier_hour AS SELECT * FROM tier_minute LIMIT 0;
CREATE TABLE IF NOT EXISTS events (
    twin VARCHAR NOT NULL, ts BIGINT NOT NULL, kind VARCHAR NOT NULL, code VARCHAR NOT NULL,
    message VARCHAR NOT NULL, data VARCHAR NOT NULL, batch VARCHAR);
CREATE TABLE IF NOT EXISTS batches (
    id VARCHAR PRIMARY KEY, received BIGINT NOT NULL, record VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS rejects (
    batch VARCHAR NOT NULL, seq INTEGER NOT NULL, feed VARCHAR NOT NULL, reason VARCHAR NOT NULL,
    ts BIGINT NOT NULL, source VARCHAR NOT NULL, "offset" BIGINT, detail VARCHAR NOT NULL,
    raw BLOB NOT NULL, item BIGINT, sample_key VARCHAR);
ALTER TABLE rejects ADD COLUMN IF NOT EXISTS item BIGINT;
ALTER TABLE rejects ADD COLUMN IF NOT EXISTS sample_key VARCHAR;
CREATE TABLE IF NOT EXISTS offsets (
    topic VARCHAR, part INTEGER, last_offset BIGINT, PRIMARY KEY (topic, part));
CREATE TABLE IF NOT EXISTS watermarks (tier VARCHAR PRIMARY KEY, since BIGINT NOT NULL);
"""
