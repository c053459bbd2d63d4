"""``service``: what this server is and which of its capabilities are ready."""

from __future__ import annotations

import strawberry

from server.graphql._context import Context

HISTORY = ("history", "events", "lineage")
"""Ready when the server has a history store."""
BUILT = ("graphql-endpoint", "health", "graphql-twins", "graphql-mutations", "federation")


@strawberry.type(description="A capability of this server and whether it is available yet.")
class Capability:
    name: str
    ready: bool


@strawberry.type(description="What this server is and what it can do today.")
class Service:
    name: str
    version: str
    graph_store: str
    history_store: str
    capabilities: list[Capability]


def service(info: strawberry.Info[Context, None]) -> Service:
    settings = info.context.settings
    built = BUILT + (HISTORY if info.context.history is not None else ())
    built += ("subscriptions",) if info.context.changes is not None else ()
    capabilities = [Capability(name=n, ready=True) for n in built]
    capabilities += [Capability(name=n, ready=False) for n in settings.missing if n not in built]
    return Service(
        name="twinweave",
        version=settings.version,
        graph_store=settings.graph_store,
        history_store=settings.history_store,
        capabilities=capabilities,
    )
