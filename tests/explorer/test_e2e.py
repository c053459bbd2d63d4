"""The explorer end to end: headless Chromium (playwright-core) against a live plant server.

Each scenario is a function in ``scenarios.mjs``, run once per module in one Chromium (a
fresh context each); it reports one JSON line and fails on any browser console error or
warning, page error or failed request.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from typing import Any

import pytest

from tests.explorer.conftest import SCENARIOS, Plant

pytestmark = pytest.mark.browser
RUN_TIMEOUT_S = 240


@pytest.fixture(scope="module")
def results(plant: Plant) -> dict[str, dict[str, Any]]:
    """Every scenario, run once in one Chromium (a fresh context each), by name."""
    done = subprocess.run(
        ["node", str(SCENARIOS), plant.base, "all", str(plant.control)],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )
    found = {}
    for line in done.stdout.splitlines():
        if line.startswith("{"):
            result = json.loads(line)
            found[result["scenario"]] = result
    assert found, f"no scenario reported (exit {done.returncode})\n{done.stderr}"
    return found


@pytest.fixture
def run(results: dict[str, dict[str, Any]]) -> Callable[[str], dict[str, Any]]:
    def detail(scenario: str) -> dict[str, Any]:
        result = results.get(scenario)
        assert result is not None, f"{scenario}: did not run"
        assert result["ok"], f"{scenario}: {json.dumps(result, indent=2)}"
        found: dict[str, Any] = result["detail"]
        return found

    return detail


Run = Callable[[str], dict[str, Any]]


def test_the_page_opens_with_the_plant_and_no_console_errors(run: Run) -> None:
    detail = run("smoke")
    assert detail["roots"] == 4  # the sample plant's two sites and the two feed twins
    assert detail["graphiql"] == 1


def test_the_tree_expands_to_a_machine_with_mode_rollup_and_shared_marks(run: Run) -> None:
    detail = run("tree")
    assert detail["mode"] in {"RUNNING", "IDLE", "FAULT", "STOP"}
    assert detail["rollup"].startswith("powerTotal ")
    assert detail["sharedAfter"] > detail["sharedBefore"]  # the conveyor's two-parent part
    assert detail["modesAfter"] != detail["modesBefore"]  # badges follow the subscription


def test_the_tree_works_by_keyboard_and_every_control_is_labelled(run: Run) -> None:
    detail = run("keyboard")
    assert detail["child"].startswith("acme/jkt1/")
    assert detail["title"] == "Jakarta plant"


def test_the_heading_mode_badge_follows_the_live_mode(run: Run) -> None:
    detail = run("headMode")
    assert detail["now"] != detail["first"]


def test_search_by_alias_reveals_the_twin_and_the_model_filter_lists_twins(run: Run) -> None:
    detail = run("search")
    assert detail["title"] == "filler1"
    assert detail["machines"] == 50  # the first page of 140 machines


def test_a_live_value_changes_within_two_seconds_through_the_subscription(run: Run) -> None:
    detail = run("live")
    assert detail["before"] != detail["after"]
    assert detail["mode"] == "subscription"


def test_a_paused_feed_turns_stale(run: Run) -> None:
    assert run("stale")["quality"] == "STALE"


def test_clicking_a_value_shows_its_lineage(run: Run) -> None:
    text = run("lineage")["text"]
    assert "explorer-plant" in text  # the principal, pipeline and source the simulator wrote
    assert "dtmi:twinweave:sample:Machine;1" in text


def test_a_24_hour_plot_has_points_presets_and_zoom(run: Run) -> None:
    detail = run("history")
    assert detail["day"]["points"] > 100
    assert detail["day"]["events"] >= 1  # the backfilled faults, marked on the time axis
    assert 0 < detail["hour"] < detail["day"]["points"] + 100
    assert "zoomed" in detail["status"]


def test_shift_handover_lists_changes_under_the_plant(run: Run) -> None:
    detail = run("changes")
    assert detail["rows"] > 0
    assert "fault" in detail["kinds"]


def test_the_models_view_lists_the_models(run: Run) -> None:
    assert run("views")["models"] >= 9


def test_a_broken_model_upload_shows_the_error_with_its_line(run: Run) -> None:
    detail = run("upload")
    assert (detail["line"], detail["column"]) == ("6", "5")  # the Property without a schema
    assert "schema" in detail["message"]


def test_a_narrow_window_does_not_scroll_sideways(run: Run) -> None:
    assert run("narrow")["overflow"] <= 0


def test_a_wide_level_pages(run: Run) -> None:
    detail = run("paging")
    assert (detail["first"], detail["second"]) == (25, 120)  # a small first page, then 100
    assert detail["setsize"] == "120"
    assert detail["roots"] == 4


def test_a_paused_feed_turns_red_in_feed_health_and_recovers(run: Run) -> None:
    detail = run("feeds")
    before, after = detail["before"], detail["after"]
    assert before["state"] == "ok" and before["cells"][1] == "OK"
    assert before["cells"][0] == "sim:machining"
    assert "range: " in before["cells"][5]  # rejects by reason from the history store
    assert after["state"] == "silent" and after["cells"][1] == "SILENT"
    assert after["colour"] != after["okColour"]  # red, not only the word
    assert after["other"] == "ok"  # the other feed keeps sending
    assert "sim:machining is silent" in after["alert"]  # said to screen readers
    assert detail["resumed"] == "ok"


def test_a_twin_offers_its_allowed_lifecycle_moves_and_makes_one(run: Run) -> None:
    detail = run("lifecycle")
    assert detail["state"] == "ACTIVE"  # the capper as the sample plant loads it
    assert detail["offered"] == ["PASSIVE", "RETIRED"]
    assert detail["target"] == "PASSIVE"
    assert detail["offeredAfter"] == ["ACTIVE", "RETIRED"]  # the new state's moves


def test_the_aas_exports_download_as_json_xml_and_aasx(run: Run) -> None:
    detail = run("aas")
    files = detail["files"]
    assert files["json"]["name"].endswith(".json") and files["json"]["head"].startswith("{")
    assert files["xml"]["head"].startswith("<")
    assert files["aasx"]["head"].startswith("PK")  # a zip package
    assert detail["shellIds"] == ["urn:twinweave:aas:acme/jkt1/packaging/line1/filler1"]


def test_without_history_and_subscriptions_the_page_polls_and_says_what_waits(
    bare_plant: Plant,
) -> None:
    done = subprocess.run(
        ["node", str(SCENARIOS), bare_plant.base, "degraded"],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["ok"], json.dumps(result, indent=2)
    detail = result["detail"]
    assert detail["mode"] == "polling"
    for view in ("history", "lineage", "changes"):
        assert "not available yet" in detail[view], f"{view}: {detail[view]}"
