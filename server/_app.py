"""The ASGI application: GraphQL at ``/graphql``, liveness at ``/healthz``, AAS at ``/aas/api``."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from strawberry.asgi import GraphQL

from ontology import GraphStore
from ontology.access import Authorizer
from server._body_limit import BodyLimit
from server._schema import schema
from server._settings import ServerSettings
from server.aas import aas_mount


class _GraphQL(GraphQL[dict[str, Any], None]):
    def __init__(self, settings: ServerSettings) -> None:
        super().__init__(schema)
        self._settings = settings

    async def get_context(self, request: Any, response: Any) -> dict[str, Any]:
        return {"request": request, "response": response, "settings": self._settings}


def create_app(
    settings: ServerSettings,
    *,
    store: GraphStore | None = None,
    authorizer: Authorizer | None = None,
) -> Starlette:
    """Build the server application from typed settings (AAS API only with a ``store``)."""

    async def healthz(request: Request) -> Response:
        return JSONResponse(
            {"status": "ok", "version": settings.version, "missing": list(settings.missing)}
        )

    graphql = _GraphQL(settings)
    routes: list[Route | Mount] = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/graphql", graphql, methods=["GET", "POST"]),
    ]
    if store is not None:
        routes.append(aas_mount(store, authorizer=authorizer))
    return Starlette(
        routes=routes,
        middleware=[Middleware(BodyLimit, max_bytes=settings.max_body_bytes)],
    )
