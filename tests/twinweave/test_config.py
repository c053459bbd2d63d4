"""Settings from the environment: defaults, parsing and clear refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests._shared import REPO
from twinweave._config import ENVIRONMENT, ConfigError, environment_help, load_settings


def test_defaults_are_the_embedded_stores() -> None:
    settings = load_settings({})
    assert settings.graph_store == "memory"
    assert settings.history_store == "duckdb"
    assert settings.data_dir == Path(".twinweave")
    assert settings.port == 8000
    assert settings.kafka_topics == ("twinweave.telemetry",)
    assert settings.neo4j.namespace == "tw"


def test_service_defaults_are_where_scripts_services_starts_them() -> None:
    settings = load_settings({})
    assert settings.neo4j.uri == "bolt://127.0.0.1:17687"
    assert (settings.questdb.http_host, settings.questdb.http_port) == ("127.0.0.1", 19000)
    assert (settings.questdb.pg_host, settings.questdb.pg_port) == ("127.0.0.1", 18812)
    assert (settings.questdb.user, settings.questdb.password) == ("admin", "quest")
    assert settings.kafka_bootstrap == "127.0.0.1:19092"
    assert settings.mqtt_port == 18830


def test_questdb_history_settings_are_parsed() -> None:
    settings = load_settings(
        {
            "TWINWEAVE_HISTORY_STORE": "QuestDB",
            "TWINWEAVE_QUESTDB_HTTP": "qdb.internal:9000",
            "TWINWEAVE_QUESTDB_PG": "qdb.internal:8812",
            "TWINWEAVE_QUESTDB_USER": "writer",
            "TWINWEAVE_QUESTDB_PASSWORD": "s3cret",
        }
    )
    assert settings.history_store == "questdb"
    assert settings.questdb.http_host == "qdb.internal"
    assert settings.questdb.http_port == 9000
    assert settings.questdb.pg_port == 8812
    assert settings.questdb.user == "writer"
    assert settings.questdb.password == "s3cret"


def test_passwords_never_appear_in_a_repr() -> None:
    settings = load_settings(
        {"TWINWEAVE_NEO4J_PASSWORD": "neo-pass-71", "TWINWEAVE_QUESTDB_PASSWORD": "qdb-pass-72"}
    )
    for text in (repr(settings), str(settings), repr(settings.neo4j), repr(settings.questdb)):
        assert "neo-pass-71" not in text
        assert "qdb-pass-72" not in text
    assert settings.neo4j.password == "neo-pass-71"
    assert settings.questdb.password == "qdb-pass-72"


def test_values_are_parsed_into_types() -> None:
    settings = load_settings(
        {
            "TWINWEAVE_PORT": "9001",
            "TWINWEAVE_GRAPH_STORE": "Neo4j",
            "TWINWEAVE_NEO4J_URI": "bolt://db:7687",
            "TWINWEAVE_KAFKA_TOPICS": "a, b ,c",
        }
    )
    assert settings.port == 9001
    assert settings.graph_store == "neo4j"
    assert settings.neo4j.uri == "bolt://db:7687"
    assert settings.kafka_topics == ("a", "b", "c")


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("TWINWEAVE_PORT", "eighty", "expected a whole number from 1 to 65535"),
        ("TWINWEAVE_PORT", "70000", "expected a whole number from 1 to 65535"),
        ("TWINWEAVE_GRAPH_STORE", "oracle", "expected one of memory, neo4j"),
        ("TWINWEAVE_KAFKA_TOPICS", " , ", "at least one entry"),
        ("TWINWEAVE_HISTORY_STORE", "postgres", "expected one of duckdb, questdb"),
        ("TWINWEAVE_QUESTDB_HTTP", "19000", "expected host:port"),
        ("TWINWEAVE_QUESTDB_PG", "localhost:port", "expected host:port"),
        ("TWINWEAVE_QUESTDB_PG", "localhost:70000", "expected host:port"),
        ("TWINWEAVE_NEO4J_NAMESPACE", "9lives", "expected a letter followed by"),
        ("TWINWEAVE_DATA_DIR", "x" * 5000, "expected at most 4096"),
    ],
)
def test_bad_values_name_the_variable_the_value_and_what_was_expected(
    name: str, value: str, expected: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({name: value})
    assert name in str(caught.value)
    assert expected in str(caught.value)


def test_an_unknown_twinweave_variable_is_refused_rather_than_ignored() -> None:
    with pytest.raises(ConfigError, match="TWINWEAVE_GRAPH_STOR"):
        load_settings({"TWINWEAVE_GRAPH_STOR": "neo4j"})


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("TWINWEAVE_GRAPH_STOR", "TWINWEAVE_GRAPH_STORE"),
        ("TWINWEAVE_PROT", "TWINWEAVE_PORT"),
        ("TWINWEAVE_NEO4J_URL", "TWINWEAVE_NEO4J_URI"),
        ("TWINWEAVE_QUESTDB_HTTPS", "TWINWEAVE_QUESTDB_HTTP"),
    ],
)
def test_a_misspelt_variable_is_told_the_name_it_nearly_is(typed: str, meant: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({typed: "x"})
    assert f"{typed!r}; did you mean {meant!r}?" in str(caught.value)


def test_a_name_near_none_is_given_the_whole_list_without_a_guess() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"TWINWEAVE_SOMETHING_ELSE": "x"})
    assert "did you mean" not in str(caught.value)
    assert "TWINWEAVE_PORT" in str(caught.value)


def test_other_variables_are_not_ours_to_judge() -> None:
    assert load_settings({"PATH": "/bin", "HOME": "/root"}).graph_store == "memory"


def test_variables_of_the_test_suite_and_dev_scripts_do_not_stop_the_cli() -> None:
    environ = {
        "TWINWEAVE_TEST_NEO4J_URI": "bolt://127.0.0.1:17687",
        "TWINWEAVE_SERVICES_KAFKA_PORT": "19092",
        "TWINWEAVE_SHARED_DIR": "/work/shared",
        "TWINWEAVE_DTDL_CASES": "/tmp/cases.jsonl",
    }
    assert load_settings(environ).graph_store == "memory"


def test_every_variable_has_a_default_and_a_help_text() -> None:
    for name, variable in ENVIRONMENT.items():
        assert name.startswith("TWINWEAVE_")
        assert variable.help


def readme_variables() -> set[str]:
    """The names in the README's Configuration table; ``/ _USER`` abbreviates a sibling."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    assert rows, "the README's Configuration section has a table of variables"
    names: set[str] = set()
    for row in rows:
        first_cell = row.split("|")[1]
        cells = [cell.strip(" `") for cell in first_cell.split("/")]
        names.add(cells[0])
        stem = cells[0].rsplit("_", 1)[0]
        names.update(stem + cell for cell in cells[1:])
    return names


def test_the_readme_table_lists_exactly_the_variables_the_settings_read() -> None:
    assert readme_variables() == set(ENVIRONMENT)


def test_help_lists_every_variable_and_says_where_the_mqtt_broker_settings_apply() -> None:
    text = environment_help()
    for name in ENVIRONMENT:
        assert f"  {name}\n" in text
        assert "not read yet" not in ENVIRONMENT[name].help
    for name in ("TWINWEAVE_MQTT_HOST", "TWINWEAVE_MQTT_PORT"):
        assert "--source mqtt`" in ENVIRONMENT[name].help
