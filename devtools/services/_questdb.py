"""QuestDB 9.2 (the server jar from Maven) on Java 17: HTTP, PG wire and ILP on loopback."""

from __future__ import annotations

import http.client
import json
import os
import struct
from pathlib import Path
from typing import ClassVar

from devtools.services._context import HOST, Context
from devtools.services._install import java_env, java_home, maven_artifact
from devtools.services._process import exchange
from devtools.services._service import Launch, Port, Service

VERSION = "9.2.0"
MAIN = "io.questdb/io.questdb.ServerMain"
# PostgreSQL SSLRequest: length 8, code 80877103; a PG-wire server answers one byte, N or S.
PG_SSL_REQUEST = struct.pack(">ii", 8, 80877103)
_QUIET_SCOPES = {
    "queries": "io.questdb.griffin.engine.QueryProgress",
    "pgwire": "io.questdb.cutlass.pgwire",
    "pgserver": "pg-server",
    "wal": "io.questdb.cairo.wal",
    "tablewriter": "io.questdb.cairo.TableWriter",
    "o3": "io.questdb.cairo.O3",
    "ilp": "io.questdb.cutlass.line",
}
"""Loggers logged at ERROR and CRITICAL only (see ``QuestDB.write_log_conf``): the
per-query lines, and the per-commit lines of WAL tables (``wal``: each WAL commit and
apply; ``tablewriter``, ``o3``: each apply's partition work; ``ilp``: ILP table parsers).
A logger takes the first scope its name starts with, else the unscoped writers."""
IDLE_WORKERS = (
    "shared.worker.nap.threshold=100",
    "shared.worker.sleep.threshold=1000",
    "shared.worker.sleep.timeout=1",
    "wal.apply.worker.yield.threshold=10",
    "wal.apply.worker.nap.threshold=100",
    "wal.apply.worker.sleep.threshold=1000",
)
"""Idle worker threads park sooner (``deploy/questdb-server.conf`` recommends the same).

QuestDB 9.2's workers spin, then yield, then nap after each job before they sleep
(shared pools: 7,000 and 10,000 idle loops; WAL apply: yield from 1,000 loops on):
every ILP request and WAL commit wakes them, and on a small host shared with the
writer the spinning takes CPU the writer and the server's own work need. Measured
on a QuestDB of our own (2026-12-06, the history benchmark, five pairs of
alternated restarts, load 14-31): the store's appends 2.27-2.62 against 2.33-2.87
server CPU s per million samples, plain ILP 0.64-0.71 against 0.75-1.06. A sleeping worker wakes
within ``sleep.timeout`` (1 ms here, 10 by default). See docs/history.md.
"""


class QuestDB(Service):
    name = "questdb"
    marker = "io.questdb.ServerMain"
    ports: ClassVar[tuple[Port, ...]] = (
        Port("questdb", 19000, "QuestDB HTTP port (REST /exec, ILP over HTTP, web console)"),
        Port("questdb_min", 19003, "QuestDB minimal HTTP port (health)"),
        Port("questdb_pg", 18812, "QuestDB PostgreSQL wire port"),
        Port("questdb_ilp", 19009, "QuestDB ILP over TCP port"),
    )
    ready_timeout = 120.0

    def root(self, ctx: Context) -> Path:
        return ctx.path("questdb", "root")

    def prepare(self, ctx: Context) -> None:
        maven_artifact(ctx, self.name, "org.questdb", "questdb", VERSION)

    def write_conf(self, ctx: Context) -> Path:
        """``ROOT/conf/server.conf``: every listener on 127.0.0.1, UDP and telemetry off,
        idle workers parked sooner (``IDLE_WORKERS``)."""
        lines = [
            "# Written by scripts/services on every start; edits are lost.",
            f"http.bind.to={HOST}:{ctx.ports['questdb']}",
            f"http.min.net.bind.to={HOST}:{ctx.ports['questdb_min']}",
            f"pg.net.bind.to={HOST}:{ctx.ports['questdb_pg']}",
            f"line.tcp.net.bind.to={HOST}:{ctx.ports['questdb_ilp']}",
            "line.udp.enabled=false",
            "telemetry.enabled=false",
            *IDLE_WORKERS,
        ]
        path = self.root(ctx) / "conf" / "server.conf"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n")
        return path

    def write_log_conf(self, ctx: Context) -> Path:
        """``ROOT/conf/log.conf``: the jar's default (INFO to stdout, the minimal HTTP
        server's ERROR only), plus the per-query lines quietened to errors.

        Why: every query logs two INFO lines (``QueryProgress`` exe/fin with its SQL) and
        the PG wire its connects; measured on a QuestDB of our own with the history
        benchmark's data (2026-12-06, load 17-28, 20 calls a case, thread CPU from
        ``/proc``): the logging thread took 2.4 ms of CPU per ``count()`` query and 12.4 ms
        per 144,000-row read (against 12 and 40 ms for the query itself); with these
        scopes at ERROR it took under 0.2 ms. Errors are still logged.

        Likewise every WAL commit and its apply log five to ten INFO lines a table
        (``WalWriter commit``, ``ApplyWal2TableJob job finished``, ``TableWriter o3 ...``),
        and the history store commits five or six tables a batch: the logging thread took
        0.17-0.18 CPU s per million samples of the store's appends, 0.03 with the ``wal``,
        ``tablewriter``, ``o3`` and ``ilp`` scopes at ERROR (docs/history.md, "Appends,
        issue 8, fourth pass"). Every scope must be named in ``writers`` to take effect.
        """
        lines = [
            "# Written by scripts/services on every start; edits are lost.",
            f"writers={','.join(['stdout', 'http.min', *_QUIET_SCOPES])}",
            "w.stdout.class=io.questdb.log.LogConsoleWriter",
            "w.stdout.level=INFO",
            "w.http.min.class=io.questdb.log.LogConsoleWriter",
            "w.http.min.level=ERROR",
            "w.http.min.scope=http-min-server",
        ]
        for name, scope in _QUIET_SCOPES.items():
            lines += [
                f"w.{name}.class=io.questdb.log.LogConsoleWriter",
                f"w.{name}.level=ERROR,CRITICAL",
                f"w.{name}.scope={scope}",
            ]
        path = self.root(ctx) / "conf" / "log.conf"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n")
        return path

    def command(self, ctx: Context) -> Launch:
        jar = maven_artifact(ctx, self.name, "org.questdb", "questdb", VERSION)
        self.write_conf(ctx)
        self.write_log_conf(ctx)
        java = str(java_home(ctx) / "bin" / "java")
        heap = os.environ.get("TWINWEAVE_SERVICES_QUESTDB_HEAP", "1g")
        cmd = [java, f"-Xmx{heap}", "-p", str(jar), "-m", MAIN, "-d", str(self.root(ctx))]
        return Launch(cmd, cwd=ctx.path("questdb"), env=java_env(ctx))

    def ready(self, ctx: Context) -> bool:
        """The HTTP endpoint runs ``SELECT 1`` and the PG-wire port answers."""
        return self.probe(ctx) and self._pg_answers(ctx)

    def probe(self, ctx: Context) -> bool:
        connection = http.client.HTTPConnection(HOST, self.port(ctx), timeout=2.0)
        try:
            connection.request("GET", "/exec?query=SELECT%201")
            response = connection.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException):
            return False
        finally:
            connection.close()
        if response.status != 200:
            return False
        try:
            return bool(json.loads(body).get("dataset") == [[1]])
        except (ValueError, AttributeError):
            return False

    def _pg_answers(self, ctx: Context) -> bool:
        try:
            return exchange(ctx.ports["questdb_pg"], PG_SSL_REQUEST, 1) in (b"N", b"S")
        except OSError:
            return False
