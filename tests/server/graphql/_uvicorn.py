"""Serve an ASGI app with a real uvicorn server on a free port, in a thread, for a test.

uvicorn runs with the server's own options (``server.uvicorn_options``: its HTTP protocol).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import uvicorn
from starlette.types import ASGIApp

from server import uvicorn_options

START_TIMEOUT_S = 30


@contextmanager
def serving(app: ASGIApp) -> Iterator[str]:
    """Yields ``host:port`` while uvicorn serves ``app``; stops it afterwards."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, **uvicorn_options(log_level="warning"))
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    started = threading.Event()
    for _ in range(START_TIMEOUT_S * 20):
        if server.started:
            started.set()
            break
        started.wait(0.05)
    if not started.is_set():
        pytest.fail("uvicorn did not start")
    (socket,) = server.servers[0].sockets
    try:
        yield f"127.0.0.1:{socket.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
