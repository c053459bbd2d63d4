"""``uvicorn_options``: how the server runs under uvicorn (``twinweave serve``, the benchmarks)."""

from __future__ import annotations

import importlib.util
from typing import Any

from server._one_write import OneWriteProtocol


def uvicorn_options(*, log_level: str = "info", access_log: bool = False) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.Config``: the server's HTTP protocol and event loop.

    The protocol is uvicorn's httptools one writing a sized response's head with its
    body (:class:`~server._one_write.OneWriteProtocol`); the loop uvloop where installed
    (less CPU a request than asyncio's). The access log (a line a request) is off
    unless asked for; no ``server`` header is sent (uvicorn's default names itself).
    """
    return {
        # by name: uvicorn imports it in each worker once the worker answers its supervisor
        # (a class would be unpickled, importing the whole server, before it does)
        "http": f"{OneWriteProtocol.__module__}:{OneWriteProtocol.__qualname__}",
        "loop": "uvloop" if importlib.util.find_spec("uvloop") else "asyncio",
        "access_log": access_log,
        "log_level": log_level,
        "server_header": False,
    }
