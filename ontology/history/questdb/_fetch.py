"""Query results straight into Arrow columns: QuestDB's PostgreSQL wire read by hand.

A read of 100 series x 24 h at 1 minute is 144,000 rows of about ten cells.
Through psycopg each cell became a Python object (libpq parses the rows,
psycopg loads every cell, Arrow reads the objects back): about 130 ms of
client CPU a call. Here one connection of our own speaks the protocol's
extended query (``Parse``, ``Bind`` with binary parameters, ``Describe``,
``Execute``, ``Sync``; binary results), receives the answer into one byte
buffer and hands it to compiled loops (``_fetch_jit``) that frame the
messages, find the cells and copy each column out: no object per row or cell.
Several queries may go in one request, one ``Sync`` after the last, and come
back in one round trip (``tables``).

Parameters are always sent as parameters, typed by their Python type (``str``
varchar, ``int`` int8, ``float`` float8, ``bool``, aware ``datetime``
timestamptz, ``None`` NULL). Result columns are checked against the Arrow
schema asked for (integers, doubles, text); a server error, a connection lost
or a row that does not add up raises, and the connection is opened again for
the next query.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import socket
import struct
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, TypeAlias

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from ontology.history._errors import HistoryInputError, HistoryUnavailableError
from ontology.history.questdb import _fetch_jit as jit
from ontology.history.questdb._settings import QuestDBHistorySettings

MAX_RESULT_BYTES = 1 << 31
"""One answer held in memory at most (2 GiB); a larger one is refused."""
_KEPT_BYTES = 1 << 26
"""The receive buffer kept between queries (64 MiB); a larger one is dropped after use."""
_HUGE = 1 << 22
"""numpy asks the kernel for huge pages for an array of 4 MiB or more (``madvise``)."""
_PLACEHOLDER = re.compile(r"\$(\d+)")
_PROTOCOL = 196_608  # 3.0
_EPOCH_2000_US = 946_684_800_000_000
_PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_INT8, _INT4, _INT2, _FLOAT8, _FLOAT4, _BOOL = 20, 23, 21, 701, 700, 16
_TIMESTAMP, _TIMESTAMPTZ, _VARCHAR, _BPCHAR, _TEXT, _CHAR, _NAME = (
    1114,
    1184,
    1043,
    1042,
    25,
    18,
    19,
)
_LAYOUT = {
    _INT8: jit.FIXED8,
    _FLOAT8: jit.FIXED8,
    _TIMESTAMP: jit.FIXED8,
    _TIMESTAMPTZ: jit.FIXED8,
    _INT4: jit.FIXED4,
    _FLOAT4: jit.FIXED4,
    _INT2: jit.FIXED2,
    _BOOL: jit.FIXED1,
    _VARCHAR: jit.VARIABLE,
    _BPCHAR: jit.VARIABLE,
    _TEXT: jit.VARIABLE,
    _CHAR: jit.VARIABLE,
    _NAME: jit.VARIABLE,
}
_INTEGERS = {_INT8, _INT4, _INT2, _BOOL, _TIMESTAMP, _TIMESTAMPTZ}
CODED_TEXT = pa.dictionary(pa.int32(), pa.string())
"""Text read as a dictionary: each cell an index into the distinct values, made strings
once each (for keys such as the twin, repeated in every row: no per-row string)."""
_TEXTS = {_VARCHAR, _BPCHAR, _TEXT, _CHAR, _NAME}
_READS_AS = {
    pa.int64(): _INTEGERS,
    pa.float64(): {_FLOAT8, _FLOAT4, _INT8, _INT4, _INT2},
    pa.string(): _TEXTS,
    CODED_TEXT: _TEXTS,
}
"""Which result types fill which Arrow column type."""


class RowDecoder(Protocol):
    """A query's rows read another way than column by column (``ColumnReader.tables``
    takes one in place of a schema): ``schema`` the columns the answer must have (checked
    as for a schema), ``decode`` its table from the answer's bytes (``buf``, the rows'
    starts, each column's ``fixed8``), or ``None`` to have it read as ``schema`` is."""

    @property
    def schema(self) -> pa.Schema: ...

    def decode(
        self,
        buf: npt.NDArray[np.uint8],
        rows: npt.NDArray[np.int64],
        cells: Sequence[tuple[bool, int] | None],
    ) -> pa.Table | None: ...


Shape: TypeAlias = pa.Schema | RowDecoder
"""How a query's rows are read: as a schema's columns, or by a ``RowDecoder``."""


def fixed8(oid: int) -> tuple[bool, int] | None:
    """How an 8-byte binary cell of type ``oid`` reads as a number: ``(integral, shift)``,
    a double's bit pattern (``False``) or an integer (plus ``shift``: timestamps count from
    2000, read from 1970); ``None`` for any other type."""
    if oid == _FLOAT8:
        return False, 0
    if oid in (_TIMESTAMP, _TIMESTAMPTZ):
        return True, _EPOCH_2000_US
    return (True, 0) if oid == _INT8 else None


@dataclass(frozen=True, slots=True)
class _Column:
    name: str
    oid: int


def empty(shape: tuple[int, ...], dtype: type[np.generic]) -> npt.NDArray[Any]:
    """``np.empty(shape, dtype)``, but allocated as at least 4 MiB when it takes 1 MiB or
    more: numpy asks the kernel for huge pages for 4 MiB and more, where an array of 1-4 MiB
    costs a page fault per 4 KiB (a 100-series read in two requests made two blocks of
    4.03 MB, just under; measured). The room past ``shape`` is never written (the huge page
    holding the array's end may still be backed whole)."""
    size = int(np.prod(shape)) * np.dtype(dtype).itemsize
    room = _HUGE if _HUGE // 4 <= size < _HUGE else size
    return np.empty(room, dtype=np.uint8)[:size].view(dtype).reshape(shape)


def _message(tag: bytes, body: bytes) -> bytes:
    return tag + struct.pack("!i", len(body) + 4) + body


def _cstring(text: str) -> bytes:
    data = text.encode()
    if b"\0" in data:
        message = f"a query or parameter text holds a NUL character: {text[:40]!r}"
        raise HistoryInputError(message)
    return data + b"\0"


def _parameter(value: Any) -> tuple[int, bytes | None]:
    """A parameter's type and its binary value (None for NULL)."""
    if isinstance(value, str):  # the most common: names
        return _VARCHAR, value.encode()
    if value is None:
        return 0, None
    if isinstance(value, bool):
        return _BOOL, b"\1" if value else b"\0"
    if isinstance(value, int):
        return _INT8, struct.pack("!q", value)
    if isinstance(value, float):
        return _FLOAT8, struct.pack("!d", value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        delta = value - _PG_EPOCH
        us = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        return _TIMESTAMPTZ, struct.pack("!q", us)
    message = (
        f"a query parameter is {value!r}; expected str, int, float, bool, an aware datetime or None"
    )
    raise HistoryInputError(message)


def numbered(sql: str, count: int) -> str:
    """``sql`` with its ``%s`` placeholders numbered ``$1``, ``$2``, ... (``count`` of them)."""
    parts = sql.split("%s")
    if len(parts) != count + 1:
        message = f"a query has {len(parts) - 1} placeholders for {count} parameters"
        raise HistoryInputError(message)
    return "".join(f"{p}${i}" for i, p in enumerate(parts[:-1], 1)) + parts[-1]


MAX_PARAMETERS = 32_767
"""Bind parameters one query may carry (the protocol counts them in 16 bits; QuestDB
refuses more)."""


def _query_messages(sql: str, params: Sequence[Any]) -> bytes:
    """One query's ``Parse``, ``Bind``, ``Describe`` and ``Execute`` (no ``Sync``)."""
    typed = [_parameter(p) for p in params]
    if len(typed) > MAX_PARAMETERS:
        message = f"a query has {len(typed)} parameters; expected at most {MAX_PARAMETERS}"
        raise HistoryInputError(message)
    parse = _cstring("") + _cstring(sql) + struct.pack("!h", len(typed))
    parse += b"".join(struct.pack("!i", oid) for oid, _ in typed)
    values = [struct.pack("!i", -1 if v is None else len(v)) + (v or b"") for _, v in typed]
    bind = _cstring("") + _cstring("") + struct.pack("!hhh", 1, 1, len(typed))
    bind += b"".join(values) + struct.pack("!hh", 1, 1)  # every result column binary
    return (
        _message(b"P", parse)
        + _message(b"B", bind)
        + _message(b"D", b"P\0")
        + _message(b"E", b"\0" + struct.pack("!i", 0))
    )


def _error_text(body: bytes) -> str:
    """An ``ErrorResponse``'s severity, code and message."""
    fields = {f[:1]: f[1:].decode(errors="replace") for f in body.split(b"\0") if f}
    return f"{fields.get(b'S', 'ERROR')} {fields.get(b'C', '')}: {fields.get(b'M', '')}".strip()


def _columns(body: bytes) -> list[_Column]:
    """A ``RowDescription``'s column names and type oids."""
    (count,) = struct.unpack_from("!h", body)
    at, out = 2, []
    for _ in range(count):
        end = body.index(b"\0", at)
        name = body[at:end].decode(errors="replace")
        (oid,) = struct.unpack_from("!i", body, end + 7)
        out.append(_Column(name, oid))
        at = end + 19
    return out


class _UnansweredError(HistoryUnavailableError):
    """The connection failed before any byte of the answer came (``ColumnReader._answer``
    sends the request again once when the connection was kept from an earlier query)."""


class ColumnReader:
    """One PostgreSQL-wire connection whose query results become Arrow tables.

    Opened at the first query and again after a failure, never after ``close``: a query
    then (a read that outlived its store's ``close``) is refused, so no socket outlives
    the reader. Not thread-safe for queries (the store calls it under its lock or from one
    read slot at a time); ``close`` may come from another thread.
    """

    def __init__(self, settings: QuestDBHistorySettings) -> None:
        self._settings = settings
        self._sock: socket.socket | None = None
        self._closed = False
        self._guard = threading.Lock()
        """Orders ``close`` and a connection being opened (on another thread)."""
        self._buffer = np.empty(0, dtype=np.uint8)
        self._rows = np.empty(1 << 16, dtype=np.int64)
        self._others = np.empty(64, dtype=np.int64)

    def _where(self) -> str:
        s = self._settings
        return f"QuestDB at {s.host} (PostgreSQL wire {s.pg_port})"

    # ------------------------------------------------------------- connection
    def _connect(self) -> socket.socket:
        s = self._settings
        if self.closed:
            raise HistoryUnavailableError(self._closed_message())
        try:
            sock = socket.create_connection((s.host, s.pg_port), timeout=10)
            with self._guard:
                if self._closed:  # closed while it connected: this socket is not kept
                    sock.close()
                    raise HistoryUnavailableError(self._closed_message())
                self._sock = sock
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            startup = struct.pack("!i", _PROTOCOL) + _cstring("user") + _cstring(s.user)
            startup += _cstring("database") + _cstring(s.database) + b"\0"
            sock.sendall(struct.pack("!i", len(startup) + 4) + startup)
            while True:
                tag, body = self._small_message(sock)
                if tag == b"R":
                    self._authenticate(sock, body)
                elif tag == b"E":
                    message = f"{self._where()} refused the connection: {_error_text(body)}"
                    raise HistoryUnavailableError(message)
                elif tag == b"Z":
                    break
            sock.settimeout(None)
        except OSError as error:
            self._drop()
            message = f"cannot reach {self._where()}: {error}"
            raise HistoryUnavailableError(message) from error
        except BaseException:
            self._drop()
            raise
        return sock

    def _authenticate(self, sock: socket.socket, body: bytes) -> None:
        s = self._settings
        (code,) = struct.unpack_from("!i", body)
        if code == 0:
            return
        if code == 3:  # cleartext
            sock.sendall(_message(b"p", _cstring(s.password)))
        elif code == 5:  # md5(md5(password + user) + salt)
            inner = hashlib.md5((s.password + s.user).encode()).hexdigest().encode()
            digest = hashlib.md5(inner + body[4:8]).hexdigest()
            sock.sendall(_message(b"p", _cstring("md5" + digest)))
        else:
            message = (
                f"{self._where()} asked for authentication method {code}; expected cleartext (3) "
                "or md5 (5)"
            )
            raise HistoryUnavailableError(message)

    def _small_message(self, sock: socket.socket) -> tuple[bytes, bytes]:
        head = self._exactly(sock, 5)
        (length,) = struct.unpack_from("!i", head, 1)
        if not 4 <= length <= 1 << 20:
            message = f"{self._where()} sent a startup message of {length} bytes"
            raise HistoryUnavailableError(message)
        return head[:1], self._exactly(sock, length - 4)

    def _exactly(self, sock: socket.socket, n: int) -> bytes:
        data = bytearray()
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            if not chunk:
                message = f"{self._where()} closed the connection"
                raise HistoryUnavailableError(message)
            data += chunk
        return bytes(data)

    @property
    def closed(self) -> bool:
        """Whether ``close`` was called (no query is answered after it)."""
        return self._closed

    def _closed_message(self) -> str:
        return f"the reader of {self._where()} is closed; expected a query before close()"

    def close(self) -> None:
        """Close the connection; no query opens one again."""
        with self._guard:
            self._closed = True
        self._drop()

    def _drop(self) -> None:
        """Close the connection (a failed one: the next query opens another)."""
        with self._guard:
            sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.sendall(_message(b"X", b""))
            sock.close()

    # ----------------------------------------------------------------- query
    def table(self, sql: str, params: Sequence[Any], schema: pa.Schema) -> pa.Table:
        """The rows of ``sql`` (``%s`` placeholders for ``params``) as a table of ``schema``
        (the result's columns in order, each read as the schema's type)."""
        return self._answer(_query_messages(numbered(sql, len(params)), params), [schema])[0]

    def tables(self, queries: Sequence[tuple[str, Shape]], params: Sequence[Any]) -> list[pa.Table]:
        """Several queries sent at once and answered in one round trip (one ``Sync`` after
        the last): each one's rows as a table of its schema, as ``table`` reads them (or as
        its ``RowDecoder`` reads them).

        Every query is bound to the same ``params`` and names the ones it uses as ``$1``,
        ``$2``, ...: QuestDB 9.2.0 runs a request's queries at its ``Sync`` with the last
        ``Bind``'s values (measured: a first query bound to other values ran with the
        second's), so they must all be the same. The server runs the queries one after
        the other; an error in one raises (the rest are not run).
        """
        for sql, _ in queries:
            used = [int(n) for n in _PLACEHOLDER.findall(sql)]
            if "%s" in sql or (used and not 1 <= min(used) <= max(used) <= len(params)):
                message = (
                    f"a query of several names parameters {sorted(set(used))} or %s; expected "
                    f"$1 to ${len(params)}"
                )
                raise HistoryInputError(message)
        request = b"".join(_query_messages(sql, params) for sql, _ in queries)
        return self._answer(request, [schema for _, schema in queries])

    def _answer(self, request: bytes, schemas: Sequence[Shape]) -> list[pa.Table]:
        """Send ``request`` and a ``Sync``; each query's rows.

        A connection kept from an earlier query that the server closed before answering
        any byte (it was restarted meanwhile) is opened again and the request sent once
        more: these are reads, and nothing of the answer was seen. A fresh connection's
        failure, or one after part of the answer, is reported."""
        request += _message(b"S", b"")
        kept = self._sock is not None
        while True:
            sock = self._sock if self._sock is not None else self._connect()
            try:
                buf, rows, others = self._receive(sock, request)
                break
            except _UnansweredError:
                self._drop()
                if not kept:
                    raise
                kept = False
            except OSError as error:
                self._drop()
                message = f"{self._where()} failed during a query: {error}"
                raise HistoryUnavailableError(message) from error
            except BaseException:
                self._drop()  # the answer was not read to its end: the connection is unusable
                raise
        try:
            return self._decode(buf, rows, others, schemas)
        finally:
            if len(self._buffer) > _KEPT_BYTES:
                self._buffer = np.empty(0, dtype=np.uint8)

    def _receive(
        self, sock: socket.socket, request: bytes
    ) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """``request`` sent, the whole answer (through ``ReadyForQuery``), its rows' and
        other messages' starts; ``_UnansweredError`` when the connection failed before any byte
        of the answer came."""
        try:
            sock.sendall(request)
        except OSError as error:
            message = f"{self._where()} failed during a query: {error}"
            raise _UnansweredError(message) from error
        buf = self._buffer
        if len(buf) == 0:
            buf = self._buffer = np.empty(1 << 20, dtype=np.uint8)
        end = pos = n_rows = n_others = 0
        while True:
            if end == len(buf):
                if len(buf) >= MAX_RESULT_BYTES:
                    message = (
                        f"a query's answer from {self._where()} passes {MAX_RESULT_BYTES} "
                        "bytes; expected fewer series or a shorter range"
                    )
                    raise HistoryInputError(message)
                grown = np.empty(min(len(buf) * 2, MAX_RESULT_BYTES), dtype=np.uint8)
                grown[:end] = buf[:end]
                buf = self._buffer = grown
            try:
                got = sock.recv_into(buf.data[end:])
            except OSError as error:
                if end:
                    raise
                message = f"{self._where()} failed during a query: {error}"
                raise _UnansweredError(message) from error
            if got == 0:
                message = f"{self._where()} closed the connection during a query"
                raise (HistoryUnavailableError if end else _UnansweredError)(message)
            end += got
            while True:
                pos, n_rows, n_others, state = jit.frame(
                    buf, pos, end, self._rows, n_rows, self._others, n_others
                )
                if state != jit.FULL:
                    break
                if n_rows == len(self._rows):
                    self._rows = np.concatenate([self._rows, np.empty_like(self._rows)])
                else:
                    self._others = np.concatenate([self._others, np.empty_like(self._others)])
            if state == 1:
                return buf[:end], self._rows[:n_rows], self._others[:n_others]
            if state < 0:
                message = f"{self._where()} sent a message with a bad length at byte {pos}"
                raise HistoryUnavailableError(message)

    def _decode(
        self,
        buf: npt.NDArray[np.uint8],
        rows: npt.NDArray[np.int64],
        others: npt.NDArray[np.int64],
        schemas: Sequence[Shape],
    ) -> list[pa.Table]:
        """Each query's rows: those between its ``RowDescription`` and its
        ``CommandComplete``."""
        described: list[tuple[list[_Column], int]] = []
        ends: list[int] = []
        for at in others:
            tag = bytes(buf[at : at + 1])
            (length,) = struct.unpack_from("!i", buf.data, at + 1)
            body = buf[at + 5 : at + 1 + length].tobytes()
            if tag == b"E":
                message = f"{self._where()} refused a query: {_error_text(body)}"
                raise HistoryUnavailableError(message)
            if tag == b"T":
                described.append((_columns(body), int(at)))
            elif tag == b"C":
                ends.append(int(at))
        if len(described) != len(schemas) or len(ends) != len(schemas):
            message = (
                f"{self._where()} answered {len(schemas)} queries with {len(described)} row "
                f"descriptions and {len(ends)} completions; expected one of each per query"
            )
            raise HistoryUnavailableError(message)
        out = []
        for (columns, start), end, schema in zip(described, ends, schemas, strict=True):
            lo, hi = np.searchsorted(rows, [start, end])
            out.append(self._decode_one(buf, rows[lo:hi], columns, schema))
        return out

    def _decode_one(
        self,
        buf: npt.NDArray[np.uint8],
        rows: npt.NDArray[np.int64],
        columns: list[_Column],
        shape: Shape,
    ) -> pa.Table:
        schema = shape if isinstance(shape, pa.Schema) else shape.schema
        if len(columns) != len(schema):
            message = (
                f"a query returned {len(columns)} columns ({', '.join(c.name for c in columns)}); "
                f"expected {len(schema)} ({', '.join(schema.names)})"
            )
            raise HistoryInputError(message)
        for column, field in zip(columns, schema, strict=True):
            if column.oid not in _READS_AS.get(field.type, set()):
                message = (
                    f"a query's column {column.name!r} has type oid {column.oid}; expected one "
                    f"that reads as {field.type} for {field.name!r}"
                )
                raise HistoryInputError(message)
        if not isinstance(shape, pa.Schema):
            decoded = shape.decode(buf, rows, [fixed8(c.oid) for c in columns])
            if decoded is not None:
                return decoded
        layout = np.array([_LAYOUT[c.oid] for c in columns], dtype=np.int8)
        signed = np.array([c.oid != _FLOAT4 for c in columns], dtype=np.bool_)
        bits = empty((len(columns), len(rows)), np.int64)
        size = empty((len(columns), len(rows)), np.int32)
        bad = jit.cells(buf, rows, layout, signed, bits, size)
        if bad >= 0:
            message = f"{self._where()} sent row {bad} of a result that does not add up"
            raise HistoryUnavailableError(message)
        arrays = [
            _array(buf, bits[i], size[i], column.oid, field.type)
            for i, (column, field) in enumerate(zip(columns, schema, strict=True))
        ]
        return pa.Table.from_arrays(arrays, schema=schema)


def _array(
    buf: npt.NDArray[np.uint8],
    bits: npt.NDArray[np.int64],
    size: npt.NDArray[np.int32],
    oid: int,
    kind: pa.DataType,
) -> pa.Array:
    """One result column's cells as an Arrow array of ``kind`` (``bits`` and ``size`` as
    ``_fetch_jit.cells`` left them)."""
    null = size < 0
    mask = null if null.any() else None
    if kind == CODED_TEXT:
        codes = np.empty(len(size), dtype=np.int32)
        firsts = np.empty(len(size), dtype=np.int64)
        distinct = jit.dictionary(buf, bits, size, codes, firsts)
        texts = [
            buf[bits[r] : bits[r] + size[r]].tobytes().decode(errors="replace")
            for r in firsts[:distinct].tolist()
        ]
        indices = pa.array(codes, type=pa.int32(), mask=mask)
        return pa.DictionaryArray.from_arrays(indices, pa.array(texts, type=pa.string()))
    if kind == pa.string():
        offsets = np.empty(len(size) + 1, dtype=np.int32)
        total = jit.text_offsets(size, offsets)
        if total < 0:
            message = "a text column of a query's answer passes 2 GiB"
            raise HistoryInputError(message)
        data = np.empty(total, dtype=np.uint8)
        jit.text_bytes(buf, bits, size, data)
        valid = None if mask is None else pa.py_buffer(np.packbits(~null, bitorder="little"))
        return pa.Array.from_buffers(
            pa.string(), len(size), [valid, pa.py_buffer(offsets), pa.py_buffer(data)]
        )
    values: npt.NDArray[Any]
    if oid == _FLOAT8:
        values = bits.view(np.float64)
    elif oid == _FLOAT4:
        values = bits.astype(np.uint32).view(np.float32).astype(np.float64)
    elif oid in (_TIMESTAMP, _TIMESTAMPTZ):
        values = bits + _EPOCH_2000_US
    else:
        values = bits
    if kind == pa.float64():
        values = values.astype(np.float64, copy=False)
    return pa.array(values, type=kind, mask=mask)
