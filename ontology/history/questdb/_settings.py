"""``QuestDBHistorySettings``: where the production history store's QuestDB listens."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ontology.history._errors import HistoryInputError
from ontology.history._tiers import check_retention
from ontology.history._values import Retention

MAX_FLUSH_BYTES = 1 << 30
"""One ILP request: a batch of 2 M samples, or the tier rows of 10 k series over an hour."""
MAX_SAMPLE_REQUESTS = 8
"""ILP requests at once for one batch's samples (each on a thread and connection of its own)."""
MAX_READ_REQUESTS = 8
"""PostgreSQL-wire requests at once for one large read (each on a connection of its own)."""
MAX_READERS = 16
"""Reads at once at most (``readers``)."""
MAX_READ_CACHE = 4096
"""Answers the read cache may keep at most (``read_cache``)."""
MAX_READ_CACHE_STALE_MS = 10_000
"""The longest ``read_cache_stale_ms`` allowed."""
PREFIX_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,30}")
"""A table-name prefix: a letter, then up to 30 letters, digits or underscores."""


@dataclass(frozen=True, slots=True)
class QuestDBHistorySettings:
    """How to reach QuestDB (HTTP for ILP ingestion, PostgreSQL wire for queries).

    ``prefix`` is operator configuration: every table is ``{prefix}_samples``,
    ``{prefix}_minute``, ... so several stores (or test runs) share a server. It
    is checked here and is the only text formatted into SQL. ``retry_ms`` is how
    long a flush keeps retrying a server that does not answer before the batch is
    reported as not written; ``apply_timeout_s`` how long a write waits for the
    server to apply its write-ahead log before it reads the tiers back;
    ``sample_requests`` how many ILP requests at once carry a large batch's samples
    (each a run of its rows, see ``_ingress``; 2 by default: one request costs the server
    less apply work but parses on one worker, and appended slower on a quiet two-core
    host, docs/history.md); ``read_requests`` how many requests
    at once, each on a PostgreSQL-wire connection of its own, carry a large bucketed
    read (each a share of its twins, see ``_grain``); ``readers`` how many ``range``,
    ``as_of`` and ``raw`` reads run at once, each with PostgreSQL-wire connections of its
    own (so at most ``readers * read_requests`` of them, opened when first needed; more
    reads at once wait for one to end, see ``_read_slots``); ``read_cache`` how many recent
    ``range`` and ``as_of`` answers are kept and returned again while no write reached
    the tables they read (0: none; see ``_read_cache``); ``read_cache_stale_ms`` how long
    after *another* process's write was applied by the server a read may still be answered
    from the cache without it (0: never; this store's own writes are seen by every read that
    begins after they returned, whatever this is; see ``_read_cache``); ``warm_up`` whether
    the store, once open, runs its read path once on a thread of its own (reads of series
    that do not exist), so that the process's first real read or batch does not load the
    reader's compiled loops (see ``_warm_up``).
    """

    host: str = "127.0.0.1"
    http_port: int = 9000
    pg_port: int = 8812
    user: str = "admin"
    password: str = field(default="quest", repr=False)
    database: str = "qdb"
    prefix: str = "tw"
    retention: Retention = field(default_factory=Retention)
    retry_ms: int = 10_000
    apply_timeout_s: float = 30.0
    sample_requests: int = 2
    read_requests: int = 2
    readers: int = 4
    read_cache: int = 64
    read_cache_stale_ms: int = 100
    warm_up: bool = True

    def __post_init__(self) -> None:
        if not PREFIX_PATTERN.fullmatch(self.prefix):
            message = (
                f"QuestDBHistorySettings.prefix is {self.prefix!r}; expected a letter followed "
                "by up to 30 letters, digits or underscores"
            )
            raise HistoryInputError(message)
        for name in ("http_port", "pg_port"):
            port = getattr(self, name)
            if not 0 < port < 65536:
                message = f"QuestDBHistorySettings.{name} is {port!r}; expected 1 to 65535"
                raise HistoryInputError(message)
        if not 0 <= self.retry_ms <= 600_000 or not 0 < self.apply_timeout_s <= 600:
            message = (
                f"QuestDBHistorySettings.retry_ms is {self.retry_ms!r} and apply_timeout_s "
                f"{self.apply_timeout_s!r}; expected 0..600000 ms and 0..600 s"
            )
            raise HistoryInputError(message)
        for name, low, high in (
            ("sample_requests", 1, MAX_SAMPLE_REQUESTS),
            ("read_requests", 1, MAX_READ_REQUESTS),
            ("readers", 1, MAX_READERS),
            ("read_cache", 0, MAX_READ_CACHE),
            ("read_cache_stale_ms", 0, MAX_READ_CACHE_STALE_MS),
        ):
            count = getattr(self, name)
            if not low <= count <= high:
                message = f"QuestDBHistorySettings.{name} is {count!r}; expected {low} to {high}"
                raise HistoryInputError(message)
        if not self.host or any(c in self.host for c in ";:/ "):
            message = f"QuestDBHistorySettings.host is {self.host!r}; expected a host name or IP"
            raise HistoryInputError(message)
        check_retention(self.retention)

    def ilp_conf(self) -> str:
        """The ILP-over-HTTP configuration: whole batches per flush, never auto-flushed."""
        return (
            f"http::addr={self.host}:{self.http_port};auto_flush=off;"
            f"retry_timeout={self.retry_ms};max_buf_size={MAX_FLUSH_BYTES};"
        )
