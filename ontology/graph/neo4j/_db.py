"""The Neo4j connection of the graph store: transactions, errors, schema.

Writes, and reads of several statements, go through a driver *managed*
transaction (``Session.execute_read`` / ``execute_write``), which the driver
retries on transient errors (deadlocks, leader switches, dropped connections)
for up to ``max_transaction_retry_time``; so a work function must be safe to
run again. A read of one statement (most reads: each is one Cypher statement)
runs as an auto-commit transaction (:meth:`Neo4jDatabase.read_one`): the
driver sends RUN and PULL together, one round trip where a managed
transaction takes three (BEGIN, RUN and PULL, COMMIT), at about half the
driver's CPU; one statement is one transaction in Neo4j either way, and
``read_one`` retries it on the same errors for as long as the driver would.
Every session names its database, which saves the driver a round trip.
Sessions, results and transactions go through ``_acyclic``, so that a store
call leaves no reference cycle of the driver's behind (see there).
An unreachable server or a terminated transaction becomes
``StoreUnavailableError``; a uniqueness
constraint that another writer won first becomes ``ConflictError``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, LiteralString, Protocol, TypeVar

import neo4j
from neo4j.exceptions import (
    ClientError,
    ConstraintError,
    DatabaseUnavailable,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from ontology._errors import ConflictError, StoreUnavailableError
from ontology.graph.neo4j._acyclic import Sessions, kept, release
from ontology.graph.neo4j._cypher import Cypher
from ontology.graph.neo4j._settings import Neo4jStoreSettings

R = TypeVar("R")
"""What a transaction function returns."""

TERMINATED = frozenset(
    {
        "Neo.ClientError.Transaction.Terminated",
        "Neo.ClientError.Transaction.LockClientStopped",
        "Neo.TransientError.Transaction.Terminated",
        "Neo.TransientError.Transaction.LockClientStopped",
    }
)
"""The codes of a transaction the server stopped (the driver does not retry them)."""

FIRST_RETRY_DELAY = 0.05
"""Seconds before ``read_one`` runs a statement again (doubled each time, up to a second)."""

Work = Callable[[neo4j.ManagedTransaction], R]


class Runs(Protocol):
    """Runs Cypher: a managed transaction, or the one statement of ``Neo4jDatabase.read_one``."""

    def run(
        self, query: LiteralString, parameters: dict[str, Any] | None = None, **kwparameters: Any
    ) -> neo4j.Result: ...


OneRead = Callable[[Runs], R]
"""A read of exactly one statement (``read_one`` refuses a second)."""


class Neo4jDatabase:
    """One driver, one database, one namespace."""

    def __init__(self, settings: Neo4jStoreSettings) -> None:
        self.settings = settings
        self.cypher = Cypher(settings.namespace)
        auth = (
            (settings.user, settings.password)
            if settings.user is not None and settings.password is not None
            else None
        )
        with _mapped_errors(settings):
            self.driver = neo4j.GraphDatabase.driver(
                settings.uri, auth=auth, max_transaction_retry_time=settings.retry_ms / 1000
            )
        self._sessions = Sessions(self.driver, settings.database)
        self.twins_written: Callable[[], None] | None = None
        """Called as each write that may create or delete twins ends (committed or not)."""

    def read(self, work: Work[R]) -> R:
        """Run ``work`` in a managed read transaction (retried on transient errors)."""
        return self._managed(work, write=False)

    def read_one(self, work: OneRead[R]) -> R:
        """Run ``work``'s one statement as an auto-commit read transaction (one round trip).

        ``work`` must run one statement and read its result before returning
        (a second ``run`` raises ``RuntimeError``: two auto-commit statements
        would be two transactions). On an error the driver deems retryable it
        runs again, after 50 ms doubling to 1 s, for up to ``settings.retry_ms``.
        """
        failed_at: float | None = None
        delay = FIRST_RETRY_DELAY
        with _mapped_errors(self.settings):
            while True:
                one: _OneStatement | None = None
                try:
                    with self._sessions.open(neo4j.READ_ACCESS) as session:
                        one = _OneStatement(session)
                        return work(one)
                except (DriverError, Neo4jError) as error:
                    if not error.is_retryable():
                        raise
                    now = time.monotonic()
                    failed_at = now if failed_at is None else failed_at
                    if now - failed_at > self.settings.retry_ms / 1000:
                        raise
                finally:
                    if one is not None:
                        release(one.results)
                time.sleep(delay * (0.8 + 0.4 * random.random()))  # with jitter
                delay = min(delay * 2, 1.0)

    def write(self, work: Work[R], *, twins: bool = True) -> R:
        """Run ``work`` in a managed write transaction (retried on transient errors).

        ``twins`` False: it creates and deletes no twin (live signals, rollups), so
        :attr:`twins_written` is not called for it.
        """
        try:
            return self._managed(work, write=True)
        finally:
            noted = self.twins_written
            if twins and noted is not None:
                noted()

    def ensure_schema(self) -> None:
        """Create the namespace's constraints and indexes that are missing (idempotent)."""
        database = self.settings.database
        with _mapped_errors(self.settings):
            self.driver.verify_connectivity()  # fails fast; the statements below are retried
            try:
                shown = self.driver.execute_query(
                    "SHOW INDEXES YIELD name RETURN name", database_=database
                ).records
                present = {record["name"] for record in shown}
            except ClientError:  # e.g. a role without SHOW INDEX: create them all (idempotent)
                present = set()
            for name, statement in self.cypher.schema:
                if name not in present:
                    # Schema commands cannot share a transaction with writes; each runs alone.
                    self.driver.execute_query(statement, database_=database)

    def close(self) -> None:
        self.driver.close()

    def _managed(self, work: Work[R], *, write: bool) -> R:
        done: list[object] = []
        try:
            with _mapped_errors(self.settings), self._sessions.open() as session:
                noted = kept(work, done)
                return session.execute_write(noted) if write else session.execute_read(noted)
        finally:
            release(done)  # the session is closed: nothing reads them again


class _OneStatement:
    """A session that runs one auto-commit statement and refuses a second."""

    __slots__ = ("_ran", "_session", "results")

    def __init__(self, session: neo4j.Session) -> None:
        self._session = session
        self._ran = False
        self.results: list[neo4j.Result] = []

    def run(
        self, query: LiteralString, parameters: dict[str, Any] | None = None, **kwparameters: Any
    ) -> neo4j.Result:
        if self._ran:
            message = (
                "a read_one work function ran a second statement; expected one "
                "(use Neo4jDatabase.read for a read of several statements)"
            )
            raise RuntimeError(message)
        self._ran = True
        result = self._session.run(query, parameters, **kwparameters)
        self.results.append(result)
        return result


@contextmanager
def _mapped_errors(settings: Neo4jStoreSettings) -> Iterator[None]:
    try:
        yield
    except (ServiceUnavailable, SessionExpired, DatabaseUnavailable) as error:
        message = (
            f"Neo4j at {settings.uri!r} (database {settings.database!r}) cannot be reached: "
            f"{error}; expected a running server (scripts/services up neo4j)"
        )
        raise StoreUnavailableError(message) from error
    except TransientError as error:
        message = (
            f"Neo4j at {settings.uri!r} kept failing transiently for "
            f"{settings.retry_ms / 1000:g} s (retry_ms): {error}; retry later"
        )
        raise StoreUnavailableError(message) from error
    except ConstraintError as error:
        message = f"another writer changed the same entity concurrently: {error.message}"
        raise ConflictError(message) from error
    except Neo4jError as error:
        if error.code not in TERMINATED:
            raise
        message = (
            f"Neo4j at {settings.uri!r} terminated the transaction ({error.code}): an operator "
            "or the transaction timeout stopped it; nothing of it was written, retry"
        )
        raise StoreUnavailableError(message) from error
