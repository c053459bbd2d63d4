"""Checking a ``Samples`` and turning it into Arrow columns every store writes.

Both stores refuse the same input with the same message, before anything is
written: the check runs over whole columns (pyarrow compute), never per
sample in Python, and names the first offending row, its key and its value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from ontology.history._errors import HistoryInputError
from ontology.history._values import TIME_DTYPE, Quality, Samples

MAX_SAMPLES_PER_BATCH = 2_000_000
MAX_NAME_CHARS = 256
"""A twin id or a signal name."""
MAX_TEXT_CHARS = 4096
"""A text sample."""
_MAX_QUALITY = max(Quality)


@dataclass(frozen=True, slots=True)
class SampleColumns:
    """Checked samples: Arrow columns and the batch's time span (microseconds)."""

    table: pa.Table
    """``twin, signal`` (string), ``ts`` (int64 µs), ``value`` (float64, null for text),
    ``text`` (string, null for numbers), ``quality`` (uint8), ``rn`` (int64 row number)."""
    lo: int
    hi: int
    twins: pa.DictionaryArray
    """``twin`` dictionary-encoded: each distinct name once, an index per row."""
    signals: pa.DictionaryArray

    def __len__(self) -> int:
        return int(self.table.num_rows)

    def series_codes(self) -> tuple[list[tuple[str, str]], npt.NDArray[np.intp]]:
        """The distinct (twin, signal) pairs of the batch, and each row's pair index."""
        width = max(len(self.signals.dictionary), 1)
        twin = self.twins.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        code = twin * width + self.signals.indices.to_numpy(zero_copy_only=False)
        size = len(self.twins.dictionary) * width
        if size <= max(4 * code.size, 1 << 16):
            # Dense codes: a presence table instead of np.unique's sort (30-50 ms a
            # 100k batch against under 1 ms).
            present = np.zeros(size, dtype=np.bool_)
            present[code] = True
            distinct = np.flatnonzero(present)
            inverse = (np.cumsum(present) - 1)[code]
        else:
            distinct, inverse = np.unique(code, return_inverse=True)
        twins = self.twins.dictionary.to_pylist()
        signals = self.signals.dictionary.to_pylist()
        pairs = [(twins[int(c) // width], signals[int(c) % width]) for c in distinct]
        return pairs, inverse


def _refuse(column: str, row: int, samples: Samples, expected: str, got: object) -> NoReturn:
    key = f"({samples.twin[row]!r}, {samples.signal[row]!r})"
    message = f"Samples.{column}[{row}] of series {key} is {got!r}; expected {expected}"
    raise HistoryInputError(message)


def _names(
    column: str, array: npt.NDArray[np.object_], samples: Samples
) -> tuple[pa.Array, pa.DictionaryArray]:
    try:
        names = pa.array(array, type=pa.string(), from_pandas=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as error:
        bad = next(i for i, item in enumerate(array) if not isinstance(item, str))
        message = f"Samples.{column}[{bad}] is {array[bad]!r}; expected a string ({error})"
        raise HistoryInputError(message) from None
    # Checked once per distinct name (a batch repeats its names many times).
    encoded = names.dictionary_encode()
    distinct = encoded.dictionary
    lengths = pc.utf8_length(distinct).to_numpy(zero_copy_only=False)
    control = pc.match_substring_regex(distinct, "[\x00-\x1f]").to_numpy(zero_copy_only=False)
    bad_names = np.flatnonzero((lengths == 0) | (lengths > MAX_NAME_CHARS) | control)
    if names.null_count or bad_names.size:
        indices = encoded.indices
        bad = pc.or_(pc.is_null(indices), pc.is_in(indices, pa.array(bad_names, indices.type)))
        row = int(np.flatnonzero(pc.fill_null(bad, True).to_numpy(zero_copy_only=False))[0])
        message = (
            f"Samples.{column}[{row}] is {array[row]!r}; expected a non-empty string of at most "
            f"{MAX_NAME_CHARS} characters, none of them a control character"
        )
        raise HistoryInputError(message)
    return names, encoded


def sample_columns(samples: Samples) -> SampleColumns:
    """Check ``samples``; raise ``HistoryInputError`` naming the first bad row."""
    n = len(samples)
    if n > MAX_SAMPLES_PER_BATCH:
        message = f"a batch has {n} samples; expected at most {MAX_SAMPLES_PER_BATCH}"
        raise HistoryInputError(message)
    for column in ("twin", "signal", "value", "text", "quality"):
        array = getattr(samples, column)
        if array is not None and array.shape != (n,):
            message = f"Samples.{column} has shape {array.shape}; expected ({n},) like Samples.time"
            raise HistoryInputError(message)
    if samples.time.dtype.kind != "M":
        message = f"Samples.time has dtype {samples.time.dtype}; expected {TIME_DTYPE}"
        raise HistoryInputError(message)
    time = samples.time.astype(TIME_DTYPE)
    nat = np.flatnonzero(np.isnat(time) | (time < np.datetime64(0, "us")))
    if nat.size:
        row = int(nat[0])
        _refuse("time", row, samples, "a time from 1970-01-01 on", str(time[row]))
    twin, twins = _names("twin", samples.twin, samples)
    signal, signals = _names("signal", samples.signal, samples)
    value = np.asarray(samples.value, dtype=np.float64)
    text = _text(samples, value)
    numeric = text.is_null().to_numpy(zero_copy_only=False)
    bad = np.flatnonzero(numeric & ~np.isfinite(value))
    if bad.size:
        row = int(bad[0])
        _refuse("value", row, samples, "a finite number (or a text sample)", float(value[row]))
    quality = _quality(samples, n)
    ts = time.view(np.int64)
    table = pa.table(
        {
            "twin": twin,
            "signal": signal,
            "ts": pa.array(ts, type=pa.int64()),
            "value": pa.array(value, type=pa.float64(), mask=~numeric),
            "text": text,
            "quality": pa.array(quality, type=pa.uint8()),
            "rn": pa.array(np.arange(n, dtype=np.int64)),
        }
    )
    lo, hi = (int(ts.min()), int(ts.max())) if n else (0, -1)
    return SampleColumns(table, lo, hi, twins, signals)


def _text(samples: Samples, value: npt.NDArray[np.float64]) -> pa.Array:
    n = len(samples)
    if samples.text is None:
        return pa.nulls(n, type=pa.string())
    try:
        text = pa.array(samples.text, type=pa.string(), from_pandas=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        bad = next(
            i
            for i, item in enumerate(samples.text)
            if item is not None and not isinstance(item, str)
        )
        _refuse("text", bad, samples, "a string or None", samples.text[bad])
    lengths = pc.fill_null(pc.utf8_length(text), 0).to_numpy(zero_copy_only=False)
    too_long = np.flatnonzero(lengths > MAX_TEXT_CHARS)
    if too_long.size:
        row = int(too_long[0])
        expected = f"at most {MAX_TEXT_CHARS} characters"
        _refuse("text", row, samples, expected, f"{lengths[row]} characters")
    both = np.flatnonzero(text.is_valid().to_numpy(zero_copy_only=False) & ~np.isnan(value))
    if both.size:
        row = int(both[0])
        expected = "NaN in Samples.value where the sample is text"
        _refuse("value", row, samples, expected, float(value[row]))
    return text


def _quality(samples: Samples, n: int) -> npt.NDArray[np.uint8]:
    if samples.quality is None:
        return np.zeros(n, dtype=np.uint8)
    quality = np.asarray(samples.quality)
    if quality.dtype.kind not in "iu":
        message = f"Samples.quality has dtype {quality.dtype}; expected uint8 Quality codes"
        raise HistoryInputError(message)
    bad = np.flatnonzero((quality < 0) | (quality > _MAX_QUALITY))
    if bad.size:
        row = int(bad[0])
        expected = f"a Quality code 0..{int(_MAX_QUALITY)}"
        _refuse("quality", row, samples, expected, int(quality[row]))
    return quality.astype(np.uint8)
