"""A line on stderr when a step of the CLI's start takes longer than a user expects.

The ingest worker's fusion kernel is compiled by numba the first time it runs on a
machine (seconds; cached after, and loading the cache can take over a second on a
busy machine): ``twinweave ingest`` and ``twinweave demo`` say so instead of sitting
silent, and say nothing when the step is quick.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

KERNEL_NOTICE = (
    "preparing the ingest fusion kernel (numba compiles it on a machine's first run, "
    "then loads it from its cache; seconds on a busy machine) ..."
)
"""Shown on cached runs too: loading the cached kernel also takes over a second on a
loaded machine, so the notice may not say that this run compiles."""


@contextmanager
def notice_if_slow(message: str, *, after_s: float = 1.0, enabled: bool = True) -> Iterator[None]:
    """Print ``message`` to stderr if the block is still running after ``after_s`` seconds."""
    if not enabled:
        yield
        return
    timer = threading.Timer(after_s, lambda: print(message, file=sys.stderr, flush=True))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
