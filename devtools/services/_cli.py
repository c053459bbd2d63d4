"""The command line of ``scripts/services``: ``up|down|status [SERVICE...]`` and its options."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from devtools.services._catalog import PORTS, SERVICES
from devtools.services._commands import cmd_down, cmd_status, cmd_up, scratch_lock
from devtools.services._context import REPO, Context, say

DESCRIPTION = (
    "Run Neo4j, Kafka, Mosquitto and QuestDB on 127.0.0.1 for Twinweave's tests. "
    "'up' installs what is missing (Maven, apt), starts each service and waits until "
    "it answers; a service already running is left alone. 'down' stops only the "
    "processes this script started (by pid file). 'status' prints state, pid and "
    "port and exits 3 if a named service is not running and answering."
)
EPILOG = (
    "Environment: TWINWEAVE_SERVICES_DIR (scratch dir), TWINWEAVE_SERVICES_<KEY>_PORT "
    "for each port option (e.g. TWINWEAVE_SERVICES_NEO4J_PORT, "
    "TWINWEAVE_SERVICES_QUESTDB_PG_PORT), TWINWEAVE_SERVICES_JAVA_HOME (a JDK 17 or 21), "
    "TWINWEAVE_SERVICES_M2_REPO (Maven repository, default ~/.m2/repository), "
    "TWINWEAVE_SERVICES_NEO4J_HEAP, TWINWEAVE_SERVICES_NEO4J_PAGECACHE_MB, "
    "TWINWEAVE_SERVICES_KAFKA_HEAP, TWINWEAVE_SERVICES_QUESTDB_HEAP. Logs: <dir>/logs/. "
    "See docs/services.md."
)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="scripts/services", description=DESCRIPTION, epilog=EPILOG
    )
    parser.add_argument("action", choices=("up", "down", "status"))
    parser.add_argument(
        "services",
        nargs="*",
        metavar="SERVICE",
        help=f"any of {', '.join(SERVICES)} (default: all)",
    )
    parser.add_argument(
        "--dir",
        type=Path,
        default=Path(os.environ.get("TWINWEAVE_SERVICES_DIR", REPO / ".services")),
        help="scratch dir for data, logs and pid files (default: <repo>/.services)",
    )
    for port in PORTS:
        parser.add_argument(
            port.option,
            dest=f"port_{port.key}",
            metavar="PORT",
            type=int,
            default=int(os.environ.get(port.env, port.default)),
            help=f"{port.help} (default {port.default}, env {port.env})",
        )
    args = parser.parse_args(argv)
    unknown = [name for name in args.services if name not in SERVICES]
    if unknown:
        parser.error(f"unknown service {unknown[0]!r}; expected any of {', '.join(SERVICES)}")
    return args


def main(argv: list[str]) -> int:
    """Run ``scripts/services`` with ``argv`` (without the program name); the exit code."""
    args = parse_args(argv)
    names = [name for name in SERVICES if not args.services or name in args.services]
    ports = {port.key: getattr(args, f"port_{port.key}") for port in PORTS}
    ctx = Context(scratch=args.dir.resolve(), ports=ports)
    action = {"up": cmd_up, "down": cmd_down, "status": cmd_status}[args.action]
    if args.action == "status" and not ctx.scratch.exists():
        return cmd_status(ctx, names)
    try:
        with scratch_lock(ctx):
            return action(ctx, names)
    except KeyboardInterrupt:
        say("interrupted; what was started keeps running: see scripts/services status / down")
        return 130
