"""The lean load client sends GETs and JSON POSTs and counts every distinct body it reads."""

from __future__ import annotations

import asyncio

from benchmarks._http_load import LoadResult, get, post_json, run, send_many


async def _serve_echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answer each request with its request line and body: by length, or chunked for a GET."""
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            first, *lines = head.decode("latin-1").split("\r\n")
            length = 0
            for line in lines:
                name, _, value = line.partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            body = await reader.readexactly(length)
            answer = first.encode() + b"|" + body
            if first.startswith("GET"):
                half = len(answer) // 2
                chunks = b"".join(
                    b"%x\r\n%s\r\n" % (len(part), part) for part in (answer[:half], answer[half:])
                )
                writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                writer.write(chunks + b"0\r\n\r\n")
            else:
                writer.write(b"HTTP/1.1 201 Created\r\nContent-Length: %d\r\n\r\n" % len(answer))
                writer.write(answer)
            await writer.drain()
    except asyncio.IncompleteReadError:
        writer.close()


async def _run() -> None:
    server = await asyncio.start_server(_serve_echo, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        requests = [
            post_json("127.0.0.1", "/graphql", b'{"query":"{ a }"}', key="a"),
            post_json("127.0.0.1", "/graphql", b'{"query":"{ b }"}', key="b"),
            get("127.0.0.1", "/healthz"),
        ] * 5
        got = await send_many("127.0.0.1", port, requests, 3)
    assert len(got.latencies) == 15
    assert got.statuses == {201: 10, 200: 5}
    assert got.bodies == {
        "a": {b'POST /graphql HTTP/1.1|{"query":"{ a }"}': 5},
        "b": {b'POST /graphql HTTP/1.1|{"query":"{ b }"}': 5},
        "/healthz": {b"GET /healthz HTTP/1.1|": 5},
    }
    assert got.same_bodies
    assert got.first_body["a"] == b'POST /graphql HTTP/1.1|{"query":"{ a }"}'


def test_posts_and_gets_are_answered_and_each_distinct_body_is_counted() -> None:
    asyncio.run(_run())


def test_two_bodies_for_one_key_are_not_the_same() -> None:
    async def run() -> None:
        server = await asyncio.start_server(_serve_echo, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            one = post_json("127.0.0.1", "/q", b"1", key="k")
            two = post_json("127.0.0.1", "/q", b"22", key="k")
            got = await send_many("127.0.0.1", port, [one, two], 1)
        assert not got.same_bodies
        assert sum(got.bodies["k"].values()) == 2

    asyncio.run(run())


def test_run_drives_the_client_on_uvloop_and_gives_its_result() -> None:
    async def loop_kind() -> str:
        return type(asyncio.get_running_loop()).__module__

    assert run(loop_kind()).startswith("uvloop")  # a dependency of the package


def test_a_response_head_in_any_case_with_spaces_is_read() -> None:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 404 Not Found\r\nX-Length: 9\r\nCONTENT-LENGTH:  4 \r\n\r\nnope")
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n")
        writer.write(b"3;x=1\r\nyes\r\n0\r\n\r\n")
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    async def main() -> LoadResult:
        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            requests = [get("127.0.0.1", "/x"), get("127.0.0.1", "/y")]
            return await send_many("127.0.0.1", port, requests, 1)

    got = run(main())
    assert got.statuses == {404: 1, 200: 1}
    assert got.bodies == {"/x": {b"nope": 1}, "/y": {b"yes": 1}}
