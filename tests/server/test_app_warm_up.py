"""``create_app`` returns once a QuestDB history store's open-time warm-up ended, so the
server (``twinweave serve``, one process or several) accepts no request while it runs."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ontology.history import QuestDBHistoryStore
from tests._services import QuestDBAddress, unique_name
from tests.ontology.history.conftest import questdb_history_settings

pytestmark = pytest.mark.questdb

_PROBE = """
import json, sys
from ontology.history import QuestDBHistorySettings, QuestDBHistoryStore
from server import ServerSettings, create_app
host, http, pg, user, password, prefix = sys.argv[1:]
settings = QuestDBHistorySettings(host=host, http_port=int(http), pg_port=int(pg), user=user,
    password=password, prefix=prefix)
store = QuestDBHistoryStore(settings)
create_app(ServerSettings(version="t"), history=store)
ended = store.warmed_up(0)
store.close()
print(json.dumps({"ended": ended}))
"""


def test_create_app_returns_once_the_history_store_is_warm(questdb: QuestDBAddress) -> None:
    settings = questdb_history_settings(questdb, prefix=unique_name("t"))
    args = [settings.host, str(settings.http_port), str(settings.pg_port), settings.user]
    args += [settings.password, settings.prefix]
    try:
        # a fresh interpreter: the warm-up loads the reader's compiled loops (about a
        # second), which a process that already read would skip
        done = subprocess.run(
            [sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout.strip().splitlines()[-1]) == {"ended": True}
    finally:
        dropper = QuestDBHistoryStore(settings)
        dropper.drop_tables()
        dropper.close()
