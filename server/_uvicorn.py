"""``uvicorn_options``: how the server runs under uvicorn (``twinweave serve``, the benchmarks)."""

from __future__ import annotations

from typing import Any

from server._one_write import OneWriteProtocol

LOOP = "asyncio"
"""The server's event loop: asyncio's, which accepts every pending connection at once.

uvloop's accepted one connection per turn of its loop (``strace``: one ``accept4``
per ``epoll_pwait``), and each turn first answered every request in flight on the
connections it had: with 32 clients connecting at once to a busy server, the last
connection's first request waited for some 30 turns, 45-140 ms under the GraphQL
benchmark's load, which made the p99 of its rounds (docs/graphql.md, "New
connections: one accept a turn"). asyncio's selector loop accepts up to the listen
backlog a turn; its CPU per request measured the same as uvloop's within the noise.
"""


def uvicorn_options(*, log_level: str = "info", access_log: bool = False) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.Config``: the server's HTTP protocol and event loop.

    The protocol is uvicorn's httptools one writing a sized response's head with its
    body (:class:`~server._one_write.OneWriteProtocol`); the loop asyncio's
    (:data:`LOOP`: it accepts every pending connection at once). The access log (a
    line a request) is off unless asked for; no ``server`` header is sent (uvicorn's
    default names itself).
    """
    return {
        # by name: uvicorn imports it in each worker once the worker answers its supervisor
        # (a class would be unpickled, importing the whole server, before it does)
        "http": f"{OneWriteProtocol.__module__}:{OneWriteProtocol.__qualname__}",
        "loop": LOOP,
        "access_log": access_log,
        "log_level": log_level,
        "server_header": False,
    }
