"""A service instance of one's own: in a given scratch dir, on given (or free) ports.

For tests that kill or restart a server: they must never touch the shared
services ``scripts/services up`` started. A ``PrivateService`` prepares,
starts, stops and kills one process, through the same ``Service`` modules as
``scripts/services`` (same install step, launch command, readiness probe):

    kafka = PrivateService("kafka", tmp_path / "kafka", libs_from=shared_scratch)
    kafka.start()            # waits until it answers
    kafka.ports["kafka"]     # its broker port
    kafka.kill()             # SIGKILL; start() again reuses its data
    kafka.stop()             # SIGTERM, then SIGKILL after the timeout

``libs_from`` names a scratch dir whose built libraries (Kafka's and Neo4j's
Maven jars) may be reused when they were built from the same ``pom.xml``: a
symlink instead of a Maven copy, seconds instead of a minute.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from devtools.services._catalog import ALL
from devtools.services._commands import spawn
from devtools.services._context import HOST, Context, ServiceError
from devtools.services._process import log_tail


def free_ports(count: int) -> list[int]:
    """``count`` distinct loopback ports that were free a moment ago."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind((HOST, 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


class PrivateService:
    """One server of ``name`` (``kafka``, ``questdb``, ``neo4j``, ``mosquitto``) of its own."""

    def __init__(
        self,
        name: str,
        scratch: Path,
        *,
        ports: dict[str, int] | None = None,
        libs_from: Path | None = None,
    ) -> None:
        if name not in ALL:
            msg = f"service {name!r} is unknown; expected one of {', '.join(ALL)}"
            raise ServiceError(msg)
        self.service = ALL[name]
        keys = [port.key for port in self.service.ports]
        chosen = dict(ports or {})
        missing = [key for key in keys if key not in chosen]
        chosen.update(zip(missing, free_ports(len(missing)), strict=True))
        self.ports = chosen
        self.ctx = Context(scratch=scratch.resolve(), ports=chosen, lib_cache=libs_from)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def port(self) -> int:
        """The main port (Kafka's broker, QuestDB's HTTP, Neo4j's Bolt, Mosquitto's MQTT)."""
        return self.service.port(self.ctx)

    @property
    def log(self) -> Path:
        return self.ctx.log(self.service.name)

    def start(self, timeout_s: float | None = None) -> None:
        """Prepare (first time only), launch and wait until it answers; ``ServiceError`` if not."""
        if self.process is not None and self.process.poll() is None:
            return
        self.ctx.scratch.mkdir(parents=True, exist_ok=True)
        self.service.prepare(self.ctx)
        self.process, _ = spawn(self.ctx, self.service)
        deadline = time.monotonic() + (timeout_s or self.service.ready_timeout)
        while not self.service.ready(self.ctx):
            if self.process.poll() is not None:
                msg = (
                    f"{self.service.name}: exited with {self.process.returncode}; last lines "
                    f"of {self.log}:\n{log_tail(self.log)}"
                )
                raise ServiceError(msg)
            if time.monotonic() > deadline:
                self.kill()
                msg = f"{self.service.name}: not ready in time; last lines:\n{log_tail(self.log)}"
                raise ServiceError(msg)
            time.sleep(0.1)
        self.service.after_ready(self.ctx)

    def kill(self) -> None:
        """SIGKILL, as a crash would; the data dir stays for the next ``start``."""
        self._signal(signal.SIGKILL, 30.0)

    def stop(self, timeout_s: float = 60.0) -> None:
        """The service's stop signal (SIGTERM), SIGKILL after ``timeout_s``."""
        self._signal(self.service.stop_signal, timeout_s)

    def _signal(self, signum: int, timeout_s: float) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signum)
        try:
            process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGKILL)
            process.wait()
        self.ctx.pidfile(self.service.name).unlink(missing_ok=True)
