"""JSON reading: fast ``json.loads`` with duplicate-key detection, and lazy locations.

Every document is read with :func:`json.loads`. Line and column numbers are only
needed for documents that have diagnostics; :func:`locate` then scans that text
once with a small position-tracking tokenizer and maps JSON paths to offsets.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterable
from typing import Any

Path = tuple[str | int, ...]


class DupDict(dict[str, Any]):
    """A JSON object in which at least one key appeared more than once."""

    duplicates: list[str]


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) == len(pairs):
        return result
    dup = DupDict(result)
    seen: set[str] = set()
    dup.duplicates = []
    for key, _ in pairs:
        if key in seen and key not in dup.duplicates:
            dup.duplicates.append(key)
        seen.add(key)
    return dup


def _no_constant(name: str) -> Any:
    msg = f"the JSON text holds {name}, which is not a JSON number"
    raise ValueError(msg)


def load(text: str) -> Any:
    """Parse one JSON text; raises ``ValueError`` (or ``RecursionError``) when it is not JSON."""
    return json.loads(text, object_pairs_hook=_pairs, parse_constant=_no_constant)


MAX_LOCATED_DEPTH = 256
_TOKEN = re.compile(r'[ \t\n\r]*(?:("(?:[^"\\]|\\.)*")|([{}\[\],:])|([^ \t\n\r,:\]}\[{"]+))', re.S)


class Locations:
    """Start (and, for containers, end) offsets of every value of one JSON text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts: dict[Path, int] = {}
        self.ends: dict[Path, int] = {}
        self._newlines: list[int] | None = None
        self._scan()

    def _scan(self) -> None:
        text, starts, ends = self.text, self.starts, self.ends
        # frame: [path, is_object, key_or_index, expecting_key]
        stack: list[list[Any]] = []
        pos = 1 if text.startswith("\ufeff") else 0
        end = len(text)
        while pos < end:
            m = _TOKEN.match(text, pos)
            if m is None:
                break
            pos = m.end()
            string, punct, scalar = m.groups()
            start = m.start(1) if string else m.start(2) if punct else m.start(3)
            if string is not None and stack and stack[-1][1] and stack[-1][3]:
                frame = stack[-1]
                try:
                    key: Any = json.loads(string)
                except ValueError:
                    key = string[1:-1]
                frame[2], frame[3] = key, False
                starts.setdefault((*frame[0], key), start)
                continue
            if punct == ":" or (punct is None and string is None and scalar is None):
                continue
            if punct == ",":
                if stack:
                    frame = stack[-1]
                    if frame[1]:
                        frame[3] = True
                    else:
                        frame[2] += 1
                continue
            if punct in ("}", "]"):
                if stack:
                    ends[tuple(stack[-1][0])] = start + 1
                    stack.pop()
                continue
            if len(stack) >= MAX_LOCATED_DEPTH:  # too deep to be a model: keep paths short
                if punct in ("{", "["):
                    stack.append([stack[-1][0], punct == "{", 0, punct == "{"])
                continue
            path: Path = () if not stack else (*stack[-1][0], stack[-1][2])
            starts.setdefault(path, start)
            if punct == "{":
                stack.append([path, True, None, True])
            elif punct == "[":
                stack.append([path, False, 0, False])

    def line_column(self, offset: int) -> tuple[int, int]:
        if self._newlines is None:
            self._newlines = [i for i, ch in enumerate(self.text) if ch == "\n"]
        line = bisect.bisect_left(self._newlines, offset)
        line_start = self._newlines[line - 1] + 1 if line else 0
        return line + 1, offset - line_start + 1

    def find(self, path: Iterable[str | int]) -> tuple[int, int] | None:
        """Line and column of the value at ``path`` or of its nearest located ancestor."""
        parts = tuple(path)
        while True:
            offset = self.starts.get(parts)
            if offset is not None:
                return self.line_column(offset)
            if not parts:
                return None
            parts = parts[:-1]

    def span_bytes(self, path: Path) -> int | None:
        start, stop = self.starts.get(path), self.ends.get(path)
        if start is None or stop is None:
            return None
        return len(self.text[start:stop].encode("utf-8"))
