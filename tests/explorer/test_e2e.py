"""The explorer end to end: headless Chromium (playwright-core) against a live plant server.

Each scenario is a function in ``scenarios.mjs``; it prints one JSON line and fails on any
browser console error or warning, page error or failed request.
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from tests.explorer.conftest import SCENARIOS, Plant

pytestmark = pytest.mark.browser
SCENARIO_TIMEOUT_S = 90


def run(plant: Plant, scenario: str, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        ["node", str(SCENARIOS), plant.base, scenario, *args],
        capture_output=True,
        text=True,
        timeout=SCENARIO_TIMEOUT_S,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    assert lines, f"{scenario}: no result (exit {done.returncode})\n{done.stderr}"
    result: dict[str, Any] = json.loads(lines[-1])
    assert result["ok"], f"{scenario}: {json.dumps(result, indent=2)}\n{done.stderr}"
    assert done.returncode == 0
    detail: dict[str, Any] = result["detail"]
    return detail


def test_the_page_opens_with_the_plant_and_no_console_errors(plant: Plant) -> None:
    detail = run(plant, "smoke")
    assert detail["roots"] == 2  # the sample plant's two sites
    assert detail["graphiql"] == 1


def test_the_tree_expands_to_a_machine_with_mode_rollup_and_shared_marks(plant: Plant) -> None:
    detail = run(plant, "tree")
    assert detail["mode"] in {"RUNNING", "IDLE", "FAULT", "STOP"}
    assert detail["rollup"].startswith("powerTotal ")
    assert detail["sharedAfter"] > detail["sharedBefore"]  # the conveyor's two-parent part


def test_the_tree_works_by_keyboard_and_every_control_is_labelled(plant: Plant) -> None:
    detail = run(plant, "keyboard")
    assert detail["child"].startswith("acme/jkt1/")
    assert detail["title"] == "Jakarta plant"


def test_search_by_alias_reveals_the_twin_and_the_model_filter_lists_twins(plant: Plant) -> None:
    detail = run(plant, "search")
    assert detail["title"] == "filler1"
    assert detail["machines"] == 50  # the first page of 140 machines


def test_a_live_value_changes_within_two_seconds(plant: Plant) -> None:
    detail = run(plant, "live")
    assert detail["before"] != detail["after"]


def test_a_paused_feed_turns_stale(plant: Plant) -> None:
    assert run(plant, "stale", str(plant.control))["quality"] == "STALE"


def test_clicking_a_value_shows_its_batch(plant: Plant) -> None:
    detail = run(plant, "lineage")
    assert "sim-" in detail["text"]


def test_the_models_view_lists_the_models(plant: Plant) -> None:
    assert run(plant, "views")["models"] == 9


def test_a_narrow_window_does_not_scroll_sideways(plant: Plant) -> None:
    assert run(plant, "narrow")["overflow"] <= 0


def test_a_wide_level_pages(plant: Plant) -> None:
    detail = run(plant, "paging")
    assert (detail["first"], detail["second"]) == (50, 100)
    assert detail["setsize"] == "120"
