"""The explorer as ``twinweave demo`` serves it: the packaged page, the real simulator."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.explorer.conftest import SCENARIOS
from tests.twinweave.test_demo import Demo, running_demo

pytestmark = [pytest.mark.browser, pytest.mark.slow]
LIVE = '{ twin(id: "acme/jkt1/packaging/line1/filler1") { signals(names: ["power"]) { time } } }'
WARM_UP_S = 120


@pytest.fixture(scope="module")
def live_demo(browser_ready: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """``twinweave demo``, once its simulator writes live values (after the day's backfill)."""
    with running_demo(tmp_path_factory.mktemp("demo")) as demo:
        deadline = time.monotonic() + WARM_UP_S
        while time.monotonic() < deadline:
            answer = httpx.post(f"{demo.base}/graphql", json={"query": LIVE}, timeout=10).json()
            signals = answer["data"]["twin"]["signals"]
            now = datetime.now(UTC)
            if signals and now - datetime.fromisoformat(signals[0]["time"]) < timedelta(seconds=5):
                break
            time.sleep(1)
        else:
            pytest.fail(f"the demo's simulator wrote no live value within {WARM_UP_S} s")
        yield demo


SCENARIO_NAMES = ("smoke", "live")


@pytest.fixture(scope="module")
def demo_results(live_demo: Demo) -> dict[str, dict[str, Any]]:
    """Both scenarios, run once in one Chromium (a fresh context each), by name."""
    done = subprocess.run(
        ["node", str(SCENARIOS), live_demo.base, ",".join(SCENARIO_NAMES), str(Path())],
        capture_output=True,
        text=True,
        timeout=120 * len(SCENARIO_NAMES),
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, done.stderr
    results = [json.loads(line) for line in lines]
    return {result["scenario"]: result for result in results}


@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
def test_the_demo_serves_the_page_with_live_values(
    demo_results: dict[str, dict[str, Any]], scenario: str
) -> None:
    assert scenario in demo_results, f"{scenario}: did not run; {sorted(demo_results)} did"
    result = demo_results[scenario]
    assert result["ok"], json.dumps(result, indent=2)
    if scenario == "live":
        assert result["detail"]["mode"] == "subscription"
    else:
        assert result["detail"]["roots"] == 3  # the two sites and the feed twin feed/sim
