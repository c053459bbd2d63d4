"""The compiled loops that read PostgreSQL-wire answers: framing and cells, on hand-built bytes."""

from __future__ import annotations

import struct

import numpy as np
import numpy.typing as npt

from ontology.history.questdb import _fetch_jit as jit
from ontology.history.questdb._fetch import empty

Cell = bytes | None


def message(tag: bytes, body: bytes) -> bytes:
    return tag + struct.pack("!i", len(body) + 4) + body


def data_row(cells: list[Cell]) -> bytes:
    body = struct.pack("!h", len(cells))
    for cell in cells:
        body += struct.pack("!i", -1) if cell is None else struct.pack("!i", len(cell)) + cell
    return message(b"D", body)


def as_buffer(data: bytes) -> npt.NDArray[np.uint8]:
    return np.frombuffer(data, dtype=np.uint8).copy()


ANSWER = [
    message(b"1", b""),
    message(b"T", b"\0\1description"),
    data_row([b"plant/m1", struct.pack("!q", -5)]),
    data_row([None, struct.pack("!q", 7)]),
    message(b"C", b"SELECT 2\0"),
    message(b"Z", b"I"),
]


def frame_all(data: bytes, rows: int = 8, others: int = 8) -> tuple[int, int, int, int]:
    buf = as_buffer(data)
    return jit.frame(
        buf, 0, len(buf), np.zeros(rows, dtype=np.int64), 0, np.zeros(others, np.int64), 0
    )


def test_frame_finds_the_rows_and_the_other_messages_through_ready_for_query() -> None:
    data = b"".join(ANSWER)
    buf = as_buffer(data)
    rows, others = np.zeros(8, dtype=np.int64), np.zeros(8, dtype=np.int64)
    pos, n_rows, n_others, state = jit.frame(buf, 0, len(buf), rows, 0, others, 0)
    starts = np.cumsum([0, *(len(m) for m in ANSWER)])[:-1]
    assert (pos, n_rows, n_others, state) == (len(data), 2, 4, 1)
    assert list(rows[:2]) == list(starts[2:4])
    assert list(others[:4]) == [starts[0], starts[1], starts[4], starts[5]]


def test_frame_stops_before_a_message_not_wholly_received() -> None:
    data = b"".join(ANSWER)
    cut = len(ANSWER[0]) + len(ANSWER[1]) + 3  # inside the first row
    buf = as_buffer(data)
    rows, others = np.zeros(8, dtype=np.int64), np.zeros(8, dtype=np.int64)
    state = jit.frame(buf, 0, cut, rows, 0, others, 0)
    assert state == (len(ANSWER[0]) + len(ANSWER[1]), 0, 2, 0)
    pos, n_rows, n_others, _ = state
    assert jit.frame(buf, pos, len(buf), rows, n_rows, others, n_others)[1:] == (2, 4, 1)


def test_frame_says_when_its_row_array_is_full_and_where_to_go_on() -> None:
    data = b"".join(ANSWER)
    pos, n_rows, _, state = frame_all(data, rows=1)
    assert (n_rows, state) == (1, jit.FULL)
    assert pos == len(ANSWER[0]) + len(ANSWER[1]) + len(ANSWER[2])


def test_frame_refuses_a_length_below_four() -> None:
    assert frame_all(b"D\0\0\0\3xxxx")[3] == -2


LAYOUT = np.array([jit.VARIABLE, jit.FIXED8, jit.FIXED4, jit.FIXED2, jit.FIXED1], dtype=np.int8)
SIGNED = np.ones(len(LAYOUT), dtype=np.bool_)


def read_cells(rows_data: list[bytes]) -> tuple[int, npt.NDArray[np.int64], npt.NDArray[np.int32]]:
    data = b"".join(rows_data)
    starts = np.cumsum([0, *(len(r) for r in rows_data)])[:-1].astype(np.int64)
    bits = np.zeros((len(LAYOUT), len(rows_data)), dtype=np.int64)
    size = np.zeros((len(LAYOUT), len(rows_data)), dtype=np.int32)
    bad = jit.cells(as_buffer(data), starts, LAYOUT, SIGNED, bits, size)
    return bad, bits, size


def test_cells_reads_big_endian_numbers_signed_and_text_positions_and_nulls() -> None:
    rows = [
        data_row(
            [b"ab", struct.pack("!d", 1.5), struct.pack("!i", -2), struct.pack("!h", -3), b"\1"]
        ),
        data_row([None, struct.pack("!q", -(2**62)), None, struct.pack("!h", 300), b"\0"]),
    ]
    bad, bits, size = read_cells(rows)
    assert bad == -1
    assert bits[1, :1].view(np.float64)[0] == 1.5
    assert bits[1, 1] == -(2**62)
    assert list(bits[2]) == [-2, 0] and list(size[2]) == [4, -1]
    assert list(bits[3]) == [-3, 300]
    assert list(bits[4]) == [1, 0]
    assert (
        size[0, 0] == 2 and bytes(as_buffer(b"".join(rows))[bits[0, 0] : bits[0, 0] + 2]) == b"ab"
    )
    assert size[0, 1] == -1


GOOD = data_row([b"x", struct.pack("!q", 1), struct.pack("!i", 1), struct.pack("!h", 1), b"\1"])


def test_cells_names_the_first_row_that_does_not_add_up() -> None:
    short = data_row([b"x", struct.pack("!q", 1), struct.pack("!i", 1), struct.pack("!h", 1)])
    wide = data_row([b"x", struct.pack("!q", 1), struct.pack("!q", 1), struct.pack("!h", 1), b"\1"])
    overrun = GOOD[:-5] + struct.pack("!i", 9) + b"\1"  # the last cell claims 9 bytes
    leftover = message(b"D", GOOD[5:] + b"\0")
    for broken in (short, wide, overrun, leftover):
        assert read_cells([GOOD, GOOD, broken, GOOD])[0] == 2


def test_text_offsets_and_bytes_make_an_arrow_string_layout() -> None:
    data = as_buffer(b"..abc.de")
    at = np.array([2, 0, 6], dtype=np.int64)
    size = np.array([3, -1, 2], dtype=np.int32)
    offsets = np.zeros(4, dtype=np.int32)
    total = jit.text_offsets(size, offsets)
    out = np.zeros(total, dtype=np.uint8)
    jit.text_bytes(data, at, size, out)
    assert (total, offsets.tolist(), out.tobytes()) == (5, [0, 3, 3, 5], b"abcde")


def test_dictionary_codes_cells_by_their_bytes_in_the_order_first_seen() -> None:
    long_a, long_b = b"plant/line-7/machine-12/a", b"plant/line-7/machine-12/b"  # past 16 bytes
    values = [b"m2", b"m10", b"", None, b"m2", long_a, long_b, b"m10", long_a, b"", b"m1"]
    data = b"".join(v or b"" for v in values)
    at = np.cumsum([0, *(len(v or b"") for v in values)])[:-1].astype(np.int64)
    size = np.array([-1 if v is None else len(v) for v in values], dtype=np.int32)
    codes = np.zeros(len(values), dtype=np.int32)
    firsts = np.zeros(len(values), dtype=np.int64)
    distinct = jit.dictionary(as_buffer(data), at, size, codes, firsts)
    assert distinct == 6
    assert codes.tolist() == [0, 1, 2, -1, 0, 3, 4, 1, 3, 2, 5]
    assert firsts[:distinct].tolist() == [0, 1, 2, 5, 6, 10]


def test_dictionary_grows_its_table_past_a_thousand_values_and_keeps_every_code() -> None:
    values = [f"twin/{i}".encode() for i in range(3000)] * 2
    data = b"".join(values)
    at = np.cumsum([0, *(len(v) for v in values)])[:-1].astype(np.int64)
    size = np.array([len(v) for v in values], dtype=np.int32)
    codes = np.zeros(len(values), dtype=np.int32)
    firsts = np.zeros(len(values), dtype=np.int64)
    assert jit.dictionary(as_buffer(data), at, size, codes, firsts) == 3000
    assert codes.tolist() == list(range(3000)) * 2
    assert firsts[:3000].tolist() == list(range(3000))


def test_group_puts_rows_in_key_order_keeping_their_order_within_a_key() -> None:
    position = np.array([1, 0, -1, 1, 2, 0, 1], dtype=np.int64)
    bucket = np.array([10, 10, 10, 20, 20, 20, 30], dtype=np.int64)
    order = np.zeros(len(position), dtype=np.int64)
    bounds = np.zeros(5, dtype=np.int64)  # four keys, the last without rows
    assert jit.group(position, bucket, order, bounds) == 6
    assert order[:6].tolist() == [1, 5, 0, 3, 6, 4]
    assert bounds.tolist() == [0, 2, 5, 6, 6]


def test_group_says_when_a_keys_buckets_do_not_rise() -> None:
    for bucket in ([10, 20, 20], [10, 30, 20]):
        order = np.zeros(3, dtype=np.int64)
        bounds = np.zeros(2, dtype=np.int64)
        assert jit.group(np.zeros(3, dtype=np.int64), np.array(bucket), order, bounds) == -1


def test_arrays_of_one_to_four_mib_are_allocated_as_four_for_huge_pages() -> None:
    for shape, dtype, room in (((3, 100_000), np.float64, 1 << 22), ((10, 10), np.int32, 400)):
        array = empty(shape, dtype)
        array[...] = 7
        assert (array.shape, array.dtype.type, int(array.sum())) == (shape, dtype, 7 * array.size)
        base = array
        while isinstance(base.base, np.ndarray):
            base = base.base
        assert base.nbytes == room
