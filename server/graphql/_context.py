"""What every resolver gets as ``info.context``: the stores, the principal, the loaders."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import ontology
from ontology.access import Authorizer, Principal
from ontology.changefeed import ChangeFeed
from ontology.history import HistoryStore
from server._settings import ServerSettings
from server.graphql._history_loaders import HistoryLoaders
from server.graphql._limits import GraphQLLimits
from server.graphql._loaders import Loaders
from server.graphql._range_batcher import RangeBatcher
from server.graphql._shared_exists import SharedExists
from server.graphql._shared_live import SharedLive
from server.graphql._signals_at import SignalsAtLoader


@dataclass
class Context:
    """One request's view: built fresh per request so DataLoader caches never leak across."""

    store: ontology.GraphStore
    authorizer: Authorizer
    principal: Principal
    settings: ServerSettings
    limits: GraphQLLimits
    history: HistoryStore | None = None
    changes: ChangeFeed | None = None
    request: Any = None
    response: Any = None
    ranges: RangeBatcher | None = None
    """The server's shared ``range`` calls (``None``: each request reads alone)."""
    shared_exists: SharedExists | None = None
    """The server's existence reads shared by concurrent requests (``None``: each alone)."""
    shared_live: SharedLive | None = None
    """The server's live-state reads shared by concurrent requests (``None``: each alone)."""
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(
            self.store, self.authorizer, self.principal, self.shared_exists, self.shared_live
        )

    # made when first asked for: most requests read no history (their loaders cost about
    # as much CPU as reading one twin's live state)
    @functools.cached_property
    def history_loaders(self) -> HistoryLoaders | None:
        """The request's history DataLoaders (``None``: the server has no history store)."""
        return HistoryLoaders(self.history, self.ranges) if self.history else None

    @functools.cached_property
    def signals_at(self) -> SignalsAtLoader | None:
        """The request's ``signals(at:)`` loader (``None``: the server has no history store)."""
        history = self.history_loaders
        return SignalsAtLoader(self.loaders, history) if history else None

    def release(self) -> None:
        """Drop the request's loaders once its answer is sent: they hold reference cycles
        (see ``Loaders.release``) that refcounting then frees at once."""
        self.loaders.release()
        history = self.__dict__.pop("history_loaders", None)
        if history is not None:
            history.release()
        signals_at = self.__dict__.pop("signals_at", None)
        if signals_at is not None:
            signals_at.release()
