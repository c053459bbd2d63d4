"""``BodyLimit``: an ASGI wrapper that refuses request bodies over a byte limit with 413.

A declared ``Content-Length`` over the limit is refused before the body is
read; a body without one (chunked) is counted as it arrives and refused as
soon as it passes the limit, before the application answers.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server._errors import ServerError


class _BodyTooLargeError(ServerError):
    """Raised inside ``receive`` when the body passes the limit."""


def _refusal(limit: int) -> bytes:
    """The 413 body: readable as it is, and as a GraphQL response (``errors``)."""
    message = (
        f"request body: over the server's limit of {limit} bytes "
        "(ServerSettings.max_body_bytes); send a smaller request"
    )
    graphql_error = {"message": message, "extensions": {"code": "PAYLOAD_TOO_LARGE"}}
    return json.dumps(
        {"error": "payload too large", "message": message, "errors": [graphql_error]}
    ).encode()


class BodyLimit:
    """Wrap ``app`` so an HTTP request body longer than ``max_bytes`` gets 413."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = self._content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLargeError
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _BodyTooLargeError:
            if started:  # too late for a status; the connection closes with the error
                raise
            await self._refuse(send)

    @staticmethod
    def _content_length(scope: Scope) -> int | None:
        for name, value in scope["headers"]:
            if name == b"content-length":
                text = value.decode("latin-1").strip()
                return int(text) if text.isdigit() else None
        return None

    async def _refuse(self, send: Send) -> None:
        body = _refusal(self.max_bytes)
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})
