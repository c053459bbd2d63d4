"""Counters of a running worker, for progress lines and tests."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from ingest.worker._commit import BatchOutcome


@dataclass
class WorkerStats:
    started: float = field(default_factory=time.monotonic)
    batches: int = 0
    records: int = 0
    samples_in: int = 0
    accepted: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    state_updates: int = 0
    events: int = 0
    retries: int = 0
    acked_batches: int = 0
    last_error: str | None = None

    def add(self, outcome: BatchOutcome) -> None:
        self.batches += 1
        self.records += outcome.records
        self.samples_in += outcome.count_in
        self.accepted += outcome.accepted
        self.rejected.update({k: v for k, v in outcome.rejected.items() if v})
        self.state_updates += outcome.state_updates
        self.events += outcome.events

    def rate(self) -> float:
        """Samples in per second since the start."""
        elapsed = time.monotonic() - self.started
        return self.samples_in / elapsed if elapsed > 0 else 0.0

    def line(self) -> str:
        """One progress line: rates, counts, rejects by reason."""
        rejects = ", ".join(f"{k} {v}" for k, v in self.rejected.most_common()) or "none"
        retry = f", {self.retries} retries ({self.last_error})" if self.retries else ""
        return (
            f"{self.batches} batches, {self.samples_in} samples ({self.rate():,.0f}/s), "
            f"{self.accepted} accepted, {self.state_updates} state updates, {self.events} events; "
            f"rejects: {rejects}{retry}"
        )
