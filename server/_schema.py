"""The GraphQL schema served at ``/graphql``.

So far it answers only ``service``: what this server is and which capabilities
are not built yet. Twins, models, history, events and lineage arrive with their
issues.
"""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from server._settings import ServerSettings


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


_BUILT = ("graphql-endpoint", "health")


def _service(info: Info) -> Service:
    settings: ServerSettings = info.context["settings"]
    capabilities = [Capability(name=n, ready=True) for n in _BUILT]
    capabilities += [Capability(name=n, ready=False) for n in settings.missing]
    return Service(
        name="twinweave",
        version=settings.version,
        graph_store=settings.graph_store,
        history_store=settings.history_store,
        capabilities=capabilities,
    )


@strawberry.type
class Query:
    service: Service = strawberry.field(
        resolver=_service, description="This server: version, stores and capabilities."
    )


schema = strawberry.Schema(query=Query)
