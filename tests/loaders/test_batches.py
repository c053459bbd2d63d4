"""A batch the store refuses leaves nothing half-written; the rows say why."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from loaders import LoaderError, LoadLimits, load_paths
from ontology import BulkResult, InvalidError, MemoryStore, StoreUnavailableError, TwinSpec
from tests.loaders._plant import MACHINE
from tests.loaders.conftest import Write


class _RefusingStore(MemoryStore):
    """A real in-process store whose upsert fails for any batch holding ``poison``."""

    def __init__(self, poison: str, error: Exception) -> None:
        super().__init__()
        self.poison = poison
        self.error = error
        self.calls = 0

    def upsert_twins(self, specs: Sequence[TwinSpec], *, principal: str) -> BulkResult:
        self.calls += 1
        if any(s.id == self.poison for s in specs):
            raise self.error
        return super().upsert_twins(specs, principal=principal)


def _rows(n: int) -> str:
    lines = ["id,model,parent"]
    lines.append(f"p/0,{MACHINE},")
    lines.extend(f"p/{i},{MACHINE},p/0" for i in range(1, n))
    return "\n".join(lines) + "\n"


def test_a_refused_batch_writes_none_of_its_twins(models: Path, write: Write) -> None:
    store = _RefusingStore("p/5", InvalidError("simulated refusal"))
    path = write("rows.csv", _rows(10))
    report = load_paths([models, path], store, limits=LoadLimits(batch_size=4))
    assert store.calls == 3
    present = {t.id for t in store.get_twins([f"p/{i}" for i in range(10)]) if t is not None}
    assert present == {"p/0", "p/1", "p/2", "p/3", "p/8", "p/9"}  # batch p/4..p/7 wholly absent
    rejected = [(r.line, r.reason) for r in report.rejections]
    assert [line for line, _ in rejected] == [6, 7, 8, 9]  # the rows of p/4..p/7, once each
    assert all("simulated refusal" in reason for _, reason in rejected)
    assert report.twins.rejected == 4
    assert report.edges.created == 5  # p/0 contains p/1..3 and p/8..9; none dangle


def test_edges_of_refused_twins_are_rejected_not_written(models: Path, write: Write) -> None:
    store = _RefusingStore("p/0", InvalidError("simulated refusal"))
    path = write("rows.csv", _rows(3))
    report = load_paths([models, path], store, limits=LoadLimits(batch_size=1))
    assert store.get_twins(["p/0"]) == (None,)
    assert store.edges_to("p/1") == ()
    reasons = {r.line: r.reason for r in report.rejections}
    assert "simulated refusal" in reasons[2]
    assert "twin 'p/0' was rejected" in reasons[3]


def test_an_unreachable_store_stops_the_load(models: Path, write: Write) -> None:
    store = _RefusingStore("p/2", StoreUnavailableError("connection refused"))
    path = write("rows.csv", _rows(6))
    with pytest.raises(LoaderError, match=r"unavailable.*connection refused"):
        load_paths([models, path], store, limits=LoadLimits(batch_size=2))
    present = [t for t in store.get_twins([f"p/{i}" for i in range(6)]) if t is not None]
    assert [t.id for t in present] == ["p/0", "p/1"]


def test_store_rejections_inside_a_batch_keep_the_others(
    store: MemoryStore, models: Path, write: Write
) -> None:
    path = write("rows.csv", f"id,model\np/a,{MACHINE}\n../bad,{MACHINE}\np/c,{MACHINE}\n")
    report = load_paths([models, path], store)
    [rejection] = report.rejections
    assert rejection.line == 3
    assert {t.id for t in store.get_twins(["p/a", "p/c"]) if t} == {"p/a", "p/c"}
