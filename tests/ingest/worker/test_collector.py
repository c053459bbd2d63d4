"""The ingest worker process's collector setting."""

from __future__ import annotations

import gc
import subprocess
import sys

from ingest.worker import tune_collector
from ingest.worker._collector import OLDER_THRESHOLD, YOUNG_THRESHOLD


def test_tune_collector_sets_the_thresholds_and_returns_the_old_ones() -> None:
    before = gc.get_threshold()
    try:
        assert tune_collector() == before
        assert gc.get_threshold() == (YOUNG_THRESHOLD, OLDER_THRESHOLD, OLDER_THRESHOLD)
        assert before[0] < YOUNG_THRESHOLD  # fewer young collections than CPython's default
    finally:
        gc.set_threshold(*before)


def test_importing_the_worker_leaves_the_collector_alone() -> None:
    code = "import gc; t = gc.get_threshold(); import ingest.worker; print(gc.get_threshold() == t)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
