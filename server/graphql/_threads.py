"""Store calls are synchronous: run them on the worker thread pool, never on the event loop.

The exception is the in-process graph store: its reads are dictionary lookups
under the global interpreter lock, so a worker thread runs them no faster and
no more concurrently, while the hop there and back (a thread wake-up each
way) costs more than the read itself. :func:`read_store` runs those inline.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

import ontology

P = ParamSpec("P")
R = TypeVar("R")
WORKER_THREADS = 40
"""Store calls in flight at once per process (anyio's default; they mostly wait on the network)."""


@functools.cache
def _workers() -> ThreadPoolExecutor:
    """The process's worker threads for store calls, started when first needed."""
    return ThreadPoolExecutor(max_workers=WORKER_THREADS, thread_name_prefix="store-read")


async def in_thread(fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
    """``fn(*args, **kwargs)`` on a worker thread (one store round trip per call).

    The event loop's own executor hand-off (``run_in_executor``): anyio's
    ``to_thread.run_sync`` adds a capacity limiter, a cancel scope, a look-up
    of its thread pool and an extra event-loop turn per call, about a tenth of
    the CPU of a request reading one twin's live state from Neo4j. A cancelled
    request (its time limit passed) stops waiting at once; the call itself
    finishes in the background.
    """
    return await thread_future(fn, *args, **kwargs)


def thread_future(fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> asyncio.Future[R]:
    """:func:`in_thread`'s future itself, for a caller on the loop that adds a callback to
    it rather than awaiting it (no task made to wait)."""
    loop = asyncio.get_running_loop()
    return loop.run_in_executor(_workers(), functools.partial(fn, *args, **kwargs))


def start_in_thread(fn: Callable[[], None]) -> None:
    """``fn()`` on a worker thread, not waited for (it reports back on its own)."""
    _workers().submit(fn)


def inline(store: object) -> bool:
    """Whether reads of ``store`` run on the event loop (the in-process store's do)."""
    return isinstance(store, ontology.MemoryStore)


async def read_store(store: object, fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
    """``fn(*args, **kwargs)``, a read of ``store``: inline for the in-process store, else
    on a worker thread (:func:`in_thread`)."""
    if inline(store):
        return fn(*args, **kwargs)
    return await in_thread(fn, *args, **kwargs)
