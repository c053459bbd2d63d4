"""Threads a compiled kernel keeps to run its loops beside the caller's.

A batch hands its threads a job half a dozen times (a share of each step), and
the caller runs its own part meanwhile. ``concurrent.futures`` would do it, at
the price of a future a job: a condition variable written in Python, notified,
waited on and cancelled under its lock, some tens of microseconds of the
calling thread's time a job. A ``Job`` here is two locks: one that whoever runs
or cancels it first takes, one the thread that ran it lets go.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from queue import SimpleQueue
from typing import Generic, TypeVar

T = TypeVar("T")


class Job(Generic[T]):
    """A call for a crew thread, which the caller may cancel until a thread starts it."""

    __slots__ = ("_call", "_claim", "_done", "_error", "_result")

    def __init__(self, call: Callable[[], T]) -> None:
        self._call = call
        self._claim = threading.Lock()
        """Taken by the first of: the thread that runs the job, the caller cancelling it."""
        self._done = threading.Lock()
        """Held until the job has run."""
        self._done.acquire()
        self._result: T | None = None
        self._error: BaseException | None = None

    def run(self) -> None:
        """The call, unless the job was cancelled (a crew thread's)."""
        if not self._claim.acquire(blocking=False):
            return
        try:
            self._result = self._call()
        except BaseException as error:  # the caller's to raise (``result``)
            self._error = error
        finally:
            self._done.release()

    def cancel(self) -> bool:
        """Whether the job is cancelled: True if no thread had started it (none will)."""
        return self._claim.acquire(blocking=False)

    def wait(self) -> None:
        """Until a thread has run the job (it must not be cancelled)."""
        with self._done:
            pass

    def result(self) -> T:
        """The call's result once run (its error raised here)."""
        self.wait()
        if self._error is not None:
            raise self._error
        return self._result  # type: ignore[return-value]  # set: run without an error


class Crew:
    """``threads`` threads that run the jobs given them in turn (daemons: they stop when the
    crew is collected, or with the process)."""

    def __init__(self, threads: int, name: str) -> None:
        self._jobs: SimpleQueue[Job[object] | None] = SimpleQueue()
        for i in range(threads):
            threading.Thread(
                target=_serve, args=(self._jobs,), name=f"{name}_{i}", daemon=True
            ).start()
        weakref.finalize(self, _stop, self._jobs, threads)

    def submit(self, call: Callable[[], T]) -> Job[T]:
        """``call`` as a job for the next free thread."""
        job = Job(call)
        self._jobs.put(job)  # type: ignore[arg-type]  # a job's result type is the caller's
        return job


def _serve(jobs: SimpleQueue[Job[object] | None]) -> None:
    """A crew thread: the jobs in turn, until a None (no reference to the crew: it may go)."""
    while (job := jobs.get()) is not None:
        job.run()


def _stop(jobs: SimpleQueue[Job[object] | None], threads: int) -> None:
    for _ in range(threads):
        jobs.put(None)
