"""Fixtures for the explorer's browser tests: a live plant server and headless Chromium.

The tests carry the ``browser`` marker. They skip when Chromium (``/usr/bin/chromium``),
Node.js, the explorer's npm packages or the built page are missing, and fail instead under
``CI=true`` or ``TWINWEAVE_TEST_REQUIRE_BROWSER=1`` (``scripts/test`` sets it after it built
the page and installed Chromium).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from benchmarks.explorer_plant import running_plant
from server.explorer import STATIC_DIR, is_built

ROOT = Path(__file__).resolve().parents[2]
EXPLORER_DIR = ROOT / "explorer"
CHROMIUM = Path("/usr/bin/chromium")
SCENARIOS = Path(__file__).with_name("scenarios.mjs")


def browser_required() -> bool:
    return (
        os.environ.get("CI", "").lower() == "true"
        or os.environ.get("TWINWEAVE_TEST_REQUIRE_BROWSER") == "1"
    )


def missing_for_browser() -> str | None:
    """What the browser tests lack here, or ``None`` when they can run."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium; scripts/test does it)"
    if shutil.which("node") is None:
        return "node is not on PATH (Node.js 20+)"
    if not (EXPLORER_DIR / "node_modules" / "playwright-core").is_dir():
        return "explorer/node_modules has no playwright-core (run scripts/build-explorer)"
    if not is_built():
        return f"the page is not built in {STATIC_DIR} (run scripts/build-explorer)"
    return None


@pytest.fixture(scope="session")
def browser_ready() -> None:
    missing = missing_for_browser()
    if missing is not None:
        if browser_required():
            pytest.fail(f"browser tests cannot run: {missing}")
        pytest.skip(f"browser tests skipped: {missing}")


@dataclass(frozen=True)
class Plant:
    base: str
    control: Path


PLANT_ARGS = ["--wide", "120", "--tick", "0.3", "--backfill-hours", "24", "--mode-every", "10"]


@pytest.fixture(scope="module")
def plant(browser_ready: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Plant]:
    """``benchmarks.explorer_plant`` on a free port: the sample plant with simulated feeds."""
    control = tmp_path_factory.mktemp("explorer-control")
    try:
        with running_plant([*PLANT_ARGS, "--control", str(control)]) as base:
            yield Plant(base=base, control=control)
    except RuntimeError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="module")
def bare_plant(browser_ready: None) -> Iterator[Plant]:
    """The plant server without history and subscriptions (an API that lacks them)."""
    try:
        with running_plant(["--bare", "--tick", "0.3"]) as base:
            yield Plant(base=base, control=Path())
    except RuntimeError as exc:
        pytest.fail(str(exc))
