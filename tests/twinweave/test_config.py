"""Settings from the environment: defaults, parsing and clear refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from twinweave._config import ENVIRONMENT, ConfigError, load_settings


def test_defaults_are_the_embedded_stores() -> None:
    settings = load_settings({})
    assert settings.graph_store == "memory"
    assert settings.history_store == "duckdb"
    assert settings.data_dir == Path(".twinweave")
    assert settings.port == 8000
    assert settings.kafka_topics == ("twinweave.telemetry",)


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
