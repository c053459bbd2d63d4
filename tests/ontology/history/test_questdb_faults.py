"""QuestDB killed with -9 in the middle of an append, then restarted.

The test starts its OWN QuestDB (the same jar as the shared one, on free ports, in a
temporary directory) and kills only that process. The jar is where ``scripts/services``
fetches it: the local Maven repository (``TWINWEAVE_SERVICES_M2_REPO``, default
``~/.m2/repository``), ``org/questdb/questdb/<version>``; ``java`` is the one of
``TWINWEAVE_SERVICES_JAVA_HOME`` or ``JAVA_HOME``, else on ``PATH``. Without either the
test is skipped like every ``questdb`` test (fails under CI=true or when
``TWINWEAVE_TEST_REQUIRE`` names questdb).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ontology import NotFoundError
from ontology.history import (
    Agg,
    HistoryUnavailableError,
    QuestDBHistorySettings,
    QuestDBHistoryStore,
    Samples,
    SeriesKey,
)
from tests._services import free_ports, unavailable
from tests.ontology.history.test_contract_samples import T0, batch

pytestmark = [pytest.mark.questdb, pytest.mark.slow]

QUESTDB_VERSION = "9.2.0"  # devtools/services/_questdb.py VERSION: the shared server's
START_TIMEOUT_S = 120.0
SERIES = 100
SECONDS = 200  # per batch: 100 series x 200 s = 20,000 samples
KEYS = [SeriesKey(f"plant/m{i}", "power") for i in range(SERIES)]


def questdb_jar() -> Path:
    """Where ``scripts/services`` puts the QuestDB jar (its Maven repository layout)."""
    default = Path.home() / ".m2" / "repository"
    repo = Path(os.environ.get("TWINWEAVE_SERVICES_M2_REPO", str(default)))
    name = f"questdb-{QUESTDB_VERSION}.jar"
    return repo / "org" / "questdb" / "questdb" / QUESTDB_VERSION / name


def java_command() -> str | None:
    """The ``java`` of the JDK ``scripts/services`` would use, else the one on ``PATH``."""
    for variable in ("TWINWEAVE_SERVICES_JAVA_HOME", "JAVA_HOME"):
        home = os.environ.get(variable)
        if home and (Path(home) / "bin" / "java").is_file():
            return str(Path(home) / "bin" / "java")
    return shutil.which("java")


class OwnQuestDB:
    """A QuestDB process of this test alone: started, killed with -9, started again."""

    def __init__(self, java: str, jar: Path, root: Path) -> None:
        self.java = java
        self.jar = jar
        self.root = root
        self.http, self.min_http, self.pg, self.ilp = free_ports(4)
        (root / "conf").mkdir(parents=True)
        (root / "conf" / "server.conf").write_text(
            f"http.bind.to=127.0.0.1:{self.http}\n"
            f"http.min.net.bind.to=127.0.0.1:{self.min_http}\n"
            f"pg.net.bind.to=127.0.0.1:{self.pg}\n"
            f"line.tcp.net.bind.to=127.0.0.1:{self.ilp}\n"
            "line.udp.enabled=false\ntelemetry.enabled=false\n",
            encoding="utf-8",
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [self.java, "-p", str(self.jar), "-m", "io.questdb/io.questdb.ServerMain"]
        log = self.root / "stdout.log"
        with log.open("ab") as output:
            self.process = subprocess.Popen(
                [*command, "-d", str(self.root)], stdout=output, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        url = f"http://127.0.0.1:{self.http}/exec?query=select%201"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"QuestDB exited with {self.process.returncode}; see {log}")
            try:
                with urllib.request.urlopen(url, timeout=1) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        pytest.fail(f"QuestDB did not answer on port {self.http} within {START_TIMEOUT_S} s")

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.kill()


@pytest.fixture
def own_questdb(tmp_path: Path) -> Iterator[OwnQuestDB]:
    jar = questdb_jar()
    java = java_command()
    if not jar.is_file() or java is None:
        reason = f"no jar at {jar}" if java else "no java (JAVA_HOME or PATH)"
        unavailable("questdb", "a QuestDB of its own", "free ports", reason)
    server = OwnQuestDB(java, jar, tmp_path / "questdb")
    server.start()
    yield server
    server.stop()


def _samples(i: int) -> Samples:
    """Batch ``i``: 1 Hz samples of every series over its own 200 s."""
    seconds = np.repeat(np.arange(i * SECONDS, (i + 1) * SECONDS), SERIES)
    return Samples(
        twin=np.tile(np.array([k.twin for k in KEYS], dtype=object), SECONDS),
        signal=np.full(SERIES * SECONDS, "power", dtype=object),
        time=np.datetime64(T0.replace(tzinfo=None), "us") + seconds.astype("timedelta64[s]"),
        value=(seconds % 17).astype(np.float64),
    )


def _settings(server: OwnQuestDB, prefix: str, **more: Any) -> QuestDBHistorySettings:
    return QuestDBHistorySettings(http_port=server.http, pg_port=server.pg, prefix=prefix, **more)


def _count(store: QuestDBHistoryStore, i: int) -> float:
    """Samples held in batch ``i``'s 200 s, over all series (raw, so every row counts)."""
    start = T0 + timedelta(seconds=i * SECONDS)
    series = store.range(
        KEYS, start, start + timedelta(seconds=SECONDS), timedelta(seconds=7), [Agg.COUNT]
    )
    return float(sum(s.values[Agg.COUNT].sum() for s in series))


def test_a_kill_minus_9_mid_append_loses_and_doubles_nothing(own_questdb: OwnQuestDB) -> None:
    settings = _settings(own_questdb, "fault", retry_ms=300, apply_timeout_s=20)
    store = QuestDBHistoryStore(settings)
    acknowledged: list[int] = []
    failed: list[tuple[int, Exception]] = []

    def append() -> None:
        for i in range(1000):
            try:
                store.write_batch(batch(f"b{i}", SERIES * SECONDS), _samples(i))
            except Exception as error:
                failed.append((i, error))
                return
            acknowledged.append(i)

    writer = threading.Thread(target=append)
    writer.start()
    while len(acknowledged) < 3:
        time.sleep(0.01)
    own_questdb.kill()
    writer.join(timeout=120)
    assert not writer.is_alive()
    store.close()

    ((lost, error),) = failed
    assert isinstance(error, HistoryUnavailableError), error
    assert lost == acknowledged[-1] + 1

    own_questdb.start()
    store = QuestDBHistoryStore(settings)
    for i in acknowledged:
        assert _count(store, i) == SERIES * SECONDS, f"batch b{i}"
        assert store.get_batch(f"b{i}").id == f"b{i}"
    with pytest.raises(NotFoundError):
        store.get_batch(f"b{lost}")

    store.write_batch(batch(f"b{lost}", SERIES * SECONDS), _samples(lost))
    store.write_batch(batch(f"b{lost}", SERIES * SECONDS), _samples(lost))  # and once more
    assert _count(store, lost) == SERIES * SECONDS
    end = T0 + timedelta(hours=1)
    (series,) = store.range([KEYS[0]], T0, end, timedelta(hours=1), [Agg.COUNT])  # hour tier
    assert series.values[Agg.COUNT].tolist() == [float((lost + 1) * SECONDS)]
    store.close()


def test_reads_after_a_restart_under_an_open_store_open_their_connections_again(
    own_questdb: OwnQuestDB,
) -> None:
    """A read slot's connection, kept from a read before the server was killed and started
    again, is found closed before any answer: the read opens it again and answers, instead
    of failing once per kept connection (a long-running reader, or one whose warm-up read
    before the restart)."""
    settings = _settings(own_questdb, "restart", readers=1, read_cache=0, warm_up=False)
    store = QuestDBHistoryStore(settings)
    try:
        store.write_batch(batch("b0", SERIES * SECONDS), _samples(0))
        assert _count(store, 0) == SERIES * SECONDS  # the slot's connection is open now
        own_questdb.kill()
        own_questdb.start()
        assert _count(store, 0) == SERIES * SECONDS
        assert store.as_of([KEYS[0]], T0 + timedelta(hours=1)).value.tolist() == [
            float((SECONDS - 1) % 17)
        ]
    finally:
        store.close()
