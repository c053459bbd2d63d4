"""Reading one Arrow IPC stream record into record batches, checked, without trusting it.

A record is a whole Arrow IPC stream (schema message, record batches, the
end-of-stream marker: a record without it was cut short). Most records of a
feed share one schema, so the schema message's bytes are remembered: a
record starting with the same bytes skips parsing it and reads only its
record batches. Every batch is fully validated
(``validate(full=True)``: offsets, lengths, UTF-8) before a column is touched.
"""

from __future__ import annotations

from collections import OrderedDict

import pyarrow as pa
import pyarrow.ipc as ipc

END_OF_STREAM = b"\xff\xff\xff\xff\x00\x00\x00\x00"
"""The last 8 bytes of every whole stream: a record without them was cut short."""
MAX_SCHEMAS = 32
"""Schemas remembered by their message bytes (the least recently used one goes first)."""


class StreamError(Exception):
    """Internal: the record is not a readable Arrow IPC stream; the message says why."""


class StreamReader:
    """Arrow IPC stream bytes -> (schema, record batches); raises ``StreamError``."""

    def __init__(self) -> None:
        self._schemas: OrderedDict[bytes, pa.Schema] = OrderedDict()

    def read(self, payload: bytes) -> tuple[object, pa.Schema, list[pa.RecordBatch]]:
        """(a key equal for equal schemas, cheap to hash; the schema; the batches)."""
        if not payload.endswith(END_OF_STREAM):
            msg = "truncated: an Arrow IPC stream ends with the end-of-stream marker"
            raise StreamError(msg)
        try:
            found = self._known(payload)
            if found is None:
                key, schema, batches = self._read_whole(payload)
            else:
                key, schema, batches = found
            for batch in batches:
                batch.validate(full=True)
        except StreamError:
            raise
        except (pa.ArrowException, OSError, EOFError, ValueError, TypeError) as error:
            msg = f"not an Arrow IPC stream ({type(error).__name__}: {error})"
            raise StreamError(msg[:300]) from None
        return key, schema, batches

    def _known(self, payload: bytes) -> tuple[object, pa.Schema, list[pa.RecordBatch]] | None:
        """The batches after a remembered schema message, or None (then read it whole)."""
        for prefix, schema in self._schemas.items():
            if payload.startswith(prefix):
                self._schemas.move_to_end(prefix)
                reader = pa.BufferReader(pa.py_buffer(payload))
                reader.seek(len(prefix))
                batches = []
                while True:
                    try:
                        message = ipc.read_message(reader)
                    except EOFError:
                        break
                    if message.type != "record batch":
                        return None  # dictionaries and the like: the full reader
                    batches.append(ipc.read_record_batch(message, schema))
                return prefix, schema, batches
        return None

    def _read_whole(self, payload: bytes) -> tuple[object, pa.Schema, list[pa.RecordBatch]]:
        buffer = pa.py_buffer(payload)
        reader = pa.BufferReader(buffer)
        ipc.read_message(reader)  # the schema message: its bytes key the cache
        prefix = payload[: reader.tell()]
        stream = ipc.open_stream(buffer)
        batches = list(stream)
        schema = stream.schema
        if any(pa.types.is_dictionary(field.type) for field in schema):
            return schema, schema, batches
        self._schemas[prefix] = schema
        if len(self._schemas) > MAX_SCHEMAS:
            self._schemas.popitem(last=False)
        return prefix, schema, batches
