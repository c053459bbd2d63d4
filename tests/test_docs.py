"""The README and the guides point at what exists: every repository path they quote in
backticks and every relative link is there, and every reference to a guide's section
(``docs/history.md``, "Reads at once") names a heading or a bold lead-in of that guide.

A guide's sections are renamed and moved as the work goes on; a reference left behind
sends a reader to nothing. The CHANGELOG's section references are checked too (its paths
are not: it may name a file a later change removed)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests._shared import REPO

GUIDES = sorted((REPO / "docs").glob("*.md"))
PAGES = [REPO / "README.md", *GUIDES]
QUOTED_PATH = re.compile(r"`([A-Za-z0-9_.\-]+(?:/[A-Za-z0-9_.\-]+)+/?)`")
LINK = re.compile(r"\]\(([^)#:\s]+)(?:#[^)]*)?\)")
SECTION_REF = re.compile(
    r"(docs/[a-z0-9_/-]+\.md)\)?`?\]?(?:\([a-z0-9_/.-]*\))?,?\s*\(?(?:section\s*)?\"([^\"]{3,160})\""
)
HEADING = re.compile(r"^#+\s*(.+)$", re.M)
LEAD_IN = re.compile(r"^\s*(?:- )?(\*\*?)(\S.*?)\1", re.M | re.S)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("`", "")).strip().lower()


def _titles(page: Path) -> list[str]:
    """The page's headings and its paragraphs' and items' bold or italic lead-ins
    (``**Open rows in memory** (...)``, ``- *The mode machine twin after twin* (...)``),
    which may wrap onto the next line."""
    text = page.read_text(encoding="utf-8")
    return [_norm(m.group(1)) for m in HEADING.finditer(text)] + [
        _norm(m.group(2)) for m in LEAD_IN.finditer(text) if m.group(2).count("\n") <= 2
    ]


def _line(text: str, at: int) -> int:
    return text.count("\n", 0, at) + 1


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_quoted_repository_path_and_relative_link_exists(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    roots = {p.name for p in REPO.iterdir()}
    missing = [
        f"{page.name}:{_line(text, m.start())}: `{m.group(1)}`"
        for m in QUOTED_PATH.finditer(text)
        if m.group(1).split("/")[0] in roots and not (REPO / m.group(1)).exists()
    ]
    missing += [
        f"{page.name}:{_line(text, m.start())}: link {m.group(1)}"
        for m in LINK.finditer(text)
        if not (page.parent / m.group(1)).exists()
    ]
    assert missing == [], "paths that do not exist:\n" + "\n".join(missing)


@pytest.mark.parametrize("page", [*PAGES, REPO / "CHANGELOG.md"], ids=lambda p: p.name)
def test_every_section_reference_names_a_section_of_its_guide(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    wrong = []
    for m in SECTION_REF.finditer(text):
        guide, title = REPO / m.group(1), _norm(m.group(2))
        if not guide.exists():
            wrong.append(f"{page.name}:{_line(text, m.start())}: {m.group(1)} does not exist")
        elif not any(title in t for t in _titles(guide)):
            where = f"{page.name}:{_line(text, m.start())}"
            wrong.append(f"{where}: {m.group(1)} has no section {m.group(2)!r}")
    assert wrong == [], "references to sections that are not there:\n" + "\n".join(wrong)
