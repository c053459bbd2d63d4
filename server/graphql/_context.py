"""What every resolver gets as ``info.context``: the stores, the principal, the loaders."""

from __future__ import annotations

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
    loaders: Loaders = field(init=False)
    history_loaders: HistoryLoaders | None = field(init=False)
    signals_at: SignalsAtLoader | None = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.store, self.authorizer, self.principal)
        self.history_loaders = HistoryLoaders(self.history) if self.history else None
        self.signals_at = (
            SignalsAtLoader(self.loaders, self.history_loaders) if self.history_loaders else None
        )
