"""Blocks of a batch's memory are used again only once nothing made from them is alive."""

from __future__ import annotations

import numpy as np

from ingest.pipeline._reuse import Blocks, carve, nbytes

COLUMNS = ((10, np.int64), (3, np.uint8), (5, np.float64))


def test_a_block_in_use_is_not_handed_out_again() -> None:
    blocks = Blocks()
    first = carve(blocks.take(nbytes(*COLUMNS)), *COLUMNS)
    held = first[0][:4]  # a view of a view: its base is still the block
    del first
    second = carve(blocks.take(nbytes(*COLUMNS)), *COLUMNS)
    assert not np.shares_memory(held, second[0])
    del held
    third = carve(blocks.take(nbytes(*COLUMNS)), *COLUMNS)
    assert not np.shares_memory(third[0], second[0])  # the second is still alive
    del second
    again = carve(blocks.take(nbytes(*COLUMNS)), *COLUMNS)
    assert not np.shares_memory(again[0], third[0])


def test_a_free_block_is_used_again() -> None:
    blocks = Blocks()
    block = blocks.take(nbytes(*COLUMNS))
    address = block.ctypes.data
    del block
    assert blocks.take(nbytes(*COLUMNS)).ctypes.data == address


def test_columns_are_apart_and_aligned() -> None:
    block = Blocks().take(nbytes(*COLUMNS))
    columns = carve(block, *COLUMNS)
    assert [(c.shape[0], c.dtype) for c in columns] == [(n, np.dtype(t)) for n, t in COLUMNS]
    assert all(c.ctypes.data % 64 == 0 and c.flags.writeable for c in columns)
    for c in columns:
        c[:] = 7
    assert columns[0].tolist() == [7] * 10 and columns[2].tolist() == [7.0] * 5


def test_a_larger_batch_gets_a_larger_block() -> None:
    blocks = Blocks()
    small = blocks.take(100)
    size = small.size
    del small
    assert blocks.take(10 * size).size >= 10 * size


def test_nbytes_counts_the_kept_blocks_only() -> None:
    blocks = Blocks(keep=2)
    assert blocks.nbytes == 0
    held = [blocks.take(1000) for _ in range(3)]  # three in use: the third is not kept
    assert blocks.nbytes == held[0].size + held[1].size
    assert all(block.size >= 1000 for block in held)
