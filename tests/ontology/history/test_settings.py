"""The stores' settings: checked when made, the QuestDB password never shown."""

from __future__ import annotations

import re

import pytest

from ontology.history import HistoryInputError, QuestDBHistorySettings


def test_the_questdb_password_is_not_in_the_settings_repr() -> None:
    settings = QuestDBHistorySettings(password="s3cret-Pa55")
    assert "s3cret-Pa55" not in repr(settings)
    assert "auto_flush=off" in settings.ilp_conf()
    assert "s3cret-Pa55" not in settings.ilp_conf()


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"prefix": "tw; DROP TABLE x"}, "prefix is 'tw; DROP TABLE x'; expected a letter"),
        ({"prefix": "1tw"}, "prefix is '1tw'"),
        ({"http_port": 0}, "http_port is 0; expected 1 to 65535"),
        ({"host": "a;b"}, "host is 'a;b'"),
        ({"retry_ms": -1}, "retry_ms is -1"),
        ({"sample_requests": 0}, "sample_requests is 0; expected 1 to 8"),
        ({"sample_requests": 9}, "sample_requests is 9; expected 1 to 8"),
        ({"read_requests": 0}, "read_requests is 0; expected 1 to 8"),
        ({"read_requests": 9}, "read_requests is 9; expected 1 to 8"),
        ({"readers": 0}, "readers is 0; expected 1 to 16"),
        ({"readers": 17}, "readers is 17; expected 1 to 16"),
    ],
)
def test_questdb_settings_refuse_bad_values_naming_them(
    changes: dict[str, object], words: str
) -> None:
    with pytest.raises(HistoryInputError, match=re.escape(words)):
        QuestDBHistorySettings(**changes)  # type: ignore[arg-type]
