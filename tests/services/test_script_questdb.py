"""scripts/services runs its own QuestDB: loopback only, ready, idempotent, stopped by pid.

It starts a private QuestDB on free ports in a private scratch dir (about 5 s),
so it never meets the shared one. It needs Java 17 and the QuestDB jar (which
``up`` fetches with Maven when missing): skipped locally without Java, failing
under ``CI=true`` like the service tests.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.services._context import Context
from devtools.services._questdb import IDLE_WORKERS, QuestDB
from tests._services import free_ports, in_ci
from tests._shared import REPO

SCRIPT = REPO / "scripts" / "services"
PORT_OPTIONS = ("--questdb-port", "--questdb-min-port", "--questdb-pg-port", "--questdb-ilp-port")


def test_the_server_conf_binds_every_listener_to_loopback_on_the_chosen_ports(
    tmp_path: Path,
) -> None:
    ports = {"questdb": 1, "questdb_min": 2, "questdb_pg": 3, "questdb_ilp": 4}
    conf = QuestDB().write_conf(Context(scratch=tmp_path, ports=ports)).read_text()
    settings = dict(
        line.split("=", 1) for line in conf.splitlines() if line and not line.startswith("#")
    )
    assert settings == {
        "http.bind.to": "127.0.0.1:1",
        "http.min.net.bind.to": "127.0.0.1:2",
        "pg.net.bind.to": "127.0.0.1:3",
        "line.tcp.net.bind.to": "127.0.0.1:4",
        "line.udp.enabled": "false",
        "telemetry.enabled": "false",
        **dict(line.split("=", 1) for line in IDLE_WORKERS),
    }


def test_the_idle_worker_settings_are_the_ones_deploy_recommends() -> None:
    text = (REPO / "deploy" / "questdb-server.conf").read_text()
    recommended = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert recommended == list(IDLE_WORKERS)


def test_the_log_conf_keeps_info_but_logs_only_errors_of_each_query(tmp_path: Path) -> None:
    conf = QuestDB().write_log_conf(Context(scratch=tmp_path, ports={})).read_text()
    settings = dict(
        line.split("=", 1) for line in conf.splitlines() if line and not line.startswith("#")
    )
    writers = settings["writers"].split(",")
    assert settings["w.stdout.level"] == "INFO"
    scoped = {settings[f"w.{w}.scope"]: settings[f"w.{w}.level"] for w in writers if w != "stdout"}
    assert scoped["io.questdb.griffin.engine.QueryProgress"] == "ERROR,CRITICAL"
    assert scoped["io.questdb.cutlass.pgwire"] == "ERROR,CRITICAL"
    assert scoped["io.questdb.cairo.wal"] == "ERROR,CRITICAL"
    assert scoped["io.questdb.cairo.TableWriter"] == "ERROR,CRITICAL"
    assert all(settings[f"w.{w}.class"] == "io.questdb.log.LogConsoleWriter" for w in writers)


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[tuple[Path, list[str]]]:
    """A scratch dir and port options; whatever the test started is stopped afterwards."""
    if shutil.which("java") is None and not in_ci():
        pytest.skip("needs Java 17 to run QuestDB")
    ports = free_ports(len(PORT_OPTIONS))
    options = [arg for pair in zip(PORT_OPTIONS, map(str, ports), strict=True) for arg in pair]
    yield tmp_path, options
    run(tmp_path, options, "down", "questdb")


def run(scratch: Path, options: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--dir", str(scratch), *options, *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def listening(pid: int) -> set[str]:
    """The local addresses of the TCP sockets ``pid`` listens on (from ``ss``)."""
    out = subprocess.run(["ss", "-Hltnp"], capture_output=True, text=True, check=True).stdout
    return {line.split()[3] for line in out.splitlines() if f"pid={pid}," in line}


@pytest.mark.slow
def test_up_starts_questdb_once_on_loopback_and_down_stops_it(
    scratch: tuple[Path, list[str]],
) -> None:
    where, options = scratch
    first = run(where, options, "up", "questdb")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "questdb: ready on 127.0.0.1:" in first.stdout
    again = run(where, options, "up", "questdb")
    assert again.returncode == 0
    assert "questdb: already running" in again.stdout
    status = run(where, options, "status", "questdb")
    assert status.returncode == 0
    state, pid = status.stdout.split()[1], int(status.stdout.split()[3])
    assert state == "running"
    if shutil.which("ss"):
        ports = [options[i + 1] for i in range(0, len(options), 2)]
        assert listening(pid) == {f"127.0.0.1:{port}" for port in ports}
    down = run(where, options, "down", "questdb")
    assert f"questdb: stopped (pid {pid})" in down.stdout
    assert run(where, options, "status", "questdb").returncode == 3


@pytest.mark.slow
def test_the_running_server_logs_no_info_line_of_wal_commits_or_queries(
    scratch: tuple[Path, list[str]],
) -> None:
    """The quietened scopes take effect (each must be among ``writers``), and the rest of
    the INFO lines still come: a WAL table created, written, applied and queried logs
    none of its commit, apply or query lines."""
    where, options = scratch
    up = run(where, options, "up", "questdb")
    assert up.returncode == 0, up.stdout + up.stderr
    http = int(options[1])
    log = where / "logs" / "questdb.log"
    started = len(log.read_text().splitlines())
    table = "tw_quiet_log"
    for sql in (
        f"CREATE TABLE {table} (ts TIMESTAMP, v DOUBLE) TIMESTAMP(ts) PARTITION BY DAY WAL",
        f"INSERT INTO {table} VALUES ('2026-06-01T00:00:00Z', 1.0)",
        f"INSERT INTO {table} VALUES ('2026-06-01T00:00:01Z', 2.0)",
    ):
        assert exec_sql(http, sql)["ddl" if sql.startswith("CREATE") else "dml"] == "OK"
    for _ in range(200):  # until both rows are applied and readable
        if exec_sql(http, f"SELECT count() FROM {table}")["dataset"] == [[2]]:
            break
        time.sleep(0.05)
    else:
        pytest.fail("the rows were never applied")
    lines = log.read_text().splitlines()[started:]
    info = [line.split()[2] for line in lines if len(line.split()) > 2 and line.split()[1] == "I"]
    assert info, "no INFO line at all: the unscoped writer lost INFO"
    quiet = ("i.q.c.w.", "i.q.c.TableWriter", "i.q.c.O3", "i.q.g.e.QueryProgress")
    assert [scope for scope in info if scope.startswith(quiet)] == []


def exec_sql(port: int, sql: str) -> dict[str, object]:
    query = urllib.parse.urlencode({"query": sql})
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/exec?{query}", timeout=10) as r:
        answer: dict[str, object] = json.loads(r.read())
    return answer


def test_devtools_is_not_part_of_the_installed_distribution() -> None:
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    packages_line = next(line for line in pyproject.splitlines() if "find = { include" in line)
    assert "devtools" not in packages_line
    assert "COPY devtools" not in (REPO / "Dockerfile").read_text(encoding="utf-8")
