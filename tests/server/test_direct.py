"""``DirectApp``: the direct route's requests reach their endpoint through the same middleware."""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient
from starlette.types import Receive, Scope, Send

from server._body_limit import BodyLimit
from server._direct import DirectApp

LIMIT = 64


async def _endpoint(scope: Scope, receive: Receive, send: Send) -> None:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break
    if body == b"fail":
        msg = "the endpoint failed"
        raise RuntimeError(msg)
    answer = PlainTextResponse(f"direct {scope['method']} {len(body)} {scope['app'].__name__}")
    await answer(scope, receive, send)


async def _routed(request: Request) -> Response:
    return PlainTextResponse(f"routed {request.method}")


def _client() -> TestClient:
    app = DirectApp(
        path="/direct",
        method="POST",
        endpoint=_endpoint,
        routes=[Route("/direct", _routed, methods=["GET"])],
        middleware=[Middleware(BodyLimit, max_bytes=LIMIT)],
    )
    app.__name__ = "the app"  # type: ignore[attr-defined]
    return TestClient(app, raise_server_exceptions=False)


def test_the_direct_route_answers_past_the_router_and_the_rest_is_routed() -> None:
    client = _client()
    assert client.post("/direct", content=b"abc").text == "direct POST 3 the app"
    assert client.get("/direct").text == "routed GET"
    assert client.put("/direct").status_code == 405
    assert client.post("/direct/", follow_redirects=False).status_code == 307  # the router's
    assert client.post("/other").status_code == 404


def test_the_direct_route_keeps_the_body_limit_and_the_server_error_answer() -> None:
    client = _client()
    assert client.post("/direct", content=b"x" * LIMIT).status_code == 200
    refused = client.post("/direct", content=b"x" * (LIMIT + 1))
    assert refused.status_code == 413
    assert "over the server's limit of 64 bytes" in refused.json()["message"]
    failed = client.post("/direct", content=b"fail")
    assert failed.status_code == 500
    assert failed.text == "Internal Server Error"
