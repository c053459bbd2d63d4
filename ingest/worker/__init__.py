"""The ingest worker: batches from a source, committed to every store, then acknowledged."""

from ingest.worker._commit import MAX_REJECTS_KEPT, BatchCommitter, BatchOutcome
from ingest.worker._settings import WorkerSettings
from ingest.worker._stats import WorkerStats
from ingest.worker._worker import Worker

__all__ = [
    "MAX_REJECTS_KEPT",
    "BatchCommitter",
    "BatchOutcome",
    "Worker",
    "WorkerSettings",
    "WorkerStats",
]
