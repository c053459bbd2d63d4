"""Answers of recent reads, kept while the tables they read have not changed.

A dashboard polls the same window, a listing the same time, again and again; the
answer is the same until a write reaches one of the tables the read looked at. So
each ``range`` and ``as_of`` answer is kept (a few dozen, least recently used
dropped first) with the *stamp* of the tables it read: their ids and the
transaction their writer has applied (``wal_tables()`` joined with ``tables()``),
asked for in one small query before the read. A read asks for the stamp first;
when it equals the one kept with the same read's answer, no write of any process
was applied to those tables since (and none dropped and created them again: the
id changes), so the kept answer is what the read would return, and it is returned
without the read. The stamp is asked for after the read began (threads asking at once
share one query that started after they all asked, ``_shared_call``), so a write applied
before a read began is always seen by it, as without the cache. The stamp has a
connection of its own and is asked outside the store's lock, so a read answered from the
cache waits for no other read in flight (nor for a write: the kept answers have a lock of
their own, held only to look one up or keep one). Threads that miss the same read at the
same stamp at once share one read (``ReadCache.answer``): after a write, the many clients
polling one window cost one read, not one each.

Asking for the stamp before every read made each read wait for a round trip, and behind
the one in flight (measured: docs/history.md). So, with ``read_cache_stale_ms`` above 0,
a read's key is the count of this store's own writes (``wrote``, bumped under the store's
lock when a write returns, so a read that begins after it sees the new count and misses)
beside the last stamp whose query *started* at most ``read_cache_stale_ms`` before the
read began: a write by another process applied before that moment is in the stamp, and in
every answer kept with it (each read after its stamp's query started). Only when the last
stamp is older does a read wait for a query (joining one in flight that started recently
enough); once it is older than half the bound, a thread of the cache asks for the next
one while reads go on with it. So reads see their own process's writes at once, and
another's at most ``read_cache_stale_ms`` after the server applied it; 0 keeps the strict
rule above (a stamp asked after each read began).

The query for the stamp costs QuestDB a fraction of a read (measured: see
docs/history.md). Answers are shared between callers: their arrays are made
read-only. Large answers are not kept (``MAX_ANSWER_CELLS``).
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar

import numpy as np
import pyarrow as pa

from ontology.history._values import AsOf, Series
from ontology.history.questdb._fetch import ColumnReader
from ontology.history.questdb._settings import QuestDBHistorySettings
from ontology.history.questdb._shared_call import SharedCall

__all__ = ["ReadCache"]

MAX_ANSWER_CELLS = 1_000_000
"""An answer with more cells (series times buckets, or series) than this is not kept."""
MAX_CELLS = 4_000_000
"""All kept answers together hold at most this many cells (the oldest go first)."""
Stamp = tuple[tuple[int, str, int], ...]
_STAMP_SCHEMA = pa.schema([("id", pa.int64()), ("name", pa.string()), ("txn", pa.int64())])
A = TypeVar("A", tuple[Series, ...], AsOf)


def _freeze(answer: tuple[Series, ...] | AsOf) -> None:
    """Make ``answer``'s arrays read-only (it is handed to every caller of the read)."""
    arrays: list[np.ndarray[Any, Any]] = []
    if isinstance(answer, AsOf):
        arrays += [getattr(answer, f.name) for f in fields(AsOf)]
    else:
        for series in answer:
            arrays += [series.start, *series.values.values(), *series.text.values()]
    for array in arrays:
        array.setflags(write=False)


def cells(answer: tuple[Series, ...] | AsOf) -> int:
    """How many values ``answer`` holds (buckets of every series, or series)."""
    if isinstance(answer, AsOf):
        return len(answer.found)
    return sum(len(s.start) for s in answer) + len(answer)


@dataclass(eq=False)
class _Flight:
    """A read running for a key at a stamp, and the threads that wait for its answer."""

    done: threading.Event = field(default_factory=threading.Event)
    threads: int = 0
    value: object = None
    error: BaseException | None = None


class ReadCache:
    """Up to ``entries`` answers, each kept with the stamp of the tables it read."""

    def __init__(self, settings: QuestDBHistorySettings, tables: Sequence[str]) -> None:
        self._tables = list(tables)
        marks = ", ".join(["%s"] * len(self._tables))
        self._stamp_query = (  # the same text every time: the tables are the store's own
            "SELECT t.id, w.name, w.writerTxn FROM wal_tables() w JOIN tables() t "
            f"ON w.name = t.table_name WHERE w.name IN ({marks})"
        )
        self._entries = settings.read_cache
        self._reader = ColumnReader(settings)  # the stamps' own connection
        self._stamp = SharedCall(self._ask_stamp)
        self._within = settings.read_cache_stale_ms / 1000
        self._writes = 0
        self._wake = threading.Event()
        self._closed = False
        self._refresher: threading.Thread | None = None
        self._kept: OrderedDict[Hashable, tuple[Hashable, tuple[Series, ...] | AsOf, int]] = (
            OrderedDict()
        )
        self._cells = 0
        self._guard = threading.Lock()
        self._flights: dict[tuple[Hashable, Hashable], _Flight] = {}
        """The reads running, by key and stamp."""
        self.hits = 0
        """Reads answered from the cache since the store opened."""
        self.joined = 0
        """Reads answered by the same read at the same stamp, made by another thread at once."""

    @property
    def stamps_asked(self) -> int:
        """Stamp queries made since the store opened."""
        return self._stamp.calls

    @property
    def enabled(self) -> bool:
        return self._entries > 0

    def wrote(self) -> None:
        """Note a write of this store (called under the store's lock, as the write returns):
        the reads that begin after it miss the answers kept before it."""
        self._writes += 1

    @property
    def writes(self) -> int:
        """This store's writes so far (read under the store's lock, by a read about to start)."""
        return self._writes

    def stamp(self) -> Stamp:
        """The tables' ids and applied transactions, asked at most ``read_cache_stale_ms``
        before this call began (0: after it began): threads asking while a stamp's query runs
        share it if recent enough, else the next one (``SharedCall``). Past half the bound,
        the next stamp is asked for on the cache's thread. Not under the store's lock: a hit
        waits for no read in flight."""
        if self._within <= 0:
            return self._stamp()
        got = self._stamp(self._within)
        self._refresh_if_old()
        return got

    def kept(self, key: Hashable, writes: int) -> Any:
        """The answer kept for ``key`` if it can be told at once that ``answer`` would return
        it (``writes`` this store's writes as the read began, and a stamp recent enough
        already asked for, equal to the one it was kept with); else None. Never a query nor
        a wait for one: a caller may run it where it must not block (an event loop)."""
        if self._within <= 0:
            return None
        stamp = self._stamp.recent(self._within)
        if stamp is None:
            return None
        self._refresh_if_old()
        with self._guard:
            return self._hit(key, (writes, stamp))

    def _hit(self, key: Hashable, stamp: Hashable) -> Any:
        """The answer kept for ``key`` if it was read at ``stamp``, counted as a hit; else
        None. Under ``_guard``."""
        kept = self._kept.get(key)
        if kept is None or kept[0] != stamp or self._closed:
            return None
        self._kept.move_to_end(key)
        self.hits += 1
        return kept[1]

    def _refresh_if_old(self) -> None:
        """Wake the cache's thread to ask for the next stamp once the last is past half the
        bound (started on first need)."""
        age = self._stamp.age()
        if age is not None and age > self._within / 2 and not self._wake.is_set():
            with self._guard:
                if self._refresher is None and not self._closed:
                    self._refresher = threading.Thread(
                        target=self._refresh, name="questdb-read-stamp", daemon=True
                    )
                    self._refresher.start()
            self._wake.set()

    def _refresh(self) -> None:
        """The cache's thread: the next stamp, each time a read found the last one past half
        its bound (an error is left to the reads that need a stamp: they ask themselves)."""
        while True:
            self._wake.wait()
            if self._closed:
                return
            self._wake.clear()  # before the query: a ``close`` meanwhile is not lost
            with contextlib.suppress(Exception):
                self._stamp(self._within / 2)

    def _ask_stamp(self) -> Stamp:
        table = self._reader.table(self._stamp_query, self._tables, _STAMP_SCHEMA)
        rows = zip(*(table.column(n).to_pylist() for n in _STAMP_SCHEMA.names), strict=True)
        return tuple(sorted(rows))

    def answer(self, key: Hashable, stamp: Hashable, read: Callable[[], A]) -> A:
        """The answer kept for ``key`` if it was read at ``stamp``; else ``read()``, made once
        for the threads asking for ``key`` at ``stamp`` while it runs (each of them asked
        for the stamp after its read began, and got the same one: whatever it holds,
        the read made after it holds too). The answer is kept unless too large; an
        answer handed to more than one thread is read-only."""
        with self._guard:
            kept = self._hit(key, stamp)
            if kept is not None:
                return kept  # type: ignore[no-any-return]  # the key says which kind of read
            flight = self._flights.get((key, stamp))
            if flight is None:  # this thread reads, for any that asks meanwhile
                mine = self._flights[(key, stamp)] = _Flight()
            else:
                flight.threads += 1
                self.joined += 1
        if flight is not None:
            flight.done.wait()
            if flight.error is not None:
                raise flight.error
            return flight.value  # type: ignore[return-value]  # set with done, unless error
        return self._read(key, stamp, read, mine)

    def _read(self, key: Hashable, stamp: Hashable, read: Callable[[], A], flight: _Flight) -> A:
        """``read()`` for the threads that join ``flight`` (registered under ``_guard``)."""
        try:
            got = read()
            flight.value = got
        except BaseException as error:  # handed to every thread that joined
            flight.error = error
            raise
        finally:
            try:
                with self._guard:
                    del self._flights[(key, stamp)]  # no thread joins after this
                    if flight.error is None:
                        self._keep(key, stamp, got, shared=flight.threads > 0)
            finally:
                flight.done.set()  # the joined threads never wait past this
        return got

    def _keep(self, key: Hashable, stamp: Hashable, answer: A, *, shared: bool) -> None:
        """Keep ``answer`` (read at ``stamp``) unless it is too large; made read-only if kept
        or ``shared``; nothing once closed. Under ``_guard``."""
        size = cells(answer)
        if self._closed:
            if shared:
                _freeze(answer)
            return
        if size > MAX_ANSWER_CELLS:
            if shared:
                _freeze(answer)
            return
        _freeze(answer)
        old = self._kept.pop(key, None)
        if old is not None:
            self._cells -= old[2]
        self._kept[key] = (stamp, answer, size)
        self._cells += size
        while len(self._kept) > self._entries or self._cells > MAX_CELLS:
            _, (_, _, dropped) = self._kept.popitem(last=False)
            self._cells -= dropped

    def clear(self) -> None:
        with self._guard:
            self._kept.clear()
            self._cells = 0

    def close(self) -> None:
        """Stop the stamps' thread, close its connection and forget every kept answer: a
        read after its store's ``close`` goes to the (closed) readers and is refused, never
        answered from memory."""
        with self._guard:
            self._closed = True
            self._kept.clear()
            self._cells = 0
        self._wake.set()
        if self._refresher is not None:
            self._refresher.join()
        self._reader.close()
