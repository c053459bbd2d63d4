"""tests/_services.py: when an unreachable service skips its tests and when it fails them."""

from __future__ import annotations

import pytest

from tests._services import addresses, required_services, unavailable


@pytest.fixture
def local(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("TWINWEAVE_TEST_REQUIRE", raising=False)
    return monkeypatch


def test_locally_an_unreachable_service_skips(local: pytest.MonkeyPatch) -> None:
    with pytest.raises(pytest.skip.Exception, match="start it with scripts/services up"):
        unavailable("questdb", "QuestDB", "127.0.0.1:1", "refused")


def test_a_required_service_fails_and_the_others_still_skip(local: pytest.MonkeyPatch) -> None:
    local.setenv("TWINWEAVE_TEST_REQUIRE", "neo4j, questdb")
    with pytest.raises(pytest.fail.Exception, match=r"QuestDB is not reachable at 127\.0\.0\.1:1"):
        unavailable("questdb", "QuestDB", "127.0.0.1:1", "refused")
    with pytest.raises(pytest.skip.Exception):
        unavailable("kafka", "Kafka", "127.0.0.1:1", "refused")


def test_under_ci_every_service_is_required(local: pytest.MonkeyPatch) -> None:
    local.setenv("CI", "true")
    assert required_services() == {"neo4j", "kafka", "mqtt", "questdb"}


def test_an_unknown_name_in_the_required_list_is_refused(local: pytest.MonkeyPatch) -> None:
    local.setenv("TWINWEAVE_TEST_REQUIRE", "postgres")
    with pytest.raises(ValueError, match="TWINWEAVE_TEST_REQUIRE='postgres' names 'postgres'"):
        required_services()


def test_questdb_addresses_come_from_the_test_variables(local: pytest.MonkeyPatch) -> None:
    local.setenv("TWINWEAVE_TEST_QUESTDB", "10.0.0.5:29000")
    local.setenv("TWINWEAVE_TEST_QUESTDB_PG", "10.0.0.6:28812")
    where = addresses().questdb
    assert (where.http, where.pg) == ("10.0.0.5:29000", "10.0.0.6:28812")
    assert "password" not in repr(where)
