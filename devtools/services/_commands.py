"""``up``, ``down`` and ``status``: start, stop and inspect services by pid file."""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import subprocess
import time
from collections.abc import Iterator

from devtools.services._catalog import ALL
from devtools.services._context import HOST, PROGRESS_EVERY, Context, ServiceError, say
from devtools.services._process import (
    PidRecord,
    log_tail,
    port_in_use,
    running_record,
    start_ticks,
)
from devtools.services._service import Service

STOP_TIMEOUT = 60.0


@contextlib.contextmanager
def scratch_lock(ctx: Context) -> Iterator[None]:
    """One ``scripts/services`` at a time per scratch dir."""
    ctx.scratch.mkdir(parents=True, exist_ok=True)
    with ctx.path(".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def spawn(ctx: Context, service: Service) -> tuple[subprocess.Popen[bytes], float]:
    launch = service.command(ctx)
    log = ctx.log(service.name)
    log.parent.mkdir(parents=True, exist_ok=True)
    if log.exists():
        log.replace(log.with_suffix(".log.1"))
    with log.open("w") as out:
        out.write(f"$ {' '.join(launch.cmd)}\n")
        out.flush()
        proc = subprocess.Popen(
            launch.cmd,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            cwd=launch.cwd,
            env=launch.env,
        )
    started = time.monotonic()
    ticks = start_ticks(proc.pid)
    if ticks is None:
        msg = f"{service.name}: exited at once; last lines of {log}:\n{log_tail(log)}"
        raise ServiceError(msg)
    PidRecord(proc.pid, ticks, service.port(ctx), service.marker).write(ctx.pidfile(service.name))
    return proc, started


def stop_record(ctx: Context, service: Service, record: PidRecord) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(record.pid, service.stop_signal)
    deadline = time.monotonic() + STOP_TIMEOUT
    while record.alive() and time.monotonic() < deadline:
        time.sleep(0.2)
    if record.alive():
        say(f"{service.name}: still running after {STOP_TIMEOUT:.0f} s, sending SIGKILL")
        with contextlib.suppress(ProcessLookupError):
            os.kill(record.pid, signal.SIGKILL)
        while record.alive():
            time.sleep(0.1)
    ctx.pidfile(service.name).unlink(missing_ok=True)


Pending = tuple[Service, subprocess.Popen[bytes], float, float]


def _start(ctx: Context, service: Service) -> tuple[bool, Pending | None]:
    """Start ``service`` unless it runs already: (ok so far, what to wait for)."""
    name = service.name
    record = running_record(ctx, name)
    if record is not None:
        if record.port != service.port(ctx):
            say(
                f"{name}: already running on port {record.port} (pid {record.pid}), not "
                f"{service.port(ctx)}; run 'scripts/services down {name}' first"
            )
            return False, None
        if not wait_existing(ctx, service, record):
            return False, None
        say(f"{name}: already running (pid {record.pid}, port {record.port})")
        return True, None
    started = time.monotonic()
    try:
        if port_in_use(service.port(ctx)) and service.probe(ctx):
            # e.g. started from another checkout's scratch dir: use it, never stop it.
            service.after_ready(ctx)
            say(
                f"{name}: {HOST}:{service.port(ctx)} already answers as {name} but was not "
                f"started from {ctx.scratch}; using it as it is (this script will not stop it)"
            )
            return True, None
        service.prepare(ctx)
        busy = [p for p in service.busy_ports(ctx) if port_in_use(p)]
        if busy:
            msg = (
                f"{name}: port {busy[0]} on {HOST} is taken by a process this script did not "
                f"start; stop it or choose another port (see --help)"
            )
            raise ServiceError(msg)
        proc, spawned = spawn(ctx, service)
    except ServiceError as error:
        say(str(error))
        return False, None
    prep = time.monotonic() - started
    if prep > 1:
        say(f"{name}: prepared in {prep:.1f} s")
    say(f"{name}: starting (pid {proc.pid}, port {service.port(ctx)}, log {ctx.log(name)})")
    return True, (service, proc, started, spawned)


def cmd_up(ctx: Context, names: list[str]) -> int:
    failures = 0
    pending: list[Pending] = []
    for name in names:
        ok, waiting = _start(ctx, ALL[name])
        failures += 0 if ok else 1
        if waiting is not None:
            pending.append(waiting)
    for service, proc, started, spawned in pending:
        failures += 0 if wait_ready(ctx, service, proc, started, spawned) else 1
    return 1 if failures else 0


def wait_existing(ctx: Context, service: Service, record: PidRecord) -> bool:
    """Wait for a process an earlier (perhaps interrupted) ``up`` started to answer."""
    deadline = time.monotonic() + service.ready_timeout
    noted = False
    while not service.ready(ctx):
        if not record.alive() or time.monotonic() > deadline:
            say(f"{service.name}: pid {record.pid} does not answer; last lines of its log:")
            say(log_tail(ctx.log(service.name)))
            say(f"    try: scripts/services down {service.name} && scripts/services up")
            return False
        if not noted:
            say(f"{service.name}: started earlier (pid {record.pid}), waiting for it to answer")
            noted = True
        time.sleep(0.25)
    return True


def wait_ready(
    ctx: Context, service: Service, proc: subprocess.Popen[bytes], started: float, spawned: float
) -> bool:
    """Wait until ``service`` answers; ``started``: before setup, ``spawned``: process start."""
    name, log = service.name, ctx.log(service.name)
    deadline = spawned + service.ready_timeout
    next_note = spawned + PROGRESS_EVERY
    while not service.ready(ctx):
        if proc.poll() is not None:
            ctx.pidfile(name).unlink(missing_ok=True)
            say(f"{name}: FAILED, exited with {proc.returncode}; last lines of {log}:")
            say(log_tail(log))
            return False
        now = time.monotonic()
        if now >= deadline:
            waited = f"{service.ready_timeout:.0f} s"
            say(f"{name}: FAILED, not ready after {waited}; last lines of {log}:")
            say(log_tail(log))
            record = PidRecord.read(ctx.pidfile(name))
            if record is not None and record.alive():
                stop_record(ctx, service, record)
            return False
        if now >= next_note:
            say(f"{name}: waiting for readiness ({now - spawned:.0f} s)")
            next_note += PROGRESS_EVERY
        time.sleep(0.25)
    try:
        service.after_ready(ctx)
    except ServiceError as error:
        say(str(error))
        return False
    now = time.monotonic()
    say(
        f"{name}: ready on {HOST}:{service.port(ctx)} (pid {proc.pid}); "
        f"{now - started:.1f} s in all, {now - spawned:.1f} s from process start"
    )
    return True


def cmd_down(ctx: Context, names: list[str]) -> int:
    for name in reversed(names):
        service = ALL[name]
        record = running_record(ctx, name)
        if record is None:
            say(f"{name}: not running")
            continue
        started = time.monotonic()
        stop_record(ctx, service, record)
        say(f"{name}: stopped (pid {record.pid}) in {time.monotonic() - started:.1f} s")
    return 0


def _answers_on(ctx: Context, service: Service, port: int) -> bool:
    saved = dict(ctx.ports)
    ctx.ports[service.name] = port
    try:
        return service.ready(ctx)
    except (OSError, ServiceError):
        return False
    finally:
        ctx.ports.clear()
        ctx.ports.update(saved)


def cmd_status(ctx: Context, names: list[str]) -> int:
    code = 0
    for name in names:
        service = ALL[name]
        stale = ctx.pidfile(name).exists()
        record = running_record(ctx, name)
        if record is None:
            note = " (removed a stale pid file)" if stale else ""
            port = service.port(ctx)
            if port_in_use(port) and service.probe(ctx):
                note += f" (answers as {name}, not started from this dir)"
                say(f"{name:<10} {'external':<10} pid {'-':<7} port {port}{note}")
                continue
            say(f"{name:<10} {'stopped':<10} pid {'-':<7} port {port}{note}")
            code = 3
            continue
        answering = _answers_on(ctx, service, record.port)
        state = "running" if answering else "starting"  # alive but not answering yet
        say(f"{name:<10} {state:<10} pid {record.pid:<7} port {record.port}")
        if not answering:
            code = 3
    return code
