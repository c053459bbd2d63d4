"""``twinweave serve``'s uvicorn options: httptools, uvloop, an access log only when debugging."""

from __future__ import annotations

from twinweave._config import load_settings
from twinweave.cli._serve import uvicorn_options


def test_serve_uses_httptools_and_uvloop_and_logs_requests_only_when_debugging() -> None:
    options = uvicorn_options(load_settings({}))
    assert options["http"] == "httptools"  # dependencies of the package
    assert options["loop"] == "uvloop"
    assert options["access_log"] is False
    debugging = uvicorn_options(load_settings({"TWINWEAVE_LOG_LEVEL": "debug"}))
    assert debugging["access_log"] is True
    assert debugging["log_level"] == "debug"
