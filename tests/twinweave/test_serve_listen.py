"""``twinweave serve`` and ``demo`` on a port that is taken, out of range, or a host unknown:
a line saying so and exit 2, before any store opens, the plant loads or a banner is printed."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from twinweave.cli import main


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port another program listens on (127.0.0.1)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield int(other.getsockname()[1])


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("TWINWEAVE_HOST", "TWINWEAVE_PORT", "TWINWEAVE_GRAPH_STORE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TWINWEAVE_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


@pytest.mark.parametrize("command", ["serve", "demo"])
def test_a_port_in_use_is_said_before_anything_starts(
    command: str, taken_port: int, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([command, "--port", str(taken_port)]) == 2
    err = capsys.readouterr().err
    assert f"twinweave {command}: port {taken_port} on 127.0.0.1 is already in use" in err
    assert "--port or TWINWEAVE_PORT" in err
    assert "GraphQL at" not in err and "is serving" not in err
    assert not data_dir.exists()  # nothing loaded, no store opened


def test_the_port_variable_is_checked_too(
    taken_port: int,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TWINWEAVE_PORT", str(taken_port))
    assert main(["serve"]) == 2
    assert "already in use" in capsys.readouterr().err


@pytest.mark.parametrize("port", ["99999", "0", "-1", "http"])
@pytest.mark.parametrize("command", ["serve", "demo"])
def test_a_port_out_of_range_is_a_usage_error(
    command: str, port: str, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main([command, f"--port={port}"])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --port: {port!r}; expected a whole number from 1 to 65535" in err
    assert "Traceback" not in err


def test_an_unknown_host_is_said(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--host", "no-such-host.invalid", "--port", "8000"]) == 2
    err = capsys.readouterr().err
    assert "host 'no-such-host.invalid' (--host or TWINWEAVE_HOST) is not known" in err
    assert not data_dir.exists()
