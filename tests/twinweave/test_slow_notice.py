"""The CLI's notice for a slow start step (the fusion kernel's first compile)."""

from __future__ import annotations

import threading

import pytest

from twinweave.cli._slow_notice import KERNEL_NOTICE, notice_if_slow


def test_a_slow_step_is_announced_once(capsys: pytest.CaptureFixture[str]) -> None:
    done = threading.Event()
    with notice_if_slow("compiling ...", after_s=0.01):
        done.wait(2.0)  # a step much slower than after_s
    assert capsys.readouterr().err == "compiling ...\n"


def test_a_quick_step_says_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    with notice_if_slow("compiling ...", after_s=30.0):
        pass
    assert capsys.readouterr().err == ""


def test_disabled_says_nothing_however_slow(capsys: pytest.CaptureFixture[str]) -> None:
    with notice_if_slow("compiling ...", after_s=0.01, enabled=False):
        threading.Event().wait(0.2)
    assert capsys.readouterr().err == ""


def test_the_kernel_notice_is_true_on_a_cached_run_too() -> None:
    # a busy machine takes over the notice's second to load the cached kernel, so the
    # notice shows on every run there: it may not claim that this run is the first
    assert "first run on this machine" not in KERNEL_NOTICE
    assert "cache" in KERNEL_NOTICE and "first run" in KERNEL_NOTICE
