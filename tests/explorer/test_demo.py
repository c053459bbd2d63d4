"""The explorer as ``twinweave demo`` serves it: the packaged page, the real simulator."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

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


@pytest.mark.parametrize("scenario", ["smoke", "live"])
def test_the_demo_serves_the_page_with_live_values(live_demo: Demo, scenario: str) -> None:
    done = subprocess.run(
        ["node", str(SCENARIOS), live_demo.base, scenario, str(Path())],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    assert lines, done.stderr
    result = json.loads(lines[-1])
    assert result["ok"], json.dumps(result, indent=2)
    if scenario == "live":
        assert result["detail"]["mode"] == "subscription"
    else:
        assert result["detail"]["roots"] == 3  # the two sites and the feed twin feed/sim
