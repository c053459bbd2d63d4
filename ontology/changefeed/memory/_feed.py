"""The in-process change feed: a bounded ring buffer of change sets, read by asyncio subscribers.

The embedded mode runs the ingest worker and the server in one process; this
feed carries what each commit changed from the one to the other. ``publish``
may be called from any thread (the worker commits from a thread pool); each
subscriber is an async iterator bound to the event loop it first runs on, and
is woken through that loop, so publishing never blocks on a slow reader.

The buffer keeps the newest ``capacity`` change sets and at most
``max_signals`` signal changes in total (the newest change set is always
kept). A cursor names one change set: ``<feed epoch>.<sequence>``. The epoch
is new for every feed object, so a cursor from before a restart is refused
with ``CursorExpiredError`` rather than silently meaning something else. A
subscriber that falls so far behind that the buffer dropped what it had not
read yet gets ``CursorExpiredError`` from its iterator (it must resynchronise
from the graph store and subscribe again).
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import threading
from collections import deque
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from ontology import InvalidError, StoreUnavailableError
from ontology.changefeed import ChangeSet, CursorExpiredError, SignalChange
from ontology.history import Event

DEFAULT_CAPACITY = 10_000
DEFAULT_MAX_SIGNALS = 1_000_000
MAX_CURSOR_LENGTH = 64
_SEQ_DIGITS = 12


@dataclass(frozen=True, slots=True)
class MemoryChangeFeedSettings:
    """How much the in-process feed holds for subscribers that reconnect."""

    capacity: int = DEFAULT_CAPACITY
    """Change sets held (one per committed batch)."""
    max_signals: int = DEFAULT_MAX_SIGNALS
    """Signal changes held across all change sets; the oldest sets go first."""

    def __post_init__(self) -> None:
        for name in ("capacity", "max_signals"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                msg = f"MemoryChangeFeedSettings.{name}={value!r}; expected a whole number >= 1"
                raise InvalidError(msg)


class _Waiter:
    """One subscriber's wake-up: an asyncio event set through its own loop."""

    __slots__ = ("event", "loop")

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.event = asyncio.Event()

    def wake(self) -> None:
        # A closed loop means the subscriber will never read again.
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(self.event.set)


class MemoryChangeFeed:
    """A ``ChangeFeed`` held in this process (see the module docstring)."""

    def __init__(self, settings: MemoryChangeFeedSettings | None = None) -> None:
        self._settings = settings or MemoryChangeFeedSettings()
        self._epoch = secrets.token_hex(4)
        self._lock = threading.Lock()
        self._held: deque[tuple[int, ChangeSet]] = deque()
        self._held_signals = 0
        self._last_seq = 0
        self._waiters: set[_Waiter] = set()
        self._closed = False

    @property
    def settings(self) -> MemoryChangeFeedSettings:
        return self._settings

    # ---------------------------------------------------------------- publish
    def publish(
        self,
        batch: str | None,
        signals: Sequence[SignalChange],
        events: Sequence[Event],
    ) -> str:
        """Hold one change set and wake every subscriber; returns its cursor."""
        with self._lock:
            if self._closed:
                msg = f"change feed {self._epoch!r} is closed; expected an open feed to publish to"
                raise StoreUnavailableError(msg)
            self._last_seq += 1
            seq = self._last_seq
            change = ChangeSet(
                cursor=self._cursor(seq),
                batch=batch,
                at=datetime.now(UTC),
                signals=tuple(signals),
                events=tuple(events),
            )
            self._held.append((seq, change))
            self._held_signals += len(change.signals)
            self._evict()
            waiters = tuple(self._waiters)
        for waiter in waiters:
            waiter.wake()
        return change.cursor

    def _evict(self) -> None:
        settings = self._settings
        while len(self._held) > 1 and (
            len(self._held) > settings.capacity or self._held_signals > settings.max_signals
        ):
            _, dropped = self._held.popleft()
            self._held_signals -= len(dropped.signals)

    # -------------------------------------------------------------- subscribe
    def subscribe(self, after: str | None = None) -> AsyncIterator[ChangeSet]:
        """Change sets after ``after`` (``None``: from now on), then live ones.

        The cursor is checked here, before anything is read: an expired one
        raises ``CursorExpiredError``, a malformed one ``InvalidError``.
        """
        with self._lock:
            start = self._last_seq if after is None else self._check_cursor(after)
        return self._follow(start)

    async def _follow(self, position: int) -> AsyncIterator[ChangeSet]:
        waiter = _Waiter()
        with self._lock:
            self._waiters.add(waiter)
        try:
            while True:
                waiter.event.clear()
                with self._lock:
                    pending = self._after(position)
                    closed = self._closed
                if not pending:
                    if closed:
                        return
                    await waiter.event.wait()
                    continue
                for seq, change in pending:
                    position = seq
                    yield change
        finally:
            with self._lock:
                self._waiters.discard(waiter)

    def _after(self, position: int) -> list[tuple[int, ChangeSet]]:
        """Held change sets after ``position``; raises if some of them were dropped already."""
        if not self._held or position >= self._last_seq:
            return []
        oldest = self._held[0][0]
        if position + 1 < oldest:
            raise CursorExpiredError(self._cursor(position), self._held[0][1].cursor)
        return [item for item in self._held if item[0] > position]

    def _check_cursor(self, cursor: str) -> int:
        if not isinstance(cursor, str) or len(cursor) > MAX_CURSOR_LENGTH:
            msg = (
                f"change-feed cursor {cursor!r:.80} is not a cursor; expected a string of at "
                f"most {MAX_CURSOR_LENGTH} characters returned by this feed"
            )
            raise InvalidError(msg)
        epoch, dot, digits = cursor.partition(".")
        if not dot or not digits.isascii() or not digits.isdigit():
            msg = f"change-feed cursor {cursor!r} is malformed; expected '<epoch>.<sequence>'"
            raise InvalidError(msg)
        oldest = self._held[0][1].cursor if self._held else None
        if epoch != self._epoch:  # another feed (before a restart): what it held is gone
            raise CursorExpiredError(cursor, oldest)
        seq = int(digits)
        if seq > self._last_seq:
            msg = (
                f"change-feed cursor {cursor!r} is ahead of the newest change "
                f"{self._cursor(self._last_seq)!r}; expected a cursor this feed returned"
            )
            raise InvalidError(msg)
        if self._held and seq + 1 < self._held[0][0]:
            raise CursorExpiredError(cursor, oldest)
        return seq

    def _cursor(self, seq: int) -> str:
        return f"{self._epoch}.{seq:0{_SEQ_DIGITS}d}"

    # ------------------------------------------------------------------ close
    def close(self) -> None:
        """Refuse further publishing; subscribers read what is held, then end."""
        with self._lock:
            self._closed = True
            waiters = tuple(self._waiters)
        for waiter in waiters:
            waiter.wake()
