"""Size limits of a load: every input is bounded, and going past a bound is a clear error."""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class LoadLimits:
    """Bounds on what one load reads, and how it batches writes."""

    max_file_bytes: int = 256 * MIB
    """A file larger than this is refused before it is read."""
    max_line_bytes: int = 4 * MIB
    """One CSV record or NDJSON line."""
    max_rows: int = 10_000_000
    """Rows (records, entries, lines) per file."""
    max_files: int = 10_000
    """Files per load (after expanding folders)."""
    max_depth: int = 64
    """Nesting of ``children`` in a YAML/JSON hierarchy."""
    batch_size: int = 5_000
    """Twins or edges per store call."""
