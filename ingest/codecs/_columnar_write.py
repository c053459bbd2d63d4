"""Writing a columnar record (an Arrow IPC stream), for producers: the simulator, tests, tools."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.ipc as ipc

Numbers = Sequence[float | None] | npt.NDArray[np.float64]


def columnar_record(
    *,
    signal: Sequence[str],
    time_ms: Sequence[int] | npt.NDArray[np.int64],
    value: Numbers | None = None,
    text: Sequence[str | None] | None = None,
    twin: str | Sequence[str] | None = None,
    quality: Sequence[int] | None = None,
) -> bytes:
    """One record of the columnar format: a row per sample (a ``twin`` string: every row's).

    ``value`` holds numbers (None: no value), ``text`` strings (None where the
    row is a number); give either or both. ``twin`` None leaves the column out
    (the record's key names the twin).
    """
    n = len(signal)
    arrays: dict[str, pa.Array] = {}
    if twin is not None:
        arrays["twin"] = pa.array([twin] * n if isinstance(twin, str) else twin, pa.string())
    arrays["signal"] = pa.array(signal, pa.string())
    arrays["time"] = pa.array(time_ms, pa.int64())
    if value is not None:
        arrays["value"] = pa.array(value, pa.float64())
    if text is not None:
        arrays["text"] = pa.array(text, pa.string())
    if quality is not None:
        arrays["quality"] = pa.array(quality, pa.uint8())
    batch = pa.RecordBatch.from_arrays(list(arrays.values()), names=list(arrays))
    sink = pa.BufferOutputStream()
    with ipc.new_stream(sink, batch.schema) as writer:
        writer.write_batch(batch)
    data: bytes = sink.getvalue().to_pybytes()
    return data
