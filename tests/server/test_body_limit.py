"""ServerSettings.max_body_bytes is enforced: larger bodies get 413 with a clear message."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from starlette.testclient import TestClient

from server import ServerError, ServerSettings, create_app, uvicorn_options

LIMIT = 200
QUERY = b'{"query": "{ service { version } }"}'


def client(limit: int = LIMIT) -> TestClient:
    return TestClient(create_app(ServerSettings(version="1.0", max_body_bytes=limit)))


def padded(size: int) -> bytes:
    """A valid GraphQL request body of exactly ``size`` bytes (spaces before the brace)."""
    return b" " * (size - len(QUERY)) + QUERY


def assert_refused(status: int, body: bytes) -> None:
    assert status == 413
    message = json.loads(body)["message"]
    assert f"limit of {LIMIT} bytes" in message
    assert "max_body_bytes" in message


def test_a_body_at_the_limit_is_served() -> None:
    response = client().post(
        "/graphql", content=padded(LIMIT), headers={"content-type": "application/json"}
    )
    assert response.status_code == 200
    assert response.json()["data"]["service"]["version"] == "1.0"


def test_a_declared_length_over_the_limit_is_refused() -> None:
    response = client().post(
        "/graphql", content=padded(LIMIT + 1), headers={"content-type": "application/json"}
    )
    assert_refused(response.status_code, response.content)


def test_a_body_without_content_length_is_counted_and_refused() -> None:
    def chunks() -> Iterator[bytes]:
        body = padded(3 * LIMIT)
        for start in range(0, len(body), 50):
            yield body[start : start + 50]

    response = client().post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert_refused(response.status_code, response.content)


@pytest.mark.parametrize("limit", [0, -1, True, 2**40])
def test_a_limit_that_is_not_a_sensible_byte_count_is_refused(limit: int) -> None:
    with pytest.raises(ServerError, match="max_body_bytes"):
        ServerSettings(version="1.0", max_body_bytes=limit)


@pytest.fixture
def live_port() -> Iterator[int]:
    """The app served by uvicorn (the server's options) on a free loopback port, in a thread."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    app = create_app(ServerSettings(version="1.0", max_body_bytes=LIMIT))
    options = uvicorn_options(log_level="error")
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    yield port
    server.should_exit = True
    thread.join(timeout=10)


def test_a_chunked_body_over_the_wire_is_refused_by_the_real_server(live_port: int) -> None:
    body = padded(3 * LIMIT)
    chunks = b"".join(
        b"%x\r\n%s\r\n" % (len(body[i : i + 64]), body[i : i + 64]) for i in range(0, len(body), 64)
    )
    request = (
        b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", live_port), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, payload = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    assert b"content-length" not in request.lower()
    assert_refused(status, payload)
