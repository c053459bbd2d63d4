"""``OneWriteProtocol``: a sized response's head goes out with its body, the bytes unchanged.

The transport is checked write by write against one that records them; the
protocol under a real uvicorn, over a socket, with sized, ``HEAD``, streamed,
``100-continue`` and pipelined requests: the same bytes as uvicorn's own.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route
from uvicorn.importer import import_from_string

from server import uvicorn_options
from server._one_write import JOIN_MAX, HeadHoldingTransport, OneWriteProtocol
from tests.server.graphql._uvicorn import serving

HEAD = b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-type: text/plain\r\n\r\n"
TIMEOUT_S = 10
TEXT = b"content-type: text/plain; charset=utf-8\r\n"


class Recording(asyncio.Transport):
    """A transport that keeps what is written to it, one entry a write."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False
        self.aborted = False

    def write(self, data: Any) -> None:
        self.writes.append(bytes(data))

    def writelines(self, list_of_data: Any) -> None:
        self.writes.append(b"".join(list_of_data))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = True
        self.closed = True


def _holding() -> tuple[HeadHoldingTransport, Recording]:
    inner = Recording()
    return HeadHoldingTransport(inner), inner


def test_a_sized_head_is_written_with_the_body_in_one_write() -> None:
    transport, inner = _holding()
    transport.write(HEAD)
    assert inner.writes == []
    transport.write(b"hello")
    transport.write(b"more")  # nothing held: written as it comes
    assert inner.writes == [HEAD + b"hello", b"more"]


def test_other_writes_are_not_held() -> None:
    transport, inner = _holding()
    chunked = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
    writes = [b"HTTP/1.1 100 Continue\r\n\r\n", chunked, b"5\r\nhello\r\n", b"\x81\x05frame"]
    for data in writes:
        transport.write(data)
    transport.write(bytearray(HEAD))  # not uvicorn's bytes: written as it is
    assert inner.writes == [*writes, HEAD]


def test_a_held_head_is_flushed_without_a_body_and_on_close() -> None:
    transport, inner = _holding()
    transport.write(HEAD)
    transport.flush()  # what the protocol does when a response completes (HEAD)
    transport.flush()
    assert inner.writes == [HEAD]
    transport.write(HEAD)
    transport.close()
    assert inner.writes == [HEAD, HEAD]
    assert inner.closed


def test_a_held_head_is_dropped_on_abort_and_when_the_connection_is_closing() -> None:
    transport, inner = _holding()
    transport.write(HEAD)
    transport.abort()
    assert inner.aborted
    assert inner.writes == []
    transport, inner = _holding()
    transport.write(HEAD)
    inner.closed = True
    transport.flush()
    assert inner.writes == []


def test_a_large_body_follows_its_head_in_a_write_of_its_own() -> None:
    transport, inner = _holding()
    body = b"x" * (JOIN_MAX + 1)
    transport.write(HEAD)
    transport.write(memoryview(body))
    assert inner.writes == [HEAD, body]


def test_writelines_and_eof_write_a_held_head_first() -> None:
    transport, inner = _holding()
    transport.write(HEAD)
    transport.writelines([b"a", b"b"])
    assert inner.writes == [HEAD, b"ab"]
    transport.write(HEAD)
    with pytest.raises(NotImplementedError):  # the recording transport has no end of file
        transport.write_eof()
    assert inner.writes == [HEAD, b"ab", HEAD]


# ------------------------------------------------------------ under uvicorn


async def _numbers() -> AsyncIterator[bytes]:
    for n in range(3):
        yield f"{n};".encode()


async def _sized(request: Request) -> Response:
    return PlainTextResponse("hello")


async def _streamed(request: Request) -> Response:
    return StreamingResponse(_numbers(), media_type="text/plain")


async def _echo(request: Request) -> Response:
    return PlainTextResponse((await request.body()).decode())


APP = Starlette(
    routes=[
        Route("/sized", _sized, methods=["GET", "HEAD"]),
        Route("/streamed", _streamed),
        Route("/echo", _echo, methods=["POST"]),
    ]
)


def _exchange(address: str, *steps: tuple[bytes, bytes]) -> list[bytes]:
    """On one connection, each step's bytes sent and the answer read until it ends with the
    step's end; an answer cut short by the connection closing fails the test."""
    host, port = address.split(":")
    answers: list[bytes] = []
    with socket.create_connection((host, int(port)), timeout=TIMEOUT_S) as connection:
        for data, until in steps:
            connection.sendall(data)
            got = b""
            while not got.endswith(until):
                part = connection.recv(65536)
                if not part:
                    pytest.fail(f"the connection closed after {answers} and {got!r}")
                got += part
            answers.append(got)
    return answers


def _without_date(answer: bytes) -> bytes:
    return b"".join(line for line in answer.splitlines(keepends=True) if b"date: " not in line)


def test_uvicorn_with_the_protocol_answers_sized_head_streamed_and_pipelined() -> None:
    assert import_from_string(uvicorn_options()["http"]) is OneWriteProtocol
    requests = (
        b"GET /sized HTTP/1.1\r\nhost: t\r\n\r\n"
        b"HEAD /sized HTTP/1.1\r\nhost: t\r\n\r\n"
        b"GET /streamed HTTP/1.1\r\nhost: t\r\n\r\n"
    )
    head = b"HEAD /sized HTTP/1.1\r\nhost: t\r\n\r\n"
    with serving(APP) as address:
        (answer,) = _exchange(address, (requests, b"0\r\n\r\n"))
        # HEAD alone: its head is written when the response completes (the connection
        # still open for the next request, not closed by the keep-alive timeout first)
        alone = _exchange(address, (head, b"\r\n\r\n"), (head, b"\r\n\r\n"))
    sized = (
        b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-type: text/plain; charset=utf-8\r\n\r\n"
    )
    streamed = (
        b"HTTP/1.1 200 OK\r\ncontent-type: text/plain; charset=utf-8\r\n"
        b"transfer-encoding: chunked\r\n\r\n2\r\n0;\r\n2\r\n1;\r\n2\r\n2;\r\n0\r\n\r\n"
    )
    assert _without_date(answer) == sized + b"hello" + sized + streamed
    assert [_without_date(a) for a in alone] == [sized, sized]


def test_uvicorn_with_the_protocol_answers_100_continue() -> None:
    request = b"POST /echo HTTP/1.1\r\nhost: t\r\ncontent-length: 3\r\nexpect: 100-continue\r\n\r\n"
    with serving(APP) as address:
        goes_on, got = _exchange(address, (request, b"\r\n\r\n"), (b"abc", b"abc"))
    assert goes_on == b"HTTP/1.1 100 Continue\r\n\r\n"
    assert _without_date(got) == (b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\n" + TEXT + b"\r\nabc")
