"""File replay: one record per line (NDJSON telemetry), positions are line numbers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from ingest._errors import IngestError
from ingest.codecs import RawRecord
from ingest.sources._source import SourceBatch
from ontology.history import SourceKind, SourcePosition

MAX_LINE_BYTES = 1 << 20


class ReplaySource:
    """Reads ``path`` line by line (blank lines skipped); a line over the limit is passed on
    truncated so the codec refuses it as too large."""

    def __init__(self, path: Path, *, max_line_bytes: int = MAX_LINE_BYTES) -> None:
        self._path = Path(path)
        self._max = max_line_bytes
        self._file: BinaryIO | None = None
        self._line = 0
        self._done = False

    @property
    def feed(self) -> str:
        return f"replay:{self._path.name}"

    @property
    def exhausted(self) -> bool:
        return self._done

    async def start(self) -> None:
        try:
            self._file = self._path.open("rb")
        except OSError as error:
            msg = f"replay file {str(self._path)!r} cannot be read ({error}); expected a file"
            raise IngestError(msg) from None

    async def fetch(self, max_records: int, timeout_s: float) -> SourceBatch | None:
        return await asyncio.to_thread(self._read, max_records)

    def _read(self, max_records: int) -> SourceBatch | None:
        if self._file is None or self._done:
            return None
        records: list[RawRecord] = []
        while len(records) < max_records:
            line = self._file.readline(self._max + 1)
            if not line:
                self._done = True
                break
            self._line += 1
            position = self._line
            if len(line) > self._max and not line.endswith(b"\n"):
                # the rest of an over-long line is skipped; the codec sees a too-large record
                while (rest := self._file.readline(self._max)) and not rest.endswith(b"\n"):
                    pass
            if line.strip():
                records.append(RawRecord(position, line.rstrip(b"\r\n")))
        if not records:
            return None
        return SourceBatch(
            records=tuple(records),
            position=SourcePosition(
                kind=SourceKind.FILE,
                path=str(self._path),
                first_offset=records[0].position,
                last_offset=records[-1].position,
            ),
            received_at=datetime.now(UTC),
        )

    async def ack(self, batch: SourceBatch) -> None:
        return None

    async def stop(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
