"""Store calls are synchronous: run them on the worker thread pool, never on the event loop.

The exception is the in-process graph store: its reads are dictionary lookups
under the global interpreter lock, so a worker thread runs them no faster and
no more concurrently, while the hop there and back (a thread wake-up each
way) costs more than the read itself. :func:`read_store` runs those inline.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import anyio.to_thread

import ontology

P = ParamSpec("P")
R = TypeVar("R")


async def in_thread(fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
    """``fn(*args, **kwargs)`` on a worker thread (one store round trip per call).

    A cancelled request (its time limit passed) stops waiting at once; the
    call itself finishes in the background.
    """
    return await anyio.to_thread.run_sync(
        functools.partial(fn, *args, **kwargs), abandon_on_cancel=True
    )


def inline(store: object) -> bool:
    """Whether reads of ``store`` run on the event loop (the in-process store's do)."""
    return isinstance(store, ontology.MemoryStore)


async def read_store(store: object, fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
    """``fn(*args, **kwargs)``, a read of ``store``: inline for the in-process store, else
    on a worker thread (:func:`in_thread`)."""
    if inline(store):
        return fn(*args, **kwargs)
    return await in_thread(fn, *args, **kwargs)
