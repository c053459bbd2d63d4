"""File replay: a record per line, positions are line numbers, over-long lines refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest import IngestError
from ingest.sources import ReplaySource


async def test_lines_become_records_with_their_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "feed.ndjson"
    path.write_bytes(b'{"a": 1}\n\n{"b": 2}\r\n' + b"x" * 50 + b'\n{"c": 3}')
    source = ReplaySource(path, max_line_bytes=20)
    await source.start()
    first = await source.fetch(2, 0.1)
    assert first is not None
    assert [(r.position, r.payload) for r in first.records] == [(1, b'{"a": 1}'), (3, b'{"b": 2}')]
    assert (first.position.first_offset, first.position.last_offset) == (1, 3)
    rest = await source.fetch(10, 0.1)
    assert rest is not None
    assert [r.position for r in rest.records] == [4, 5]
    assert len(rest.records[0].payload) == 21  # passed on too large, for the codec to refuse
    assert rest.records[1].payload == b'{"c": 3}'
    assert source.exhausted
    assert await source.fetch(10, 0.1) is None
    await source.stop()


async def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="cannot be read"):
        await ReplaySource(tmp_path / "nope.ndjson").start()
