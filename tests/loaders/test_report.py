"""The load report: counts, rejected rows, text and JSON."""

from __future__ import annotations

import json
from pathlib import Path

from loaders import Counts, LoadReport, RowRejection, load_paths
from ontology import MemoryStore
from tests.loaders._plant import MACHINE
from tests.loaders.conftest import Write


def test_rows_rejected_count_rows_not_reasons() -> None:
    report = LoadReport(
        files=("a.csv",),
        rows=5,
        twins=Counts(created=3),
        rejections=(
            RowRejection("a.csv", 2, "one"),
            RowRejection("a.csv", 2, "two"),
            RowRejection("a.csv", 4, "three"),
        ),
    )
    assert (report.rejected_rows, report.accepted_rows) == (2, 3)
    assert not report.ok


def test_text_and_json_name_file_line_and_reason(
    store: MemoryStore, models: Path, write: Write
) -> None:
    path = write("rows.csv", f"id,model,ratedPower\np/a,{MACHINE},1\np/b,{MACHINE},x\n")
    report = load_paths([models, path], store)
    text = report.as_text()
    assert "10 accepted, 1 rejected" in text
    assert f"{path}:3: property 'ratedPower'" in text
    data = json.loads(json.dumps(report.as_json()))
    assert data["rejected_rows"] == 1
    assert data["twins"] == {"created": 1, "updated": 0, "unchanged": 0, "rejected": 1}
    [rejection] = data["rejections"]
    assert rejection["file"] == str(path)
    assert rejection["line"] == 3
    assert "'x' is not a double" in rejection["reason"]


def test_counts_add() -> None:
    assert Counts(1, 2, 3, 4) + Counts(10, 20, 30, 40) == Counts(11, 22, 33, 44)


class _Recorder:
    def __init__(self) -> None:
        self.phases: list[tuple[str, int]] = []
        self.done: list[int] = []

    def phase(self, name: str, total: int) -> None:
        self.phases.append((name, total))
        self.done.append(0)

    def advance(self, done: int) -> None:
        self.done[-1] += done


def test_progress_hears_every_phase_to_its_end(
    store: MemoryStore, models: Path, write: Write
) -> None:
    path = write("rows.csv", f"id,model,parent\np/a,{MACHINE},\np/b,{MACHINE},p/a\n")
    recorder = _Recorder()
    load_paths([models, path], store, progress=recorder)
    assert recorder.phases == [
        ("reading", 10),
        ("models", 9),
        ("rows", 2),
        ("twins", 2),
        ("edges", 1),
    ]
    assert recorder.done == [total for _, total in recorder.phases]
