"""The kernel's crew: jobs run on its threads, cancelled ones never, errors reach the caller."""

from __future__ import annotations

import gc
import threading

import pytest

from ingest.pipeline._crew import Crew


def test_a_job_runs_on_a_crew_thread_and_gives_its_result() -> None:
    crew = Crew(1, "test-crew")
    job = crew.submit(lambda: threading.current_thread().name)
    assert job.result() == "test-crew_0"


def test_a_job_cancelled_before_a_thread_starts_it_never_runs() -> None:
    crew = Crew(1, "test-crew")
    release, ran = threading.Event(), []
    busy = crew.submit(lambda: release.wait(60))
    waiting = crew.submit(lambda: ran.append("waiting"))
    assert waiting.cancel()
    release.set()
    assert busy.result() is True
    after = crew.submit(lambda: ran.append("after"))  # the thread went past the cancelled one
    after.result()
    assert ran == ["after"]


def test_a_started_job_cannot_be_cancelled_and_is_waited_for() -> None:
    crew = Crew(1, "test-crew")
    started, release = threading.Event(), threading.Event()

    def work() -> int:
        started.set()
        release.wait(60)
        return 7

    job = crew.submit(work)
    assert started.wait(60)
    assert not job.cancel()
    release.set()
    assert job.result() == 7


def test_a_jobs_error_is_raised_by_its_result() -> None:
    crew = Crew(2, "test-crew")

    def fail() -> None:
        msg = "broken loop"
        raise ValueError(msg)

    job = crew.submit(fail)
    with pytest.raises(ValueError, match="broken loop"):
        job.result()
    assert crew.submit(lambda: 1).result() == 1  # the thread lives on


def test_a_collected_crew_stops_its_threads() -> None:
    crew = Crew(2, "collected-crew")
    crew.submit(lambda: None).result()
    mine = [t for t in threading.enumerate() if t.name.startswith("collected-crew_")]
    assert len(mine) == 2
    del crew
    gc.collect()
    for thread in mine:
        thread.join(60)
        assert not thread.is_alive()
