"""``twinweave serve``'s uvicorn options: the server's protocol and loop, an access log if asked."""

from __future__ import annotations

import pytest
from uvicorn.importer import import_from_string
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

import server
from twinweave._config import load_settings
from twinweave.cli._main import build_parser, main
from twinweave.cli._serve import uvicorn_options


def test_serve_runs_the_servers_protocol_and_loop_without_an_access_log() -> None:
    options = uvicorn_options(load_settings({}))
    assert options["http"] == server.uvicorn_options()["http"]
    # by name, imported by uvicorn (in each worker); httptools is a dependency
    assert issubclass(import_from_string(options["http"]), HttpToolsProtocol)
    # asyncio's loop, which accepts every pending connection at once (uvloop one a turn)
    assert options["loop"] == server.uvicorn_options()["loop"] == "asyncio"
    assert options["access_log"] is False
    assert options["server_header"] is False


def test_the_access_log_is_written_with_the_flag_or_when_debugging() -> None:
    assert uvicorn_options(load_settings({}), access_log=True)["access_log"] is True
    debugging = uvicorn_options(load_settings({"TWINWEAVE_LOG_LEVEL": "debug"}))
    assert debugging["access_log"] is True
    assert debugging["log_level"] == "debug"


@pytest.mark.parametrize("command", ["serve", "demo"])
def test_access_log_is_a_flag_of_the_serving_commands(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert build_parser().parse_args([command, "--access-log"]).access_log is True
    assert build_parser().parse_args([command]).access_log is False
    with pytest.raises(SystemExit):
        main([command, "--help"])
    assert "--access-log" in capsys.readouterr().out
