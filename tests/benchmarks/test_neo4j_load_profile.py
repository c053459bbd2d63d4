"""The Neo4j load profile: it splits a checked load, and a raw load that does less fails it."""

from __future__ import annotations

import neo4j
import pytest

from benchmarks import _neo4j_raw as raw
from benchmarks import neo4j_load_profile as profile
from loaders import SyntheticPlant

TINY = ["--twins", "120", "--repeat", "1", "--skip-variants"]  # from twin 111 on: aliases


@pytest.mark.neo4j
def test_a_tiny_profile_splits_the_checked_load(
    neo4j_uri: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert profile.main([*TINY, "--neo4j-uri", neo4j_uri]) == 0
    output = capsys.readouterr().out
    for phase in ("models", "twins", "edges", "total"):
        assert f"   {phase} " in output
    assert "waiting on the socket" in output
    assert "upsert_twins" in output  # a step of the store, by name


@pytest.mark.neo4j
def test_a_raw_load_without_aliases_fails_the_check(
    neo4j_uri: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def thin(
        driver: neo4j.Driver, ns: str, plant: SyntheticPlant, options: raw.RawOptions
    ) -> tuple[dict[str, float], float]:
        return raw.raw_load(driver, ns, plant, profile.WHO, raw.RawOptions(aliases=False)), 0.0

    monkeypatch.setattr(profile, "raw_phases", thin)
    assert profile.main([*TINY, "--neo4j-uri", neo4j_uri]) == 1
    assert "ANSWER CHECK FAILED: store load against raw load" in capsys.readouterr().err
