"""Which files a load reads, and reading them within the size limits."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from loaders._errors import LoaderError
from loaders._limits import MIB, LoadLimits

HIERARCHY_SUFFIXES = (".yaml", ".yml", ".json")
TABLE_SUFFIXES = (".csv",)
GRAPH_SUFFIXES = (".ndjson", ".jsonl")
SUFFIXES = HIERARCHY_SUFFIXES + TABLE_SUFFIXES + GRAPH_SUFFIXES


def expand(paths: Sequence[Path], limits: LoadLimits) -> list[Path]:
    """Files named, and the loadable files under folders named (sorted), each once."""
    if not paths:
        msg = "no PATH given; expected at least one file or folder to load"
        raise LoaderError(msg)
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                p for p in sorted(path.rglob("*")) if p.is_file() and p.suffix.lower() in SUFFIXES
            )
        elif path.is_file():
            if path.suffix.lower() not in SUFFIXES:
                msg = (
                    f"file {str(path)!r} has suffix {path.suffix!r}; expected one of "
                    f"{', '.join(SUFFIXES)}"
                )
                raise LoaderError(msg)
            found.append(path)
        else:
            msg = f"path {str(path)!r} does not exist; expected a file or folder to load"
            raise LoaderError(msg)
    unique = list(dict.fromkeys(found))
    if len(unique) > limits.max_files:
        msg = f"{len(unique)} files to load; at most {limits.max_files} per load"
        raise LoaderError(msg)
    return unique


def _size(n: int) -> str:
    return f"{n / MIB:,.1f} MiB" if n >= MIB else f"{n:,} bytes"


def read_text(path: Path, limits: LoadLimits) -> str:
    """The file as text (UTF-8, a BOM allowed), refused above ``max_file_bytes``."""
    try:
        size = path.stat().st_size
        if size > limits.max_file_bytes:
            msg = (
                f"file {str(path)!r} is {_size(size)}; at most {_size(limits.max_file_bytes)} "
                "per file (split it)"
            )
            raise LoaderError(msg)
        data = path.read_bytes()
    except OSError as err:
        msg = f"cannot read {str(path)!r}: {err.strerror or err}"
        raise LoaderError(msg) from err
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        msg = f"file {str(path)!r} is not UTF-8 text: byte {err.start} (line {line}) is invalid"
        raise LoaderError(msg) from err


def too_many_rows(path: Path, limits: LoadLimits) -> LoaderError:
    msg = f"file {str(path)!r} has more than {limits.max_rows:,} rows; split it"
    return LoaderError(msg)
