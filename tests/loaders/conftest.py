"""Fixtures of the loader tests: an in-process store and a way to write small input files."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from loaders import sample_plant_paths
from ontology import MemoryStore

Write = Callable[[str, str], Path]


@pytest.fixture
def store() -> Iterator[MemoryStore]:
    memory = MemoryStore()
    yield memory
    memory.close()


@pytest.fixture
def models() -> Path:
    """The sample plant's DTDL models folder."""
    return sample_plant_paths()[0]


@pytest.fixture
def write(tmp_path: Path) -> Write:
    """Write ``text`` to ``tmp_path / name`` and return the path."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return _write
