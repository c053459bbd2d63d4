"""A batch's decoding, with the fusion reading the twins its records name beside it.

A new worker, or one meeting new twins, must resolve them (``get_twins``) and read
their stored state (``signals_of``) from the graph store before it can fuse their
samples: reads that wait on the store. The record keys name the twins of a
batch's samples (a Kafka record's key, an MQTT topic's levels: the default twin
of the samples that do not name theirs), so the fusion can make those reads
(``Fusion.warm``) in a thread of its own while the batch is decoded (CPU in this
thread). The fusion is touched by nothing else meanwhile: ``decode`` reads only the
codec, and the warm-up has ended before ``fuse`` runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from typing import TypeVar

from ingest.codecs import RawRecord

R = TypeVar("R")


class WarmBeside:
    """Runs ``warm(names)`` in a thread of its own beside a batch's decoding."""

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None

    def decode(
        self,
        records: Sequence[RawRecord],
        decode: Callable[[], R],
        warm: Callable[[list[str]], None],
    ) -> R:
        """``decode()``, with ``warm`` given the records' distinct twin names meanwhile.

        Both have ended when this returns; an error of either is raised (``decode``'s first).
        """
        names = list(dict.fromkeys(r.twin for r in records if r.twin is not None))
        if not names:
            return decode()
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="twin-reads")
        warmed = self._pool.submit(warm, names)
        try:
            decoded = decode()
        finally:
            wait([warmed])  # never leave the fusion being read behind a failed decode
        warmed.result()
        return decoded

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
