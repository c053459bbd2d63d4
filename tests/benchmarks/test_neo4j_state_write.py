"""The Neo4j state-write benchmark: the store and the former statement timed, and a shape with
another answer fails it."""

from __future__ import annotations

from collections.abc import Sequence

import neo4j
import pytest

from benchmarks import neo4j_state_write
from ontology import Neo4jStore, SignalUpdate

TINY = ["--twins", "12", "--runs", "2"]


@pytest.mark.neo4j
def test_a_tiny_run_times_both_shapes_and_checks_them_equal(
    neo4j_uri: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert neo4j_state_write.main([*TINY, "--neo4j", neo4j_uri]) == 0
    output = capsys.readouterr().out
    for phase in ("first write (created)", "second write (updated)"):
        assert output.count(f"{phase:<23} {'store':<8} ") == 1
        assert output.count(f"{phase:<23} {'maps':<8} ") == 1
    assert "read back the same 60 Signal nodes, every run: yes" in output


@pytest.mark.neo4j
def test_a_shape_that_writes_another_state_fails_the_run(
    neo4j_uri: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    maps = neo4j_state_write.maps_write

    def without_the_first_row(
        store: Neo4jStore, driver: neo4j.Driver, ns: str, ups: Sequence[SignalUpdate]
    ) -> None:
        # twin m0's first key then has only its older row, which the store never keeps
        maps(store, driver, ns, ups[1:])

    monkeypatch.setitem(neo4j_state_write.SHAPES, "maps", without_the_first_row)
    assert neo4j_state_write.main([*TINY, "--neo4j", neo4j_uri]) == 1
    assert "every run: NO" in capsys.readouterr().out
