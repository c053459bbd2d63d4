"""``SharedCall``: threads asking while a call runs share the next call, which starts after
they asked; an error reaches every thread of its call."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from ontology.history.questdb._shared_call import SharedCall

WAIT_S = 30.0


def _until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, "the threads never got there"
        time.sleep(0.001)


def test_threads_asking_during_a_call_share_the_next_one() -> None:
    started: list[int] = []
    release = threading.Event()

    def count() -> int:
        started.append(len(started))
        if len(started) == 1:
            release.wait(WAIT_S)  # the first call runs until the others asked
        return len(started)

    shared = SharedCall(count)
    with ThreadPoolExecutor(4) as pool:
        first = pool.submit(shared)
        _until(lambda: len(started) == 1)
        later: list[Future[int]] = [pool.submit(shared) for _ in range(3)]
        _until(lambda: shared.waiting == 3)
        release.set()
        assert first.result(WAIT_S) == 1
        # all three asked after the first call started: one call, begun after they asked
        assert [f.result(WAIT_S) for f in later] == [2, 2, 2]
    assert shared.calls == 2
    assert shared() == 3  # asked alone: a call of its own


def test_an_error_reaches_every_thread_of_its_call_and_the_next_call_is_made() -> None:
    release = threading.Event()
    calls: list[int] = []

    def fail_once() -> str:
        calls.append(1)
        if len(calls) == 1:
            release.wait(WAIT_S)
            return "first"
        if len(calls) == 2:
            raise RuntimeError("the server went away")
        return "again"

    shared = SharedCall(fail_once)
    with ThreadPoolExecutor(3) as pool:
        first = pool.submit(shared)
        _until(lambda: len(calls) == 1)
        later = [pool.submit(shared) for _ in range(2)]
        _until(lambda: shared.waiting == 2)
        release.set()
        assert first.result(WAIT_S) == "first"
        for future in later:
            with pytest.raises(RuntimeError, match="went away"):
                future.result(WAIT_S)
    assert shared() == "again"


def test_within_a_recent_value_is_returned_a_recent_call_joined_an_older_one_not() -> None:
    release = threading.Event()
    calls: list[int] = []

    def count() -> int:
        calls.append(1)
        if len(calls) == 1:
            release.wait(WAIT_S)
        return len(calls)

    shared = SharedCall(count)
    assert shared.age() is None
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(shared, 60.0)
        _until(lambda: len(calls) == 1)
        joined = pool.submit(shared, 60.0)  # the running call started within 60 s: joined
        time.sleep(0.05)
        assert shared.waiting == 0 and not joined.done()
        release.set()
        assert first.result(WAIT_S) == joined.result(WAIT_S) == 1
    assert shared.calls == 1
    assert shared(60.0) == 1 and shared.calls == 1  # the last call is recent: no call
    age = shared.age()
    assert age is not None and age >= 0.05
    assert shared(0.01) == 2  # the last call started more than 10 ms ago: a call of its own
    assert shared() == 3  # within 0: always a call started after asking
    assert shared.calls == 3
