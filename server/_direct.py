"""``DirectApp``: the Starlette application, one route's requests sent past the router.

Every ``POST /graphql`` went through the router, which matched the routes in
turn (a regular expression each) and wrapped the endpoint's call: about a
tenth of the CPU of the lightest GraphQL request. Here the direct route's
requests go to its endpoint through the same middleware as every other
request (server errors, the body limit, exception handlers), and everything
else through the router as before.
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.types import ASGIApp, ExceptionHandler, Receive, Scope, Send


class DirectApp(Starlette):
    """Starlette whose ``method`` requests at exactly ``path`` go straight to ``endpoint``."""

    def __init__(self, *, path: str, method: str, endpoint: ASGIApp, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._path = path
        self._method = method
        self._endpoint = endpoint
        self._direct: ASGIApp | None = None

    def _direct_stack(self) -> ASGIApp:
        """``endpoint`` inside the middleware Starlette puts around its router."""
        handlers: dict[Any, ExceptionHandler] = {}
        on_error = None
        for key, handler in self.exception_handlers.items():
            if key in (500, Exception):
                on_error = handler
            else:
                handlers[key] = handler
        app: ASGIApp = ExceptionMiddleware(self._endpoint, handlers=handlers, debug=self.debug)
        for cls, args, kwargs in reversed(self.user_middleware):
            app = cls(app, *args, **kwargs)
        return ServerErrorMiddleware(app, handler=on_error, debug=self.debug)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["path"] == self._path
            and scope["method"] == self._method
            and not scope.get("root_path")
            and self.max_body_size is None
        ):
            scope["app"] = self
            if self._direct is None:
                self._direct = self._direct_stack()
            await self._direct(scope, receive, send)
            return
        await super().__call__(scope, receive, send)
