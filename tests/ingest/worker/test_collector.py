"""The ingest worker process's collector setting."""

from __future__ import annotations

import gc
import subprocess
import sys

from ingest.worker import tune_collector
from ingest.worker._collector import OLDER_THRESHOLD, YOUNG_THRESHOLD


def test_tune_collector_sets_the_thresholds_and_returns_the_old_ones() -> None:
    saved = gc.get_threshold()  # in-process CLI tests may have tuned this process already
    try:
        gc.set_threshold(700, 10, 10)  # CPython's defaults
        assert tune_collector() == (700, 10, 10)
        assert gc.get_threshold() == (YOUNG_THRESHOLD, OLDER_THRESHOLD, OLDER_THRESHOLD)
        assert YOUNG_THRESHOLD > 700  # fewer young collections than CPython's default
    finally:
        gc.set_threshold(*saved)


def test_importing_the_worker_leaves_the_collector_alone() -> None:
    code = "import gc; t = gc.get_threshold(); import ingest.worker; print(gc.get_threshold() == t)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
