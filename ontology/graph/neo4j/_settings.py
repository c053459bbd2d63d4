"""``Neo4jStoreSettings``: where the Neo4j graph store connects and how it batches.

The ``namespace`` is operator configuration, not user data: it becomes the
label prefix of every node the store writes (``{namespace}_Twin``,
``{namespace}_Model``, ...), so several stores (or test runs) share one
database without seeing each other. It is validated here, once; it is the
only value ever formatted into Cypher text. Everything else is a parameter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ontology._errors import InvalidError

NAMESPACE_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,30}")
"""A namespace: a letter, then up to 30 letters, digits or underscores."""

MAX_BATCH_SIZE = 100_000
MAX_MODEL_RECHECK_MS = 60_000
MAX_EXISTS_STALE_MS = 10_000
MAX_RETRY_MS = 600_000


@dataclass(frozen=True, slots=True)
class Neo4jStoreSettings:
    """How to reach Neo4j and which namespace of it this store owns.

    ``batch_size`` is the number of rows one ``UNWIND $rows`` statement sends,
    and the largest bulk call written in one transaction (larger ones are
    validated whole, then written ``batch_size`` operations per transaction,
    undone if one of those fails).

    ``model_recheck_ms``: for this long after the store last read the models'
    version counter, ``model_set()`` answers from its cache without a round
    trip (a GraphQL request reads it for signal units). Models another process
    uploads or deletes show in ``model_set()`` within this time; this store's
    own uploads and deletes at once; ``list_models``, ``get_model`` and every
    write (twin validation) always read the counter. 0: every call reads it.
    ``rollups()`` keeps its answer as long (a GraphQL request reads it to show a
    twin's rollups): a rollup another process defines shows within this time,
    one this store defines at once; a recompute always reads them.

    ``hierarchy_cache``: keep the ``contains`` DAG in the process for descendant
    counts and listings, checked against Neo4j's ``topology`` counter on every call
    (``_hierarchy``). ``share_reads``: concurrent ``twins_with_signals`` calls
    (a busy server's live-state reads), concurrent ``twins_exist`` calls (lists of
    ids checked, e.g. ``signalsAt``'s), and the counter checks of concurrent
    ``descendants`` / ``count_descendants`` calls, go to Neo4j together: one
    statement for the calls made while the one before ran (``_shared``); each
    still reads after it was called. Off, each call is a statement of its own.

    ``exists_stale_ms``: ``twins_exist`` (and ``kept_exist``, which a server's event
    loop asks) answers from the answers it keeps while the ``topology`` counter has not
    moved (``_kept_existence``): this store's own creates and deletes are seen by the
    next call at once; another process's (a second server process, a loader) by every
    call that begins this long after it committed. 0: nothing kept, every call reads.

    ``retry_ms``: how long a transaction that failed transiently (Neo4j restarting,
    a leader switch, a deadlock) is run again before the call raises
    ``StoreUnavailableError``; 0 tries once. A caller that backs off by itself (the
    ingest worker) learns sooner that Neo4j is away with a shorter one.
    """

    uri: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    """Never shown: left out of ``repr`` (settings get logged and put in messages)."""
    database: str = "neo4j"
    namespace: str = "tw"
    batch_size: int = 10_000
    model_recheck_ms: int = 500
    hierarchy_cache: bool = True
    share_reads: bool = True
    exists_stale_ms: int = 500
    retry_ms: int = 15_000

    def __post_init__(self) -> None:
        if not NAMESPACE_PATTERN.fullmatch(self.namespace):
            message = (
                f"Neo4jStoreSettings.namespace is {self.namespace!r}; expected a letter "
                "followed by up to 30 letters, digits or underscores"
            )
            raise InvalidError(message)
        if not 1 <= self.batch_size <= MAX_BATCH_SIZE:
            message = (
                f"Neo4jStoreSettings.batch_size is {self.batch_size!r}; expected an integer "
                f"from 1 to {MAX_BATCH_SIZE}"
            )
            raise InvalidError(message)
        if not 0 <= self.model_recheck_ms <= MAX_MODEL_RECHECK_MS:
            message = (
                f"Neo4jStoreSettings.model_recheck_ms is {self.model_recheck_ms!r}; expected an "
                f"integer from 0 to {MAX_MODEL_RECHECK_MS}"
            )
            raise InvalidError(message)
        if not 0 <= self.exists_stale_ms <= MAX_EXISTS_STALE_MS:
            message = (
                f"Neo4jStoreSettings.exists_stale_ms is {self.exists_stale_ms!r}; expected an "
                f"integer from 0 to {MAX_EXISTS_STALE_MS}"
            )
            raise InvalidError(message)
        if not 0 <= self.retry_ms <= MAX_RETRY_MS:
            message = (
                f"Neo4jStoreSettings.retry_ms is {self.retry_ms!r}; expected an integer "
                f"from 0 to {MAX_RETRY_MS}"
            )
            raise InvalidError(message)
        if (self.user is None) != (self.password is None):
            message = (
                "Neo4jStoreSettings.user and .password must be given together "
                f"(user is {'set' if self.user is not None else 'None'}, password is "
                f"{'set' if self.password is not None else 'None'})"
            )
            raise InvalidError(message)
        if not self.uri:
            message = "Neo4jStoreSettings.uri is empty; expected e.g. 'bolt://127.0.0.1:7687'"
            raise InvalidError(message)
