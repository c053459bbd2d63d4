"""Model files for ``twinweave dtdl``: which files a command reads, and reading them safely.

Paths name files (taken whatever their extension) or directories (searched
recursively for ``*.json``). Every file has a size limit and the whole set has
one; a file that is not UTF-8 is reported as a finding naming the file and the
byte, not a crash.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

MIB = 1024 * 1024


class InputError(Exception):
    """A path or file the command cannot use at all (exit code 2)."""


@dataclass(frozen=True, slots=True)
class Limits:
    """Size limits on what ``twinweave dtdl`` reads.

    The DTDL limit of 1 MiB per Interface text is the ``dtdl`` package's to
    report (``partitionTooLarge``); these limits only refuse absurd inputs.
    """

    max_file_bytes: int = 64 * MIB
    max_total_bytes: int = 1024 * MIB
    max_files: int = 200_000


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True, slots=True)
class Undecodable:
    """Where a file stops being UTF-8: 1-based line and byte column, and the byte."""

    line: int
    column: int
    byte: int


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One model file: its text, or where it is not UTF-8."""

    path: Path
    size: int
    text: str | None
    undecodable: Undecodable | None = None


@functools.lru_cache(maxsize=4096)
def _resolved_dir(directory: Path) -> Path:
    return directory.resolve()


def canonical(path: Path) -> Path:
    """``path`` made absolute with its folder's symlinks resolved (one lookup per folder)."""
    return _resolved_dir(path.parent) / path.name


def _walk(directory: Path) -> Iterator[Path]:
    yield from sorted(p for p in directory.rglob("*.json") if p.is_file())


def collect(paths: Sequence[str], limits: Limits = DEFAULT_LIMITS) -> list[Path]:
    """The files named by ``paths``, in order, each once.

    Raises :class:`InputError` naming the first path that does not exist.
    """
    found: list[Path] = []
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            candidates: Iterator[Path] = _walk(path)
        elif path.is_file():
            candidates = iter((path,))
        else:
            msg = f"path '{given}' does not exist (expected a model file or a directory of *.json)"
            raise InputError(msg)
        for candidate in candidates:
            key = canonical(candidate)
            if key in seen:
                continue
            seen.add(key)
            found.append(candidate)
            if len(found) > limits.max_files:
                msg = (
                    f"more than {limits.max_files} model files under {', '.join(paths)}; "
                    "validate the set in smaller parts"
                )
                raise InputError(msg)
    return found


def _locate(data: bytes, offset: int) -> Undecodable:
    line_start = data.rfind(b"\n", 0, offset) + 1
    return Undecodable(
        line=data.count(b"\n", 0, offset) + 1, column=offset - line_start + 1, byte=data[offset]
    )


def read(path: Path, limits: Limits = DEFAULT_LIMITS) -> SourceFile:
    """Read one model file as UTF-8 (a leading byte-order mark is dropped).

    Raises :class:`InputError` when the file cannot be read or is over the limit.
    """
    try:
        size = path.stat().st_size
        if size > limits.max_file_bytes:
            msg = (
                f"{path}: file is {size} bytes, over the limit of {limits.max_file_bytes} bytes "
                f"({limits.max_file_bytes // MIB} MiB); a DTDL Interface text may be at most 1 MiB"
            )
            raise InputError(msg)
        data = path.read_bytes()
    except OSError as exc:
        msg = f"{path}: cannot read the file ({exc.strerror or exc})"
        raise InputError(msg) from exc
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        return SourceFile(path=path, size=size, text=data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return SourceFile(path=path, size=size, text=None, undecodable=_locate(data, exc.start))


def read_all(
    paths: Sequence[Path], limits: Limits = DEFAULT_LIMITS, *, progress: Progress | None = None
) -> list[SourceFile]:
    """Read every file, keeping the total under ``limits.max_total_bytes``."""
    files: list[SourceFile] = []
    total = 0
    for index, path in enumerate(paths, start=1):
        source = read(path, limits)
        total += source.size
        if total > limits.max_total_bytes:
            msg = (
                f"the model files add up to more than {limits.max_total_bytes} bytes "
                f"(reached at {path}); validate the set in smaller parts"
            )
            raise InputError(msg)
        files.append(source)
        if progress is not None:
            progress.tick(index, len(paths))
    return files


class Progress:
    """A count on stderr every ``every`` files (the caller decides whether to show it)."""

    def __init__(self, write: Callable[[str], object], every: int = 1000) -> None:
        self._write = write
        self.every = every

    def tick(self, done: int, total: int) -> None:
        if done % self.every == 0 or (done == total and total >= self.every):
            self._write(f"read {done}/{total} files\n")

    def say(self, text: str) -> None:
        self._write(text + "\n")
