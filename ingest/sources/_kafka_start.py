"""Starting an aiokafka client so that a broker that cannot be reached is told in
Twinweave's words first: what was tried (the address, the topic) and what to check.

While a client starts, aiokafka's own log lines (``Unable connect to ...``) are held
rather than printed ahead of that message: if the start fails, the message carries what
aiokafka said; if it succeeds, the held lines are passed on to the log as they were.
Nothing is dropped: a log filter on the ``aiokafka`` logger for the start only.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiokafka.errors import KafkaError

from ingest._errors import IngestError

T = TypeVar("T")

_LOGGER = "aiokafka"


class _Held(logging.Filter):
    """Keeps every record of the logger it is on (and lets none through meanwhile)."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def filter(self, record: logging.LogRecord) -> bool:
        self.records.append(record)
        return False

    def said(self) -> str:
        """aiokafka's warnings and errors, each once, in order."""
        lines = [r.getMessage() for r in self.records if r.levelno >= logging.WARNING]
        return "; ".join(dict.fromkeys(lines))


def _hold(logger: logging.Logger, held: _Held) -> list[logging.Logger]:
    """``held`` on aiokafka's logger and its children that exist (a filter is not inherited)."""
    names = [n for n in logging.Logger.manager.loggerDict if n.startswith(f"{_LOGGER}.")]
    loggers = [logger, *(logging.getLogger(n) for n in sorted(names))]
    for each in loggers:
        each.addFilter(held)
    return loggers


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
    held = _Held()
    loggers = _hold(logging.getLogger(_LOGGER), held)
    try:
        result = await start()
    except (KafkaError, OSError) as error:
        if on_failure is not None:
            await on_failure()
        raise IngestError(unreachable(bootstrap, doing, error, held.said())) from None
    finally:
        for each in loggers:
            each.removeFilter(held)
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
