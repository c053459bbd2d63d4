"""Processes: pid records that prove a process is ours, setup commands, sockets."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from devtools.services._context import HOST, PROGRESS_EVERY, Context, ServiceError, say


def start_ticks(pid: int) -> int | None:
    """The process start time in clock ticks since boot (field 22 of /proc/PID/stat)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rfind(")") + 2 :].split()
    return int(fields[19])


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


@dataclass(frozen=True)
class PidRecord:
    """What a pid file holds: enough to tell our process from a reused pid."""

    pid: int
    start_ticks: int
    port: int
    marker: str

    @classmethod
    def read(cls, path: Path) -> PidRecord | None:
        try:
            data = json.loads(path.read_text())
            return cls(
                int(data["pid"]), int(data["start_ticks"]), int(data["port"]), data["marker"]
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.__dict__) + "\n")
        tmp.replace(path)

    def alive(self) -> bool:
        """True when the pid is still the very process this script started."""
        return start_ticks(self.pid) == self.start_ticks and self.marker in _cmdline(self.pid)


def running_record(ctx: Context, name: str) -> PidRecord | None:
    """The pid record of a live process we started; removes a stale pid file."""
    path = ctx.pidfile(name)
    record = PidRecord.read(path)
    if record is None:
        if path.exists():
            path.unlink()
        return None
    if record.alive():
        return record
    path.unlink(missing_ok=True)
    return None


def log_tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return f"(no log at {path})"
    return "\n".join(f"    {line}" for line in text[-lines:])


def run_logged(
    name: str,
    what: str,
    cmd: list[str],
    log: Path,
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    progress: Callable[[], str] | None = None,
) -> None:
    """Run a setup command to completion, output appended to ``log``; raise with the tail."""
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with log.open("a") as out:
        out.write(f"\n$ {' '.join(cmd)}\n")
        out.flush()
        proc = subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, cwd=cwd
        )
        next_note = started + PROGRESS_EVERY
        while proc.poll() is None:
            time.sleep(0.5)
            if time.monotonic() >= next_note:
                detail = f", {progress()}" if progress else ""
                say(f"{name}: {what} still running ({time.monotonic() - started:.0f} s{detail})")
                next_note += PROGRESS_EVERY
    if proc.returncode != 0:
        msg = (
            f"{name}: {what} failed (exit {proc.returncode}): {' '.join(cmd)}\n"
            f"  last lines of {log}:\n{log_tail(log)}"
        )
        raise ServiceError(msg)


def port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((HOST, port)) == 0


def exchange(port: int, request: bytes, want: int, timeout: float = 2.0) -> bytes:
    """Send ``request`` and read until ``want`` bytes arrived (or the peer closed)."""
    with socket.create_connection((HOST, port), timeout=timeout) as sock:
        sock.sendall(request)
        data = b""
        while len(data) < want:
            chunk = sock.recv(want - len(data))
            if not chunk:
                break
            data += chunk
        return data
