"""Typed settings of the HTTP server; built by the CLI, never from the environment here."""

from __future__ import annotations

from dataclasses import dataclass, field

from server._errors import ServerError

MAX_BODY_BYTES_CEILING = 1024 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """What :func:`server.create_app` needs to know.

    ``max_body_bytes``: the largest request body the server reads; a larger one
    is refused with 413 before the application sees it.

    ``share_history_reads``: concurrent GraphQL history reads of one window share a
    ``HistoryStore.range`` call, and reads at one time an ``as_of`` call
    (``server/graphql/_range_batcher.py``); off, each request makes its own.
    """

    version: str
    graph_store: str = "memory"
    history_store: str = "duckdb"
    max_body_bytes: int = 4 * 1024 * 1024
    share_history_reads: bool = True
    missing: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        limit = self.max_body_bytes
        if (
            isinstance(limit, bool)
            or not isinstance(limit, int)
            or not 0 < limit <= MAX_BODY_BYTES_CEILING
        ):
            msg = (
                f"ServerSettings.max_body_bytes is {limit!r}; expected a whole number of bytes "
                f"from 1 to {MAX_BODY_BYTES_CEILING}"
            )
            raise ServerError(msg)
        share: object = self.share_history_reads  # typed bool; a caller may pass anything
        if not isinstance(share, bool):
            msg = f"ServerSettings.share_history_reads is {share!r}; expected true or false"
            raise ServerError(msg)
