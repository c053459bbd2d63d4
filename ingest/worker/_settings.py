"""``WorkerSettings``: how the worker batches, retries and acknowledges."""

from __future__ import annotations

from dataclasses import dataclass

from ingest._errors import IngestError


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    principal: str = "ingest"
    """Who the batches are written as (lineage)."""
    max_records: int = 5000
    """Records per batch at most while the worker keeps up with its source."""
    grow_limit: int = 10
    """While the source has full batches ready and they carry fewer than 4 samples per
    key, each batch may take twice the records of the last (or the source's whole
    backlog, where it tells it), up to this many times
    ``max_records`` (and about 250,000 samples); 1: never (``ingest/worker/_sizing``)."""
    fetch_timeout_s: float = 0.2
    """How long a fetch waits for records before the worker looks around (stop, flush)."""
    flush_interval_s: float = 2.0
    """A graph store made durable by a flush: flush, then acknowledge, this often."""
    health_interval_s: float = 5.0
    """How often the feed twin's health signals are written (with a ``FeedHealth``)."""
    backoff_initial_s: float = 0.2
    backoff_max_s: float = 10.0
    """A store that is down is retried with doubling waits up to this."""

    def __post_init__(self) -> None:
        if not isinstance(self.max_records, int) or not 1 <= self.max_records <= 1_000_000:
            msg = f"WorkerSettings.max_records={self.max_records!r}; expected 1 to 1000000"
            raise IngestError(msg)
        if not isinstance(self.grow_limit, int) or not 1 <= self.grow_limit <= 1000:
            msg = f"WorkerSettings.grow_limit={self.grow_limit!r}; expected 1 to 1000"
            raise IngestError(msg)
        for name in (
            "fetch_timeout_s",
            "flush_interval_s",
            "health_interval_s",
            "backoff_initial_s",
            "backoff_max_s",
        ):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not 0 < value <= 3600:
                msg = f"WorkerSettings.{name}={value!r}; expected seconds in (0, 3600]"
                raise IngestError(msg)
