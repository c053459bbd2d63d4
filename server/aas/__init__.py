"""The AAS Part 2 HTTP API (read profiles) over the graph store, as a starlette app.

Served under ``/aas/api/v3.0`` and ``/aas/api/v3.1``: AAS Repository and
Submodel Repository SSP-002, the Concept Description reads, ``/serialization``
and ``/description``. Values are read live from the store at each request;
every read asks the ``Authorizer``. See docs/aas.md.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from ontology import GraphStore, MemoryStore
from ontology.access import Authorizer, Principal
from server.aas._errors import error_response
from server.aas._routes import AasApi, PrincipalOf
from server.aas._service import AasApiSettings, AasService

VERSIONS = ("3.0", "3.1")


class _AnyPath(Mount):
    """A Mount whose path matches control characters too (the stock regex stops at a newline),
    so every request below it gets the AAS error body rather than a plain-text 404."""

    def __init__(self, path: str, **kwargs: Any) -> None:
        super().__init__(path, **kwargs)
        self.path_regex = re.compile(self.path_regex.pattern, re.DOTALL)


class _AnyRoute(Route):
    def __init__(self, path: str, endpoint: Any, **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        self.path_regex = re.compile(self.path_regex.pattern, re.DOTALL)


def _anonymous(connection: HTTPConnection) -> Principal:
    return Principal()


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status == 404:  # a path outside both versions (no version, or one not served)
        served = " and ".join(f"{request.scope.get('root_path', '')}/v{v}" for v in VERSIONS)
        path = request.url.path[:200]
        return error_response(404, f"no such path: {path}; the API is served under {served}")
    return error_response(status, str(getattr(exc, "detail", "error")))


def aas_app(
    store: GraphStore,
    settings: AasApiSettings | None = None,
    *,
    authorizer: Authorizer | None = None,
    principal_of: PrincipalOf | None = None,
) -> Starlette:
    """The API for both versions: mount it at ``/aas/api``."""
    service = AasService(store, settings, authorizer)
    who = principal_of or _anonymous
    routes = []
    for version in VERSIONS:
        api = AasApi(service, who, version.replace(".", "/"), inline=isinstance(store, MemoryStore))
        methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]
        routes.append(
            _AnyPath(
                f"/v{version}",
                routes=[
                    _AnyRoute("/", api.handle, methods=methods),
                    _AnyRoute("/{path:path}", api.handle, methods=methods),
                ],
            )
        )
    return Starlette(routes=routes, exception_handlers={HTTPException: _http_error})


def aas_mount(
    store: GraphStore,
    settings: AasApiSettings | None = None,
    *,
    authorizer: Authorizer | None = None,
    principal_of: PrincipalOf | None = None,
    path: str = "/aas/api",
) -> Mount:
    """:func:`aas_app` mounted at ``path`` (matching any characters below it)."""
    app = aas_app(store, settings, authorizer=authorizer, principal_of=principal_of)
    return _AnyPath(path, app=app)


__all__ = ["VERSIONS", "AasApiSettings", "AasService", "PrincipalOf", "aas_app", "aas_mount"]
