"""The server's event loop (``server.uvicorn_options``) accepts every pending connection at once.

Clients that connect while the server is busy wait in the listen backlog; a
loop that accepts one of them per turn makes the last wait for a turn per
connection ahead of it (uvloop's did). Here 16 connections wait in the backlog
of a server made on the loop uvicorn builds from the server's options, the way
uvicorn makes it from a listening socket: all 16 are made within two turns of
the loop after the first.
"""

from __future__ import annotations

import asyncio
import socket

import uvicorn
from starlette.applications import Starlette

from server import uvicorn_options

CONNECTIONS = 16
TURNS_AFTER_FIRST = 2
FIRST_WITHIN_TURNS = 100


class Counting(asyncio.Protocol):
    made: list[asyncio.BaseTransport]

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        Counting.made.append(transport)


async def _accepted(listening: socket.socket) -> tuple[int, int]:
    """Connections made when the first was made, and two turns later."""
    Counting.made = []
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Counting, sock=listening, backlog=CONNECTIONS * 2)
    clients = [
        socket.create_connection(listening.getsockname(), timeout=10) for _ in range(CONNECTIONS)
    ]
    try:
        for _ in range(FIRST_WITHIN_TURNS):
            if Counting.made:
                break
            await asyncio.sleep(0)
        first = len(Counting.made)
        for _ in range(TURNS_AFTER_FIRST):
            await asyncio.sleep(0)
        return first, len(Counting.made)
    finally:
        for transport in Counting.made:
            transport.close()
        for client in clients:
            client.close()
        server.close()
        await server.wait_closed()


def test_every_pending_connection_is_accepted_at_once() -> None:
    config = uvicorn.Config(Starlette(), **uvicorn_options(log_level="warning"))
    loop_factory = config.get_loop_factory()
    assert loop_factory is not None
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        first, later = runner.run(_accepted(listening))
    assert first >= 1
    assert later == CONNECTIONS, f"{later} of {CONNECTIONS} made two turns after the first"
