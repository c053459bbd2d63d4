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
        waiting: Callable[[], None] | None = None,
    ) -> Sequence[SignalUpdate]:
        """``history()`` (if any) and ``graph.set_signals(updates())``, committed after it.

        ``updates()`` is made while history is being written; what it made is returned.
        ``waiting()`` runs once the state rows are sent, before waiting for history (a read
        the caller needs after the write, made while history is still being written; not run
        when there are no rows, or when the store never waits for history).
        """
        if history is None:
            made = updates()
            if made:
                graph.set_signals(made)
            return made
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="history-write")
        written: Future[None] = self._pool.submit(history)
        try:
            made = updates()
            if made:

                def before_commit() -> None:
                    if waiting is not None:
                        waiting()
                    written.result()

                graph.set_signals(made, before_commit=before_commit)
        finally:
            wait([written])  # never leave a history write running behind a failed state write
        written.result()  # no updates, or a store that never called before_commit
        return made

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
