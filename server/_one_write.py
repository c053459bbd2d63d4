"""``OneWriteProtocol``: uvicorn's httptools protocol, a sized response's head sent with its body.

uvicorn writes a response's status line and headers in one ``transport.write``
and its body in another: two system calls and two TCP segments a response,
each crossing the loopback (or the network) and waking the client. Profiled
on the benchmark's server (py-spy, 32 clients), the head's write alone was
about a fifth of the CPU of a ``{ __typename }`` request. Here the connection's
transport holds a head that declares a ``content-length`` until the next write
(the body, or its first part), and writes both at once; a head with no body
to follow (``HEAD``, a response ended without one, a closing connection) is
written when the response completes or the connection closes. The bytes on
the wire are the same; a chunked or streaming response (no ``content-length``,
as server-sent events) and WebSocket frames are written as before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any, TypeGuard

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

JOIN_MAX = 256 * 1024
"""The largest body copied behind its head; a larger one follows in a write of its own."""

_Data = bytes | bytearray | memoryview


def _sized_head(data: _Data) -> TypeGuard[bytes]:
    """Whether ``data`` is a whole response head as uvicorn writes it (one ``bytes``, header
    names in lower case) declaring its body's length."""
    return (
        type(data) is bytes
        and data.startswith(b"HTTP/1.1 ")
        and data.endswith(b"\r\n\r\n")
        and b"\r\ncontent-length: " in data
    )


class HeadHoldingTransport(asyncio.Transport):
    """``inner``, with a sized response head held back until the write after it."""

    def __init__(self, inner: asyncio.Transport) -> None:
        super().__init__()
        self.inner = inner
        self._head: bytes | None = None

    def flush(self) -> None:
        """Write a held head now (nothing when none is held or the connection is closing)."""
        head, self._head = self._head, None
        if head is not None and not self.inner.is_closing():
            self.inner.write(head)

    def write(self, data: _Data) -> None:
        head = self._head
        if head is not None:
            self._head = None
            if len(data) <= JOIN_MAX:
                self.inner.write(b"".join((head, data)))
                return
            self.inner.write(head)
        elif _sized_head(data):
            self._head = data
            return
        self.inner.write(data)

    def writelines(self, list_of_data: Iterable[_Data]) -> None:
        self.flush()
        self.inner.writelines(list_of_data)

    def write_eof(self) -> None:
        self.flush()
        self.inner.write_eof()

    def can_write_eof(self) -> bool:
        return self.inner.can_write_eof()

    def close(self) -> None:
        self.flush()
        self.inner.close()

    def abort(self) -> None:
        self._head = None
        self.inner.abort()

    def is_closing(self) -> bool:
        return self.inner.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self.inner.get_extra_info(name, default)

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self.inner.set_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self.inner.get_protocol()

    def is_reading(self) -> bool:
        return self.inner.is_reading()

    def pause_reading(self) -> None:
        self.inner.pause_reading()

    def resume_reading(self) -> None:
        self.inner.resume_reading()

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self.inner.set_write_buffer_limits(high, low)

    def get_write_buffer_size(self) -> int:
        return self.inner.get_write_buffer_size()

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return self.inner.get_write_buffer_limits()


class OneWriteProtocol(HttpToolsProtocol):
    """uvicorn's httptools HTTP/1.1 protocol over a :class:`HeadHoldingTransport`."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self.holding = HeadHoldingTransport(transport)
        super().connection_made(self.holding)

    def on_response_complete(self) -> None:
        self.holding.flush()
        super().on_response_complete()

    def handle_websocket_upgrade(self) -> None:
        # the WebSocket protocol takes the connection over and writes its own frames
        self.transport = self.holding.inner
        super().handle_websocket_upgrade()
