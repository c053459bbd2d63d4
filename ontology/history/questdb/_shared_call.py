"""One call shared by the threads that ask for it while it cannot yet be answered.

A thread asking for the value gets the result of a call that *started after it
asked*: when none is running it makes the call itself; when one is running (it
started before this thread asked, so its result may be too old), the thread waits
for the next one, which starts as soon as the running one ends and answers every
thread that asked meanwhile. Threads asking together cost one call, and no answer
predates its question.

The read cache's stamp (``_read_cache``) is such a value: a read must see the tables
as they were after it began.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")

__all__ = ["SharedCall"]


@dataclass(eq=False)
class _Round(Generic[T]):
    done: threading.Event = field(default_factory=threading.Event)
    threads: int = 0
    value: T | None = None
    error: BaseException | None = None


class SharedCall(Generic[T]):
    """``fn()`` made on behalf of every thread that asks while no call started after it."""

    def __init__(self, fn: Callable[[], T]) -> None:
        self._fn = fn
        self._turn = threading.Condition()
        self._next: _Round[T] | None = None
        """The round threads join: its call has not started."""
        self._running = False
        self.calls = 0
        """How many times ``fn`` was called."""

    @property
    def waiting(self) -> int:
        """Threads that asked and wait for a call not started yet."""
        with self._turn:
            return self._next.threads if self._next is not None else 0

    def __call__(self) -> T:
        with self._turn:
            lead = self._next is None
            if lead:
                self._next = _Round()
            mine = self._next
            assert mine is not None
            mine.threads += 1
            if lead:  # the round's first thread makes its call, once the running one ended
                while self._running:
                    self._turn.wait()
                self._next = None  # no one joins it now: later threads make the next round
                self._running = True
                self.calls += 1
        if lead:
            try:
                mine.value = self._fn()
            except BaseException as error:  # handed to every thread of the round
                mine.error = error
            finally:
                with self._turn:
                    self._running = False
                    self._turn.notify_all()
                mine.done.set()
        else:
            mine.done.wait()
        if mine.error is not None:
            raise mine.error
        return mine.value  # type: ignore[return-value]  # set with done, unless error
