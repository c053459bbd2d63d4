"""One call shared by the threads that ask for it while it cannot yet be answered.

A thread asking for the value gets the result of a call that started no earlier than
``within`` seconds before it asked (``within`` 0: *after* it asked). With ``within`` 0,
when no call is running it makes the call itself; when one is running (it started before
this thread asked, so its result may be too old), the thread waits for the next one,
which starts as soon as the running one ends and answers every thread that asked
meanwhile. With ``within`` above 0, the last call's value is returned at once when that
call started recently enough, and a running call that started recently enough is joined
instead of waited behind. Threads asking together cost one call, and no answer is older
than its question allows.

The read cache's stamp (``_read_cache``) is such a value: a read must see the tables as
they were after it began, or at most ``within`` before.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")

__all__ = ["SharedCall"]


@dataclass(eq=False)
class _Round(Generic[T]):
    done: threading.Event = field(default_factory=threading.Event)
    threads: int = 0
    started: float = 0.0
    """When its call started (``time.monotonic``)."""
    value: T | None = None
    error: BaseException | None = None


class SharedCall(Generic[T]):
    """``fn()`` made on behalf of every thread that asks while no call recent enough started."""

    def __init__(self, fn: Callable[[], T]) -> None:
        self._fn = fn
        self._turn = threading.Condition()
        self._next: _Round[T] | None = None
        """The round threads join: its call has not started."""
        self._running: _Round[T] | None = None
        """The round whose call runs."""
        self._last: _Round[T] | None = None
        """The latest-started round whose call returned a value."""
        self.calls = 0
        """How many times ``fn`` was called."""

    @property
    def waiting(self) -> int:
        """Threads that asked and wait for a call not started yet."""
        with self._turn:
            return self._next.threads if self._next is not None else 0

    def age(self) -> float | None:
        """Seconds since the call whose value ``__call__`` would return at once started
        (None before any call returned a value)."""
        last = self._last
        return None if last is None else time.monotonic() - last.started

    def recent(self, within: float) -> T | None:
        """The last call's value if that call started at most ``within`` seconds ago, else
        None (no call made, no wait for one)."""
        asked = time.monotonic()
        with self._turn:
            last = self._last
            if last is not None and last.started >= asked - within:
                return last.value
        return None

    def __call__(self, within: float = 0.0) -> T:
        """The value of a call started at most ``within`` seconds before this call (0: after)."""
        asked = time.monotonic()
        with self._turn:
            last, running = self._last, self._running
            if within > 0 and last is not None and last.started >= asked - within:
                return last.value  # type: ignore[return-value]  # a round that returned one
            lead = False
            if within > 0 and running is not None and running.started >= asked - within:
                mine = running  # recent enough: joined, not waited behind
            else:
                lead = self._next is None
                if self._next is None:
                    self._next = _Round()
                mine = self._next
            mine.threads += 1
            if lead:  # the round's first thread makes its call, once the running one ended
                while self._running is not None:
                    self._turn.wait()
                self._next = None  # no one joins it now: later threads make the next round
                self._running = mine
                mine.started = time.monotonic()
                self.calls += 1
        if lead:
            try:
                mine.value = self._fn()
            except BaseException as error:  # handed to every thread of the round
                mine.error = error
            finally:
                with self._turn:
                    self._running = None
                    if mine.error is None and (
                        self._last is None or self._last.started < mine.started
                    ):
                        self._last = mine
                    self._turn.notify_all()
                mine.done.set()
        else:
            mine.done.wait()
        if mine.error is not None:
            raise mine.error
        return mine.value  # type: ignore[return-value]  # set with done, unless error
