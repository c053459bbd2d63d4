"""The twin explorer page: the built front end (``explorer/``) served as static files at ``/``.

``scripts/build-explorer`` builds it into ``server/explorer/static/``, which ships as
package data. Without a build, ``/`` answers 503 with the command that builds it.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

__all__ = ["STATIC_DIR", "explorer_route", "is_built"]

STATIC_DIR = Path(__file__).parent / "static"
"""Where ``scripts/build-explorer`` writes the built page."""

NOT_BUILT = (
    "The explorer page is not built. Run scripts/build-explorer (needs Node.js 20 and npm), "
    "or use the API at /graphql.\n"
)


def is_built(static_dir: Path = STATIC_DIR) -> bool:
    """Whether ``static_dir`` holds a built page."""
    return (static_dir / "index.html").is_file()


async def _not_built(request: Request) -> Response:
    return PlainTextResponse(NOT_BUILT, status_code=503)


def explorer_route(static_dir: Path = STATIC_DIR) -> BaseRoute:
    """The route that serves the page at ``/``; put it after every other route."""
    if is_built(static_dir):
        return Mount("/", app=StaticFiles(directory=static_dir, html=True), name="explorer")
    return Route("/", _not_built, methods=["GET"], name="explorer")
