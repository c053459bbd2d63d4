"""The ingest worker: batches from a source, committed to every store, then acknowledged."""

from ingest.worker._collector import tune_collector
from ingest.worker._commit import MAX_REJECTS_KEPT, BatchCommitter, BatchOutcome
from ingest.worker._health import FEED_MODEL, FeedHealth, HealthReport, feed_twin_id
from ingest.worker._settings import WorkerSettings
from ingest.worker._stats import WorkerStats
from ingest.worker._worker import Worker

__all__ = [
    "FEED_MODEL",
    "MAX_REJECTS_KEPT",
    "BatchCommitter",
    "BatchOutcome",
    "FeedHealth",
    "HealthReport",
    "Worker",
    "WorkerSettings",
    "WorkerStats",
    "feed_twin_id",
    "tune_collector",
]
