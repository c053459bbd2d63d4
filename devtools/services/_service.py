"""The contract every service module implements, and how its server process is launched."""

from __future__ import annotations

import signal
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from devtools.services._context import Context


@dataclass(frozen=True)
class Port:
    """A port a service listens on: its key in ``Context.ports``, default and meaning.

    Each becomes a ``--<key>-port`` option and a ``TWINWEAVE_SERVICES_<KEY>_PORT`` variable.
    """

    key: str
    default: int
    help: str

    @property
    def option(self) -> str:
        return f"--{self.key.replace('_', '-')}-port"

    @property
    def env(self) -> str:
        return f"TWINWEAVE_SERVICES_{self.key.upper()}_PORT"


@dataclass(frozen=True)
class Launch:
    """How to run a service's server process."""

    cmd: list[str]
    cwd: Path
    env: dict[str, str] | None = None


class Service:
    """One server ``scripts/services`` can start: install, launch, probe.

    ``ports[0]`` is the main port (key equal to ``name``): the one the pid file
    records and ``status`` shows. ``marker`` is a string the process's command
    line must contain for ``down`` to signal it.
    """

    name: ClassVar[str] = ""
    marker: ClassVar[str] = ""
    ports: ClassVar[tuple[Port, ...]] = ()
    ready_timeout: ClassVar[float] = 60.0
    stop_signal: ClassVar[signal.Signals] = signal.SIGTERM

    def port(self, ctx: Context) -> int:
        return ctx.ports[self.name]

    def busy_ports(self, ctx: Context) -> list[int]:
        """Every port the server binds: all must be free before it starts."""
        return [ctx.ports[port.key] for port in self.ports]

    def prepare(self, ctx: Context) -> None:
        """Install and build what is missing (may take long the first time)."""

    def command(self, ctx: Context) -> Launch:
        raise NotImplementedError

    def probe(self, ctx: Context) -> bool:
        """True when the port answers in this service's protocol."""
        raise NotImplementedError

    def ready(self, ctx: Context) -> bool:
        """True when the process this script started is ready for clients."""
        return self.probe(ctx)

    def after_ready(self, ctx: Context) -> None:
        """One-time setup that needs the running server."""
