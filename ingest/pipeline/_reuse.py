"""Memory for a batch's columns, used again once nothing holds the batch any more.

Fresh memory costs a page fault per 4 KiB on first touch (a few microseconds each
on a virtual machine): the compiled kernel writes a batch's history columns and
changes, megabytes a batch, into one block from here. A block is free again when
no array made from it is alive: every view of a numpy array holds the array that
owns the memory (``base``), so the owner's reference count says it.
"""

from __future__ import annotations

import mmap
import sys
from typing import Any

import numpy as np
import numpy.typing as npt

_ALIGN = 64
"""Bytes: each column starts on a cache line."""
_IDLE = sys.getrefcount(np.empty(0)) + 1
"""An owner's reference count when only the pool holds it: the list's, and the call's
argument (measured as this interpreter counts, not assumed)."""


class Blocks:
    """Up to ``keep`` blocks, each handed out while no array made from it is alive."""

    def __init__(self, keep: int = 3) -> None:
        self.keep = keep
        self._owners: list[npt.NDArray[np.uint8]] = []

    def take(self, nbytes: int) -> npt.NDArray[np.uint8]:
        """A block of at least ``nbytes`` that nothing else holds (kept, else fresh)."""
        idle = [i for i in range(len(self._owners)) if self._idle(i)]
        for i in idle:
            if self._owners[i].size >= nbytes:
                return self._owners[i]
        block = _fresh(nbytes + nbytes // 4)  # room for a larger batch
        if idle:  # an idle block too small: the new one takes its place
            self._owners[idle[0]] = block
        elif len(self._owners) < self.keep:
            self._owners.append(block)
        return block

    @property
    def nbytes(self) -> int:
        """The kept blocks' bytes (mapped memory: ``tracemalloc`` does not see it)."""
        return sum(block.size for block in self._owners)

    def _idle(self, i: int) -> bool:
        return sys.getrefcount(self._owners[i]) <= _IDLE


def _fresh(size: int) -> npt.NDArray[np.uint8]:
    """``size`` bytes of anonymous memory mapped without numpy's advice to use huge pages
    (numpy gives it for 4 MiB and more: a huge page fault may make the kernel compact
    memory first, milliseconds on a busy machine)."""
    area = mmap.mmap(-1, max(size, 1), flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    return np.frombuffer(area, dtype=np.uint8)


def carve(block: npt.NDArray[np.uint8], *columns: tuple[int, Any]) -> list[npt.NDArray[Any]]:
    """Arrays of (length, dtype) in turn from ``block``, each on a cache line."""
    out: list[npt.NDArray[Any]] = []
    at = 0
    for length, dtype in columns:
        size = length * np.dtype(dtype).itemsize
        out.append(block[at : at + size].view(dtype))
        at += -(-size // _ALIGN) * _ALIGN
    return out


def nbytes(*columns: tuple[int, Any]) -> int:
    """The block size ``carve`` needs for these columns."""
    return sum(-(-n * np.dtype(dtype).itemsize // _ALIGN) * _ALIGN for n, dtype in columns)
