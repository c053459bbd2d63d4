"""The strawberry ASGI app: request size and time limits, and each request's :class:`Context`."""

from __future__ import annotations

import asyncio
import gc
import json
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

import orjson
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_SSE_PROTOCOL, GRAPHQL_TRANSPORT_WS_PROTOCOL

import ontology
from ontology.access import Authorizer, Principal
from ontology.changefeed import ChangeFeed
from ontology.history import HistoryStore
from server._settings import ServerSettings
from server.graphql import _lean as lean
from server.graphql._context import Context
from server.graphql._deadlines import Deadlines
from server.graphql._encoded import OPTIONS, json_default
from server.graphql._limits import GraphQLLimits
from server.graphql._range_batcher import RangeBatcher
from server.graphql._schema import build_schema
from server.graphql._shared_exists import SharedExists
from server.graphql._shared_live import SharedLive
from server.graphql._threads import inline

PrincipalOf = Callable[[HTTPConnection], Principal]


def anonymous(connection: HTTPConnection) -> Principal:
    """The default: every request is the anonymous principal (tokens are the security issue's)."""
    return Principal()


async def _error(send: Send, status: int, message: str) -> None:
    body = json.dumps({"data": None, "errors": [{"message": message}]}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body already read, then the client's own messages (so a disconnect is seen)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


def _streams(scope: Scope) -> bool:
    accept = dict(scope.get("headers") or []).get(b"accept", b"")
    return b"text/event-stream" in accept


def encode(data: object) -> bytes:
    """JSON as the standard library writes it compactly, by orjson (several times faster).

    What orjson refuses (integers beyond 64 bits, keys that are not strings)
    falls back to the standard library, which answers as before.
    """
    try:
        return orjson.dumps(data, default=json_default, option=OPTIONS)
    except orjson.JSONEncodeError:
        return json.dumps(data, separators=(",", ":")).encode()


DEADLINE_TICKS = 10
"""The time limit's timer wakes this many times per limit: an operation is cut off between
``timeout_s`` and ``timeout_s`` plus a tenth."""
YOUNG_THRESHOLD = 100_000
"""Allocations between collections of the youngest generation once the heap is frozen."""


def freeze_heap_once() -> None:
    """Move every object alive now into the collector's permanent generation (once a process).

    Called at a server's first request, when the stores are loaded: the
    in-process store holds millions of long-lived objects, and every full
    collection walked all of them again (profiled: most of the time of a
    1,000-twin ``signals(at:)`` under load). Objects made afterwards are
    collected as before; refcounting frees frozen objects as usual.

    The youngest generation is then collected every :data:`YOUNG_THRESHOLD`
    allocations instead of 700: a 1,000-twin answer allocates tens of
    thousands of objects, almost all freed by refcounting, and the collector
    walked them again every 700 (measured in process: 7.8-7.9 -> 6.4-6.8 ms
    of CPU per shared ``signals(at:)`` request; docs/graphql.md).
    """
    if GraphQLApp.heap_frozen:
        return
    GraphQLApp.heap_frozen = True
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, 50, 100)


class GraphQLApp(GraphQL[Context, None]):
    """GraphiQL and the endpoint at one path; graphql-transport-ws only (legacy graphql-ws off)."""

    heap_frozen: ClassVar[bool] = False

    def __init__(
        self,
        settings: ServerSettings,
        store: ontology.GraphStore,
        authorizer: Authorizer,
        *,
        limits: GraphQLLimits,
        principal_of: PrincipalOf = anonymous,
        history: HistoryStore | None = None,
        changes: ChangeFeed | None = None,
    ) -> None:
        self._schema = build_schema(limits)
        super().__init__(
            self._schema,
            graphql_ide="graphiql",
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_SSE_PROTOCOL),
        )
        self._settings = settings
        self._store = store
        self._authorizer = authorizer
        self._limits = limits
        self._principal_of = principal_of
        self._history = history
        self._ranges = (
            RangeBatcher(history) if history is not None and settings.share_history_reads else None
        )
        self._shared_exists = None if inline(store) else SharedExists(store)
        self._shared_live = None if inline(store) else SharedLive(store)
        self._changes = changes
        self._deadlines = Deadlines(limits.timeout_s, limits.timeout_s / DEADLINE_TICKS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        freeze_heap_once()
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        # The body arrives whole before the time limit starts; its size limit is the
        # server's BodyLimit in front of this app (ServerSettings.max_body_bytes).
        body = bytearray()
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        replay = _replay(bytes(body), receive)
        view = super().__call__
        if _streams(scope):  # a subscription over SSE lives as long as the client listens
            await view(scope, replay, send)
            return
        prepared = self._lean(scope, body)
        if prepared is None:
            await self._within_time_limit(lambda out: view(scope, replay, out), send)
        else:
            await self._within_time_limit(
                lambda out: self._answer(prepared, scope, replay, out), send
            )

    def _lean(self, scope: Scope, body: bytearray) -> lean.Prepared | None:
        """The operation when the lean path may answer it (``None``: strawberry's view)."""
        if scope["method"] != "POST":
            return None
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None
        return lean.prepare(self._schema, scope, data)

    async def _answer(
        self, prepared: lean.Prepared, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Run ``prepared`` with the context and response the view would make, and answer."""
        request = Request(scope, receive)
        sub_response = await self.get_sub_response(request)
        context = await self.get_context(request, sub_response)
        body = encode(await lean.run(self._schema, prepared, context))
        context.release()
        # as create_response's Response would send it, without building one
        headers = [
            (b"content-length", str(len(body)).encode()),
            (b"content-type", b"application/json"),
            *sub_response.raw_headers,  # what its .headers change (a view built per use)
        ]
        status = sub_response.status_code or 200
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        if sub_response.background is not None:
            await sub_response.background()

    async def _within_time_limit(
        self, answer: Callable[[Send], Awaitable[None]], send: Send
    ) -> None:
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        # one timer per loop for every request's limit (``Deadlines``): asyncio's own
        # timeout cost 6-10 us a request, an anyio cancel scope about twice that
        task = asyncio.current_task()
        assert task is not None, "an ASGI request runs in a task"
        cancelling = task.cancelling()
        deadlines = self._deadlines
        deadlines.start(task)
        cut = False
        try:
            await answer(tracking_send)
        except asyncio.CancelledError:
            cut = deadlines.stop(task)
            if not cut or task.uncancel() > cancelling:  # cancelled by someone else too
                raise
        finally:
            if not cut and deadlines.stop(task):  # cut off, but the answer ended anyway
                task.uncancel()
        if cut and not started:
            seconds = self._limits.timeout_s
            await _error(send, 504, f"the operation ran longer than the time limit of {seconds} s")

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        """strawberry's: no status and no headers until a resolver sets them (it builds
        ``Response()`` and deletes its ``content-length`` through a header view)."""
        response = Response()
        response.status_code = None  # type: ignore[assignment]
        response.raw_headers = []
        return response

    def encode_json(self, data: object) -> str:
        # text: a graphql-transport-ws message must be a text frame
        return encode(data).decode()

    def create_response(self, response_data: Any, sub_response: Response) -> Response:
        """strawberry's response (status 200, the resolvers' headers and status), orjson's bytes."""
        response = Response(encode(response_data), status_code=200, media_type="application/json")
        response.headers.raw.extend(sub_response.headers.raw)
        if sub_response.background:
            response.background = sub_response.background
        if sub_response.status_code:
            response.status_code = sub_response.status_code
        return response

    async def get_context(self, request: Any, response: Any) -> Context:
        return Context(
            store=self._store,
            authorizer=self._authorizer,
            principal=self._principal_of(request),
            settings=self._settings,
            limits=self._limits,
            history=self._history,
            changes=self._changes,
            ranges=self._ranges,
            shared_exists=self._shared_exists,
            shared_live=self._shared_live,
            request=request,
            response=response,
        )
