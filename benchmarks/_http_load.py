"""A lean HTTP/1.1 load generator for the latency benchmarks: N keep-alive connections, GETs.

A general-purpose client (httpx) costs the benchmark's own process 1 to 2 ms
of CPU per request; with 32 requests in flight on 2 cores that is what the
latencies measured, not the server (a GET of ``/healthz``, which does no work,
came out like the real ones). Load tools are lean for this reason. This one
writes each request as bytes on a raw asyncio stream and reads the response
by its ``Content-Length`` (or chunks), and nothing else: no URL parsing, no
header objects. Bodies are compared as bytes: the first body of each path is
kept, every later one must equal it.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

MAX_HEADER_BYTES = 64 * 1024


@dataclass
class LoadResult:
    latencies: list[float] = field(default_factory=list)
    """Seconds from writing a request to reading its last byte, in completion order."""
    first_body: dict[str, bytes] = field(default_factory=dict)
    """The first body read for each path."""
    statuses: dict[int, int] = field(default_factory=dict)
    same_bodies: bool = True
    """Whether every body of a path equalled its first one."""


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    if len(head) > MAX_HEADER_BYTES:
        msg = f"response head of {len(head)} bytes; expected at most {MAX_HEADER_BYTES}"
        raise ValueError(msg)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length, chunked = None, False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        key = name.strip().lower()
        if key == "content-length":
            length = int(value.strip())
        elif key == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if length is not None:
        return status, await reader.readexactly(length)
    if not chunked:
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


async def get_many(host: str, port: int, paths: list[str], concurrency: int) -> LoadResult:
    """GET every path of ``paths`` over ``concurrency`` keep-alive connections."""
    result = LoadResult()
    queue = list(reversed(paths))

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while queue:
                path = queue.pop()
                request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
                start = time.perf_counter()
                try:
                    writer.write(request)
                    status, body = await _read_response(reader)
                except (ConnectionError, asyncio.IncompleteReadError):  # closed: reconnect once
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, port)
                    start = time.perf_counter()
                    writer.write(request)
                    status, body = await _read_response(reader)
                result.latencies.append(time.perf_counter() - start)
                result.statuses[status] = result.statuses.get(status, 0) + 1
                first = result.first_body.setdefault(path, body)
                if first is not body and first != body:
                    result.same_bodies = False
        finally:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(concurrency)))
    return result
