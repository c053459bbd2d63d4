"""Sending a batch's samples on a thread of their own while the client computes its tiers.

The samples are most of a batch's bytes, and the server takes longer to take
them in than the client takes to compute the batch's tier rows. The official
client releases the GIL while it waits for the server's answer, so the
samples' request runs on this thread, over its own sender, while the calling
thread computes the tiers and sends them in a second request. Nothing is
acknowledged before both requests are: the caller waits for the samples'
answer (``SampleFlush.result``) before it sends the batch record.

A multi-table ILP/HTTP request is not one transaction anyway (QuestDB commits
each table on its own), so sending the samples apart from the tier rows
changes no guarantee: a batch whose request failed is written again, the
dedup keys keep one copy, and its tiers are recomputed from raw (see
``_tiers``).
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

import pandas as pd

from ontology.history.questdb._settings import QuestDBHistorySettings
from ontology.history.questdb._wire import Wire


class SampleSender:
    """One ILP sender on one worker thread, for the samples frames of appending batches."""

    def __init__(self, settings: QuestDBHistorySettings) -> None:
        self._wire = Wire(settings)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="questdb-samples")

    def start(self, table: str, frame: pd.DataFrame) -> Future[None]:
        """Send ``frame`` to ``table`` as one request; the future raises
        ``HistoryUnavailableError`` when the server did not acknowledge it."""
        return self._pool.submit(self._wire.send, lambda s: self._wire.frame(s, table, frame))

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self._wire.close()
