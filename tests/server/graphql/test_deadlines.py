"""The time limit of ``POST /graphql`` kept by one timer per loop (``Deadlines``).

A task over its limit is cut off (cancelled) between the limit and the limit
plus a tick (the server then answers 504 when nothing was sent yet:
``test_guards``); one that ends in time is left alone; a cancellation from
elsewhere (a client gone, a server shutting down) stays a cancellation; the
loop's timer stops once no request is in flight.
"""

from __future__ import annotations

import asyncio
import time

from server.graphql._deadlines import Deadlines

SECONDS = 0.05
TICK = 0.01


async def _sleeping(deadlines: Deadlines, seconds: float) -> tuple[str, float]:
    """How a task sleeping ``seconds`` under ``deadlines`` ended, and after how long."""
    task = asyncio.current_task()
    assert task is not None
    began = time.monotonic()
    deadlines.start(task)
    try:
        await asyncio.sleep(seconds)
    except asyncio.CancelledError:
        cut = deadlines.stop(task)
        task.uncancel()
        return ("cut off" if cut else "cancelled"), time.monotonic() - began
    deadlines.stop(task)
    return "done", time.monotonic() - began


def test_only_the_tasks_past_their_deadline_are_cut_off_within_a_tick() -> None:
    async def main() -> tuple[tuple[str, float], ...]:
        deadlines = Deadlines(SECONDS, TICK)
        return await asyncio.gather(
            _sleeping(deadlines, 0.0), _sleeping(deadlines, 1.0), _sleeping(deadlines, 0.01)
        )

    (fast, fast_seconds), (slow, slow_seconds), (quick, _) = asyncio.run(main())
    assert (fast, quick, slow) == ("done", "done", "cut off")
    assert fast_seconds < SECONDS
    assert SECONDS <= slow_seconds < 1.0


def test_a_cancellation_from_elsewhere_is_not_a_deadline() -> None:
    async def main() -> str:
        deadlines = Deadlines(10.0, 1.0)
        task = asyncio.create_task(_sleeping(deadlines, 5.0))
        await asyncio.sleep(0.01)
        task.cancel()
        how, _ = await task
        return how

    assert asyncio.run(main()) == "cancelled"


def test_the_timer_stops_once_no_task_has_a_deadline() -> None:
    async def main() -> tuple[bool, bool]:
        deadlines = Deadlines(10.0, TICK)
        await _sleeping(deadlines, 0.0)
        loop = asyncio.get_running_loop()
        armed = deadlines.armed(loop)
        await asyncio.sleep(TICK * 3)
        return armed, deadlines.armed(loop)

    assert asyncio.run(main()) == (True, False), "armed while a task had a deadline, then not"


def test_two_loops_keep_their_own_deadlines() -> None:
    deadlines = Deadlines(SECONDS, TICK)
    for _ in range(2):  # a second loop after the first closed (as each test client makes)
        how, _ = asyncio.run(_sleeping(deadlines, 1.0))
        assert how == "cut off"


def test_an_infinite_limit_cuts_nothing_off_and_arms_no_timer() -> None:
    async def main() -> tuple[str, bool]:
        deadlines = Deadlines(float("inf"), float("inf"))
        how, _ = await _sleeping(deadlines, 0.01)
        return how, deadlines.armed(asyncio.get_running_loop())

    assert asyncio.run(main()) == ("done", False)
