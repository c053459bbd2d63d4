"""Sending a batch's samples on threads of their own while the client computes its tiers.

The samples are most of a batch's bytes, and the server takes longer to take
them in than the client takes to compute the batch's tier rows. The official
client releases the GIL while it serialises a frame of numbers, categoricals
and Arrow strings and while it waits for the server's answer, so the samples
go out on worker threads, each over its own sender, while the calling thread
sorts the batch, computes its tiers and sends them in a request of its own.
A large frame is cut into ``parts`` runs of rows sent at once: the client
serialises them on as many threads and the server parses them on as many
network workers; the runs grow in length (``run_cuts``), so that they mostly
commit in time order. Nothing is acknowledged before every request is: the caller
waits for the samples' answers (``SampleFlush.result``) before it sends the
batch record.

A multi-table ILP/HTTP request is not one transaction anyway (QuestDB commits
each table on its own), so sending the samples apart from the tier rows, or in
several requests, changes no guarantee: a batch whose request failed is written
again, the dedup keys keep one copy, and its tiers are recomputed from raw (see
``_tiers``).
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

import pandas as pd

from ontology.history.questdb._settings import QuestDBHistorySettings
from ontology.history.questdb._wire import Wire

MIN_PART_ROWS = 10_000
"""A frame is cut only into runs of at least this many rows (smaller ones gain nothing)."""


class SampleFlush:
    """The requests one samples frame went out in."""

    def __init__(self, parts: list[Future[None]]) -> None:
        self._parts = parts

    def result(self) -> None:
        """Wait for every request; raise the first failure (``HistoryUnavailableError``
        when the server did not acknowledge one) once all have ended."""
        failure: BaseException | None = None
        for part in self._parts:
            try:
                part.result()
            except BaseException as error:  # re-raised below, once the others ended
                failure = failure or error
        if failure is not None:
            raise failure


def run_cuts(rows: int, parts: int) -> list[int]:
    """Where ``rows`` rows are cut into ``parts`` runs, each half as long again as the one
    before (two: 40 % and 60 %), so that an earlier run, parsed at once with the later
    ones, is mostly committed first. A later run committed first makes the earlier one
    out of order, which the server merges into the partition with dedup instead of
    appending it (measured, the benchmark's appends of 12 h in four alternated pairs,
    under load: WAL apply and the write pool 0.45-0.51 CPU s per million samples with
    runs of 40 and 60 %, 0.54-0.67 with halves)."""
    weights = [2 + i for i in range(parts)]
    total = sum(weights)
    ends = [rows * sum(weights[: i + 1]) // total for i in range(parts)]
    return [0, *ends]


def _send(wire: Wire, table: str, rows: pd.DataFrame) -> None:
    wire.send(lambda sender: wire.frame(sender, table, rows))


class SampleSender:
    """``parts`` ILP senders on as many worker threads, for the samples frames."""

    def __init__(self, settings: QuestDBHistorySettings) -> None:
        self._parts = settings.sample_requests
        self._wires = [Wire(settings) for _ in range(self._parts)]
        self._pool = ThreadPoolExecutor(
            max_workers=self._parts, thread_name_prefix="questdb-samples"
        )

    def start(self, table: str, frame: pd.DataFrame) -> SampleFlush:
        """Send ``frame`` to ``table`` in up to ``parts`` requests at once (runs of rows
        in the frame's order)."""
        parts = max(1, min(self._parts, len(frame) // MIN_PART_ROWS))
        cuts = run_cuts(len(frame), parts)
        return SampleFlush(
            [
                self._pool.submit(_send, wire, table, frame.iloc[lo:hi])
                for wire, lo, hi in zip(self._wires, cuts, cuts[1:], strict=False)
            ]
        )

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        for wire in self._wires:
            wire.close()
