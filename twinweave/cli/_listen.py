"""Where ``twinweave serve`` and ``demo`` listen: the port option, and a check before starting.

A port that is taken (another server, a demo still running) or a host that is not
an address of this machine would otherwise be found by uvicorn only after the
stores opened, the plant loaded and the banner said the server is serving: it
logs one line and exits 3. The check binds a socket the way uvicorn binds it
(``SO_REUSEADDR``, so a port in TIME_WAIT passes) and releases it at once.
"""

from __future__ import annotations

import argparse
import errno
import socket

from twinweave._config import MAX_PORT, Settings, is_port


def port_number(text: str) -> int:
    """``--port``: a whole number from 1 to 65535 (argparse's ``type``)."""
    if not is_port(text):
        msg = f"{text!r}; expected a whole number from 1 to {MAX_PORT}"
        raise argparse.ArgumentTypeError(msg)
    return int(text)


def listen_address(settings: Settings, host: str | None, port: int | None) -> tuple[str, int]:
    """Where the server listens: ``--host`` and ``--port`` when given, else the settings'."""
    return host or settings.host, settings.port if port is None else port


def listen_problem(host: str, port: int) -> str | None:
    """Why a server cannot listen on ``host``:``port`` now, or ``None`` when it can."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except socket.gaierror as exc:
            return (
                f"host {host!r} (--host or TWINWEAVE_HOST) is not known ({exc.strerror}); "
                "expected an address of this machine such as 127.0.0.1 or 0.0.0.0"
            )
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (
                    f"port {port} on {host} is already in use (another server, or another "
                    "twinweave still running); choose a free one with --port or TWINWEAVE_PORT"
                )
            return f"cannot listen on {host}:{port}: {exc.strerror or exc}"
    return None
