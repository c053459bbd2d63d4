"""The driver's sessions and results, without the reference cycles it leaves per statement.

The ``neo4j`` Python driver (checked on 6.4.1) leaves garbage that only
Python's cyclic collector frees, about 50 objects a statement (85 in a
managed transaction):

- ``Driver.session()`` builds its ``SessionConfig`` through a recursive local
  function (``Config.__update``'s ``set_attr``) that refers to itself through
  its closure, which holds the config: three cycles a session;
- a ``Result`` holds a ``ConnectionErrorHandler`` that holds the result's own
  bound ``_connection_error_handler`` (a managed transaction the same with its
  ``_error_handler``), and through it the session and the summary;
- a result's hydration scope and its graph hydrator each keep a dict of their
  own bound methods (and hydrated nodes refer to their graph, which holds them).

In a GraphQL server with 32 requests in flight that garbage piled up between
collections, and each young collection then walked tens of thousands of
objects while every request waited (docs/graphql.md). So:

- :class:`Sessions` opens sessions from a ``SessionConfig`` the driver built
  once per access mode, copied for each session (the driver may write to it);
- :func:`release` empties the instance dicts of the results and transactions a
  store call is done with (after their session closed), and of each result's
  hydration scope, graph hydrator and graph, which breaks every cycle above,
  so refcounting frees them when the call returns.

Both use the driver's private names. Each is checked where it is used: without
them :class:`Sessions` opens sessions with ``Driver.session`` and
:func:`release` leaves the objects to the collector, as before; nothing fails.
``tests/ontology/graph/neo4j/test_acyclic.py`` pins that, on the installed
driver, a store read leaves no cycle.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import neo4j

__all__ = ["Sessions", "kept", "release"]

T = TypeVar("T")
R = TypeVar("R")


class Sessions:
    """Sessions of one database, each from a copy of a config the driver built once."""

    __slots__ = ("_database", "_driver", "_templates")

    def __init__(self, driver: neo4j.Driver, database: str) -> None:
        self._driver = driver
        self._database = database
        self._templates: dict[str, Any] = {}

    def open(self, access_mode: str = neo4j.WRITE_ACCESS) -> neo4j.Session:
        """A new session (as ``Driver.session(database=..., default_access_mode=...)``)."""
        template = self._templates.get(access_mode)
        if template is None:
            template = self._templates.setdefault(access_mode, self._template(access_mode))
        if template is False:
            return self._driver.session(database=self._database, default_access_mode=access_mode)
        check_open: Callable[[], None] | None = getattr(self._driver, "_check_state", None)
        if check_open is not None:
            check_open()  # raises DriverError once closed, as Driver.session does
        session: neo4j.Session = self._driver._session(copy.copy(template))
        return session

    def _template(self, access_mode: str) -> Any:
        """The driver's config for such sessions, or False where it cannot make one that way."""
        read_config = getattr(self._driver, "_read_session_config", None)
        if read_config is None or not callable(getattr(self._driver, "_session", None)):
            return False
        asked = {"database": self._database, "default_access_mode": access_mode}
        config = read_config(dict(asked))
        made = all(getattr(config, key, None) == value for key, value in asked.items())
        return config if made and hasattr(config, "__dict__") else False


def kept(work: Callable[[T], R], done: list[object]) -> Callable[[T], R]:
    """``work``, noting in ``done`` each transaction it ran in and that one's results."""

    def noted(tx: T) -> R:
        try:
            return work(tx)
        finally:  # before the commit, which drops the transaction's list of results
            done.append(tx)
            done.extend(getattr(tx, "_results", ()))

    return noted


def release(done: Iterable[object]) -> None:
    """Empty the state of driver results and transactions no longer used (breaks their cycles).

    Call it only once their session is closed and nothing reads them again:
    an emptied result has no records, keys or summary.
    """
    for item in done:
        scope = getattr(item, "_hydration_scope", None)
        hydrator = getattr(scope, "_graph_hydrator", None)
        for part in (getattr(hydrator, "graph", None), hydrator, scope, item):
            state = getattr(part, "__dict__", None)
            if type(state) is dict:
                state.clear()
