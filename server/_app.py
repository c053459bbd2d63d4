"""The ASGI application: GraphQL at ``/graphql``, liveness at ``/healthz``."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from strawberry.asgi import GraphQL

from server._body_limit import BodyLimit
from server._schema import schema
from server._settings import ServerSettings


class _GraphQL(GraphQL[dict[str, Any], None]):
    def __init__(self, settings: ServerSettings) -> None:
        super().__init__(schema)
        self._settings = settings

    async def get_context(self, request: Any, response: Any) -> dict[str, Any]:
        return {"request": request, "response": response, "settings": self._settings}


def create_app(settings: ServerSettings) -> Starlette:
    """Build the server application from typed settings.

    Request bodies over ``settings.max_body_bytes`` are refused with 413.
    """

    async def healthz(request: Request) -> Response:
        return JSONResponse(
            {"status": "ok", "version": settings.version, "missing": list(settings.missing)}
        )

    graphql = _GraphQL(settings)
    return Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/graphql", graphql, methods=["GET", "POST"]),
        ],
        middleware=[Middleware(BodyLimit, max_bytes=settings.max_body_bytes)],
    )
