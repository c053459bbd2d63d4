"""Starting an aiokafka client so that a broker that cannot be reached is told in
Twinweave's words first: what was tried (the address, the topic) and what to check.

While a client starts, aiokafka's own log lines (``Unable connect to ...``) are held
rather than printed ahead of that message: if the start fails, the message carries what
aiokafka said; if it succeeds, the held lines are passed on to the log as they were.
Nothing is dropped. One log filter on the ``aiokafka`` loggers holds a line for the start
whose context it was logged in (a context variable, which the tasks a start makes inherit),
so starts running at once in one process each hold and tell only their own client's lines,
and lines logged by a started client's tasks afterwards pass straight on.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import TypeVar

from aiokafka.errors import KafkaError

from ingest._errors import IngestError

T = TypeVar("T")

_LOGGER = "aiokafka"


class _Held:
    """The lines held for one start; ``open`` until that start ends."""

    def __init__(self) -> None:
        self.records: list[logging.LogRecord] = []
        self.open = True

    def said(self) -> str:
        """aiokafka's warnings and errors, each once, in order."""
        lines = [r.getMessage() for r in self.records if r.levelno >= logging.WARNING]
        return "; ".join(dict.fromkeys(lines))


_HOLDING: ContextVar[_Held | None] = ContextVar("twinweave_kafka_start", default=None)
"""The start a line logged in this context belongs to, if any."""


class _ByStart(logging.Filter):
    """Holds a record for the start running in its context; lets every other through."""

    def filter(self, record: logging.LogRecord) -> bool:
        held = _HOLDING.get()
        if held is None or not held.open:
            return True
        held.records.append(record)
        return False


_FILTER = _ByStart()


def _install() -> None:
    """The filter on aiokafka's logger and its children that exist (a filter is not
    inherited), once each."""
    names = [n for n in logging.Logger.manager.loggerDict if n.startswith(f"{_LOGGER}.")]
    for name in (_LOGGER, *sorted(names)):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


async def start_kafka(
    start: Callable[[], Awaitable[T]],
    *,
    bootstrap: str,
    doing: str,
    on_failure: Callable[[], Awaitable[object]] | None = None,
) -> T:
    """Run ``start`` (an aiokafka client's start, or a read through one); if Kafka cannot be
    reached, call ``on_failure`` (the client's stop) and raise an ``IngestError`` that says
    what was tried (``doing``: "read topic 't' as group 'g'"), what failed and what to check."""
    _install()
    held = _Held()
    token = _HOLDING.set(held)
    try:
        result = await start()
    except (KafkaError, OSError) as error:
        if on_failure is not None:
            await on_failure()
        raise IngestError(unreachable(bootstrap, doing, error, held.said())) from None
    finally:
        held.open = False
        _HOLDING.reset(token)
    for record in held.records:  # started: aiokafka's lines go on to the log as they were
        logging.getLogger(record.name).handle(record)
    return result


def unreachable(bootstrap: str, doing: str, error: BaseException, said: str = "") -> str:
    """The message for a broker that cannot be reached."""
    cause = f"aiokafka: {said}" if said else f"{type(error).__name__}: {error}"
    return (
        f"cannot reach Kafka at {bootstrap!r} to {doing} ({cause}); check that a Kafka broker "
        "runs at that address and listens there (its advertised listeners included), and "
        "that this host may connect to it"
    )
