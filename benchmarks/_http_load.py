"""A lean HTTP/1.1 load generator for the latency benchmarks: N keep-alive connections.

A general-purpose client (httpx) costs the benchmark's own process 1 to 2 ms
of CPU per request; with 32 requests in flight on 2 cores that is what the
latencies measured, not the server (a GET of ``/healthz``, which does no work,
came out like the real ones). Load tools are lean for this reason. This one
writes each request as bytes prepared once (a GET, or a POST of a JSON body)
on a raw asyncio stream and reads the response by its ``Content-Length`` (or
chunks), and nothing else: no URL parsing, no header objects, no JSON parsing.
Bodies are counted as bytes per request key: the caller decodes and checks each
distinct body once (:attr:`LoadResult.bodies`), so every response is checked
while the client spends no CPU on the ones equal to an earlier one. A response
head is read as bytes (the status and the framing headers found in it, not
split into lines), and :func:`run` drives the client on uvloop where installed:
the client shares the cores with the server it measures.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

MAX_HEADER_BYTES = 64 * 1024
T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)``, on uvloop's event loop where installed (less CPU a request)."""
    try:
        import uvloop
    except ImportError:  # not on Windows
        return asyncio.run(main)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)


@dataclass(frozen=True, slots=True)
class Request:
    """One request's bytes, prepared before the clock starts, and the key its bodies count under."""

    key: str
    data: bytes


def get(host: str, path: str) -> Request:
    """A GET of ``path``, keyed by the path."""
    return Request(path, f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())


def post_json(host: str, path: str, body: bytes, key: str | None = None) -> Request:
    """A POST of the JSON ``body`` to ``path``, keyed by ``key`` (default the path)."""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Accept: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return Request(key if key is not None else path, head.encode() + body)


@dataclass
class LoadResult:
    latencies: list[float] = field(default_factory=list)
    """Seconds from writing a request to reading its last byte, in completion order."""
    bodies: dict[str, dict[bytes, int]] = field(default_factory=dict)
    """Per request key, each distinct response body and how many responses had it."""
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def first_body(self) -> dict[str, bytes]:
        """The first body read for each key."""
        return {key: next(iter(seen)) for key, seen in self.bodies.items()}

    @property
    def same_bodies(self) -> bool:
        """Whether every body of a key equalled its first one."""
        return all(len(seen) == 1 for seen in self.bodies.values())


def _header(head: bytes, name: bytes) -> bytes | None:
    """The value of header ``name`` (lower case, with its colon) in ``head`` (lower case)."""
    at = head.find(b"\r\n" + name)
    if at < 0:
        return None
    start = at + 2 + len(name)
    return head[start : head.index(b"\r\n", start)].strip()


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    if len(head) > MAX_HEADER_BYTES:
        msg = f"response head of {len(head)} bytes; expected at most {MAX_HEADER_BYTES}"
        raise ValueError(msg)
    status = int(head.split(b" ", 2)[1])
    lower = head.lower()
    length = _header(lower, b"content-length:")
    if length is not None:
        return status, await reader.readexactly(int(length))
    encoding = _header(lower, b"transfer-encoding:")
    if encoding is None or b"chunked" not in encoding:
        msg = "a response with neither Content-Length nor chunked encoding"
        raise ValueError(msg)
    parts: list[bytes] = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return status, b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


async def send_many(
    host: str, port: int, requests: Sequence[Request], concurrency: int
) -> LoadResult:
    """Send every request of ``requests`` over ``concurrency`` keep-alive connections.

    Each connection sends its next request when the last one's response is read
    (closed loop), taking them in order from one shared queue.
    """
    result = LoadResult()
    queue = list(reversed(requests))

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while queue:
                request = queue.pop()
                start = time.perf_counter()
                try:
                    writer.write(request.data)
                    status, body = await _read_response(reader)
                except (ConnectionError, asyncio.IncompleteReadError):  # closed: reconnect once
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, port)
                    start = time.perf_counter()
                    writer.write(request.data)
                    status, body = await _read_response(reader)
                result.latencies.append(time.perf_counter() - start)
                result.statuses[status] = result.statuses.get(status, 0) + 1
                seen = result.bodies.setdefault(request.key, {})
                seen[body] = seen.get(body, 0) + 1
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()  # closed before the loop is (uvloop insists)

    await asyncio.gather(*(connection() for _ in range(concurrency)))
    return result


async def get_many(host: str, port: int, paths: list[str], concurrency: int) -> LoadResult:
    """GET every path of ``paths`` over ``concurrency`` keep-alive connections."""
    return await send_many(host, port, [get(host, path) for path in paths], concurrency)
