"""``Deadlines``: the time limit of many requests kept by one timer per event loop.

``asyncio.timeout`` arms and cancels a timer per request and keeps a context
object with its own cancellation bookkeeping: measured in the server's own
path, 6-10 us of CPU per ``POST /graphql`` (about a tenth of a ``{ __typename }``
request in process). Here a request registers its task and deadline in a dict
(and removes them when it ends); one timer per loop, armed while requests are
in flight, wakes every ``tick_s`` and cancels the tasks past their deadline. A
request is so cut off between its limit and its limit plus ``tick_s``.
"""

from __future__ import annotations

import asyncio
import math
import weakref
from dataclasses import dataclass, field

__all__ = ["Deadlines"]

MIN_TICK_S = 0.001
"""The timer's shortest period (a limit of 0 s does not spin the loop)."""


@dataclass(eq=False, slots=True)
class _LoopDeadlines:
    """The tasks of one event loop with a deadline, and its timer (the loop held weakly:
    this is the value of a weak-keyed dict by the loop)."""

    loop: weakref.ref[asyncio.AbstractEventLoop]
    due: dict[asyncio.Task[object], float] = field(default_factory=dict)
    expired: set[asyncio.Task[object]] = field(default_factory=set)
    timer: asyncio.TimerHandle | None = None


class Deadlines:
    """Tasks cut off ``seconds`` after they start (at most ``tick_s`` late; never when
    ``seconds`` is infinite)."""

    def __init__(self, seconds: float, tick_s: float) -> None:
        self.seconds = seconds
        self.tick_s = max(tick_s, MIN_TICK_S)
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopDeadlines] = (
            weakref.WeakKeyDictionary()
        )
        self._last: _LoopDeadlines | None = None

    def start(self, task: asyncio.Task[object]) -> None:
        """Cut ``task`` off (cancel it) once its time is up, unless :meth:`stop` comes first."""
        if self.seconds == math.inf:
            return
        loop = task.get_loop()
        state = self._state(loop)
        state.due[task] = loop.time() + self.seconds
        if state.timer is None:
            state.timer = loop.call_later(self.tick_s, self._check, loop, state)

    def stop(self, task: asyncio.Task[object]) -> bool:
        """Forget ``task``'s deadline; whether it was cut off (cancelled by this)."""
        state = self._state(task.get_loop())
        state.due.pop(task, None)
        if task in state.expired:
            state.expired.discard(task)
            return True
        return False

    def armed(self, loop: asyncio.AbstractEventLoop) -> bool:
        """Whether ``loop``'s timer is armed (it is while a task of it has a deadline)."""
        state = self._loops.get(loop)
        return state is not None and state.timer is not None

    def _state(self, loop: asyncio.AbstractEventLoop) -> _LoopDeadlines:
        state = self._last
        if state is None or state.loop() is not loop:
            state = self._loops.get(loop)
            if state is None:
                state = self._loops[loop] = _LoopDeadlines(weakref.ref(loop))
            self._last = state
        return state

    def _check(self, loop: asyncio.AbstractEventLoop, state: _LoopDeadlines) -> None:
        now = loop.time()
        for task, due in list(state.due.items()):
            if due <= now and task not in state.expired:
                state.expired.add(task)
                task.cancel()
        state.timer = loop.call_later(self.tick_s, self._check, loop, state) if state.due else None
