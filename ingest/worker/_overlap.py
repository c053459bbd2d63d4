"""One batch's history and state writes at once, the state committing only after history.

The two writes go to different servers (QuestDB and Neo4j in production), and
both clients release the GIL while they wait, so they can run side by side:
history in a thread of its own, the state write here. The guarantee of the
serial order stays: the graph store is given "wait for history" as its
``before_commit``, so it sends its rows in an open transaction and commits
them only once history is written; if history fails, the state write is
rolled back and history's error propagates. A crash in between leaves
history ahead of the state, never the state ahead of history (which the
restart relies on: it replays the records history holds into state only).

Work the batch needs after its state write and that need not wait for the
commit (the committer's read of the declared rollups: a Neo4j round trip)
is given as ``meanwhile``: it runs once the state rows are sent and before
the wait for history, so while history is still being written, instead of
after the commit, where it lengthened every batch's write.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait

from ontology import GraphStore, SignalUpdate


class HistoryBeside:
    """Runs a batch's history write beside its state write (see the module docstring)."""

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None

    def write(
        self,
        history: Callable[[], None] | None,
        graph: GraphStore,
        updates: Callable[[], Sequence[SignalUpdate]],
        meanwhile: Callable[[], None] | None = None,
    ) -> Sequence[SignalUpdate]:
        """``history()`` (if any) and ``graph.set_signals(updates())``, committed after it.

        ``updates()`` is made while history is being written; what it made is returned.
        ``meanwhile()``, when there are updates, runs in this thread before the state write
        commits: before the wait for history (if the store calls ``before_commit``, as the
        contract says; without history, before the state write). If it raises, the state
        write is rolled back and its error propagates, as history's would.
        """
        if history is None:
            made = updates()
            if made:
                if meanwhile is not None:
                    meanwhile()
                graph.set_signals(made)
            return made
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="history-write")
        written: Future[None] = self._pool.submit(history)
        try:
            made = updates()
            if made:
                graph.set_signals(made, before_commit=_first(meanwhile, written.result))
        finally:
            wait([written])  # never leave a history write running behind a failed state write
        written.result()  # no updates, or a store that never called before_commit
        return made

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None


def _first(meanwhile: Callable[[], None] | None, wait: Callable[[], None]) -> Callable[[], None]:
    """``wait``, after ``meanwhile`` (if any)."""
    if meanwhile is None:
        return wait

    def both() -> None:
        meanwhile()
        wait()

    return both
