"""The ASGI application: GraphQL at ``/graphql``, AAS at ``/aas/api``, the explorer at ``/``.

Also ``/healthz`` for liveness.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute

import ontology
from ontology.access import AllowAll, Authorizer
from ontology.changefeed import ChangeFeed
from ontology.history import HistoryStore, QuestDBHistoryStore
from server._body_limit import BodyLimit
from server._direct import DirectApp
from server._settings import ServerSettings
from server.aas import aas_mount
from server.explorer import explorer_route
from server.graphql import GraphQLApp, GraphQLLimits, PrincipalOf, anonymous

WARM_UP_WAIT_S = 60.0
"""How long :func:`create_app` waits for a history store's open-time warm-up at most."""


def create_app(
    settings: ServerSettings,
    *,
    store: ontology.GraphStore | None = None,
    authorizer: Authorizer | None = None,
    principal_of: PrincipalOf = anonymous,
    graphql_limits: GraphQLLimits | None = None,
    history: HistoryStore | None = None,
    changes: ChangeFeed | None = None,
) -> Starlette:
    """Build the server application from typed settings and the stores it serves.

    Without a ``store`` it serves an empty in-process graph store; without an
    ``authorizer`` every principal may read and change everything; without a
    ``history`` store the history fields (without a ``changes`` feed the
    subscriptions) answer with an error saying so.

    A QuestDB history store's open-time warm-up (``QuestDBHistorySettings.warm_up``,
    about a second of reads on a thread of its own) is waited for first, at most
    :data:`WARM_UP_WAIT_S`: ``twinweave serve`` accepts its first request once the
    reader is warm, not while the warm-up competes with it for the cores.
    """
    if isinstance(history, QuestDBHistoryStore):
        history.warmed_up(WARM_UP_WAIT_S)  # not ended by then: served all the same

    async def healthz(request: Request) -> Response:
        return JSONResponse(
            {"status": "ok", "version": settings.version, "missing": list(settings.missing)}
        )

    graph = store if store is not None else ontology.MemoryStore()
    policy = authorizer if authorizer is not None else AllowAll()
    graphql = GraphQLApp(
        settings,
        graph,
        policy,
        limits=graphql_limits or GraphQLLimits(),
        principal_of=principal_of,
        history=history,
        changes=changes,
    )
    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        aas_mount(graph, authorizer=policy, principal_of=principal_of),
        explorer_route(),
    ]
    return DirectApp(
        path="/graphql",
        method="POST",
        endpoint=graphql,
        routes=routes,
        middleware=[Middleware(BodyLimit, max_bytes=settings.max_body_bytes)],
    )
