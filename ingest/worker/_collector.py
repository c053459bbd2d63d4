"""The garbage collector's setting for a process that runs the ingest worker.

A worker makes short-lived containers for every record it reads (the Kafka
client's records, decoded JSON objects, per-batch lists) while the process also
holds many long-lived ones (an in-process graph store, the kernel's tables).
With CPython's default young-generation threshold (700 allocations) the
collector runs thousands of times a second on such a stream and, through the
older generations, walks the long-lived objects again and again. Measured on
one JSON sample a Kafka record into the embedded stores: about 150k samples/s
with the default, about 240k with a young threshold of 10,000 to 50,000 (see
docs/ingest.md). The memory a larger young generation can hold before a
collection is a few megabytes.

This is a process-wide setting, so only the process's owner applies it: the
CLI (``twinweave ingest``) and the benchmark that measures it, never an import.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 50_000
"""Allocations of containers between young collections (CPython's default: 700)."""
OLDER_THRESHOLD = 20
"""Young (then middle) collections between collections of the next generation (default 10)."""


def tune_collector() -> tuple[int, int, int]:
    """Set the collector for an ingest worker process; the thresholds it had before."""
    before = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, OLDER_THRESHOLD, OLDER_THRESHOLD)
    return before
