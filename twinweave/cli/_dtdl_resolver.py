"""``--resolve DIR``: a directory of model files answering for DTMIs the set does not define.

Two ways to find a DTMI, tried in order:

1. the models-repository layout: ``dtmi:com:example:Foo;1`` is
   ``DIR/dtmi/com/example/foo-1.json``;
2. any ``*.json`` under DIR whose top-level ``@id`` (or the ``@id`` of an
   element of a top-level array) is the DTMI. The directory is indexed once,
   on the first DTMI the layout does not answer.

The resolver remembers which file each returned text came from, in the order
returned, so diagnostics on resolved documents name their file. ``begin`` starts
a new model set (``--each-file``: one per file) and keeps the directory index and
the texts already read, so a dependency shared by many files is read once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from twinweave.cli._dtdl_files import DEFAULT_LIMITS, InputError, Limits, canonical, read


def layout_path(root: Path, dtmi: str) -> Path | None:
    """Where the models-repository layout keeps ``dtmi`` under ``root`` (None if not a DTMI)."""
    if not dtmi.startswith("dtmi:") or ";" not in dtmi:
        return None
    body, _, version = dtmi.partition(";")
    segments = body.lower().split(":")
    if not version or any(not s or "/" in s or s in (".", "..") for s in segments):
        return None
    *folders, last = segments
    return root.joinpath(*folders, f"{last}-{version}.json")


def top_level_ids(text: str) -> Iterable[str]:
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        return ()
    elements = document if isinstance(document, list) else [document]
    return [e["@id"] for e in elements if isinstance(e, dict) and isinstance(e.get("@id"), str)]


class DirectoryResolver:
    """A ``dtdl.ParseOptions.resolver`` over a directory of model files."""

    def __init__(
        self, root: Path, *, exclude: Iterable[Path] = (), limits: Limits = DEFAULT_LIMITS
    ) -> None:
        if not root.is_dir():
            msg = f"--resolve '{root}' is not a directory (expected a folder of model files)"
            raise InputError(msg)
        self.root = root
        self.limits = limits
        self.paths: list[Path] = []
        """The file of each text returned so far, in order."""
        self.skipped: list[str] = []
        """Files under the root that could not be used, with the reason."""
        self._excluded = {canonical(p) for p in exclude}
        self._returned: set[Path] = set()
        self._index: dict[str, Path] | None = None
        self._cache: dict[Path, str | None] = {}
        self._cached_bytes = 0

    def begin(self, *, exclude: Iterable[Path] = ()) -> None:
        """Start a new model set: nothing returned yet, ``exclude`` never returned."""
        self.paths = []
        self._returned = set()
        self._excluded = {canonical(p) for p in exclude}

    def _text(self, path: Path, *, keep: bool = True) -> str | None:
        """The file's text, or None (noted in ``skipped``) when it cannot be used.

        ``keep`` caches the text for later sets (files only indexed are not kept).
        """
        key = canonical(path)
        if key in self._cache:
            return self._cache[key]
        try:
            source = read(path, self.limits)
        except InputError as exc:
            self.skipped.append(str(exc))
            return None
        if source.text is None:
            self.skipped.append(f"{path}: not UTF-8")
        if keep and self._cached_bytes + source.size <= self.limits.max_total_bytes:
            self._cache[key] = source.text
            self._cached_bytes += source.size
        return source.text

    def _build_index(self) -> dict[str, Path]:
        index: dict[str, Path] = {}
        for path in sorted(self.root.rglob("*.json")):
            if not path.is_file():
                continue
            text = self._text(path, keep=False)
            for dtmi in top_level_ids(text) if text is not None else ():
                index.setdefault(dtmi, path)
        return index

    def _find(self, dtmi: str) -> Path | None:
        candidate = layout_path(self.root, dtmi)
        if (
            candidate is not None
            and candidate.is_file()
            and canonical(candidate) not in self._excluded
        ):
            return candidate
        if self._index is None:
            self._index = self._build_index()
        found = self._index.get(dtmi)
        return None if found is None or canonical(found) in self._excluded else found

    def __call__(self, dtmis: list[str]) -> list[str]:
        texts: list[str] = []
        for dtmi in dtmis:
            path = self._find(dtmi)
            if path is None or canonical(path) in self._returned:
                continue
            text = self._text(path)
            if text is None:
                continue
            self._returned.add(canonical(path))
            self.paths.append(path)
            texts.append(text)
        return texts
