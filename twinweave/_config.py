"""Settings from the environment: the only module that reads ``os.environ``.

Every variable the project understands is listed in :data:`ENVIRONMENT`, with
its default and meaning; ``docker-compose.yml`` and the README use exactly these
names (a test checks the compose file against this table).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


class ConfigError(ValueError):
    """An environment variable holds a value the settings cannot take."""


@dataclass(frozen=True, slots=True)
class Variable:
    """One environment variable: its default and what it sets."""

    default: str
    help: str


ENVIRONMENT: Mapping[str, Variable] = {
    "TWINWEAVE_DATA_DIR": Variable(".twinweave", "where embedded stores keep their files"),
    "TWINWEAVE_HOST": Variable("127.0.0.1", "address the HTTP server binds"),
    "TWINWEAVE_PORT": Variable("8000", "port the HTTP server binds"),
    "TWINWEAVE_LOG_LEVEL": Variable("info", "debug, info, warning or error"),
    "TWINWEAVE_GRAPH_STORE": Variable("memory", "graph store: memory (embedded) or neo4j"),
    "TWINWEAVE_NEO4J_URI": Variable("bolt://127.0.0.1:7687", "Bolt address of Neo4j"),
    "TWINWEAVE_NEO4J_USER": Variable("", "Neo4j user; empty for no authentication"),
    "TWINWEAVE_NEO4J_PASSWORD": Variable("", "Neo4j password"),
    "TWINWEAVE_NEO4J_DATABASE": Variable("neo4j", "Neo4j database name"),
    "TWINWEAVE_HISTORY_STORE": Variable("duckdb", "history store: duckdb (embedded) or postgres"),
    "TWINWEAVE_POSTGRES_DSN": Variable(
        "postgresql://twinweave@127.0.0.1:5432/twinweave", "PostgreSQL connection string"
    ),
    "TWINWEAVE_KAFKA_BOOTSTRAP": Variable("127.0.0.1:9092", "Kafka bootstrap servers"),
    "TWINWEAVE_KAFKA_TOPICS": Variable("twinweave.telemetry", "comma-separated telemetry topics"),
    "TWINWEAVE_KAFKA_GROUP": Variable("twinweave-ingest", "Kafka consumer group of the worker"),
    "TWINWEAVE_MQTT_HOST": Variable("127.0.0.1", "MQTT broker host"),
    "TWINWEAVE_MQTT_PORT": Variable("1883", "MQTT broker port"),
    "TWINWEAVE_MQTT_TOPICS": Variable("spBv1.0/#", "comma-separated MQTT subscriptions"),
}

# Names under these prefixes belong to the test suite and the dev scripts, not the server.
_NOT_RUNTIME_PREFIXES = (
    "TWINWEAVE_TEST_",
    "TWINWEAVE_SERVICES_",
    "TWINWEAVE_SHARED_DIR",
    "TWINWEAVE_DTDL_CASES",
)

_GRAPH_STORES = ("memory", "neo4j")
_HISTORY_STORES = ("duckdb", "postgres")
_LOG_LEVELS = ("debug", "info", "warning", "error")


@dataclass(frozen=True, slots=True)
class Neo4jSettings:
    uri: str
    user: str
    password: str
    database: str


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the CLI reads from the environment, typed."""

    data_dir: Path
    host: str
    port: int
    log_level: str
    graph_store: str
    neo4j: Neo4jSettings
    history_store: str
    postgres_dsn: str
    kafka_bootstrap: str
    kafka_topics: tuple[str, ...]
    kafka_group: str
    mqtt_host: str
    mqtt_port: int
    mqtt_topics: tuple[str, ...]


def _get(environ: Mapping[str, str], name: str) -> str:
    return environ.get(name, ENVIRONMENT[name].default)


def _choice(environ: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str:
    value = _get(environ, name).strip().lower()
    if value not in allowed:
        msg = f"{name}={value!r} is not understood; expected one of {', '.join(allowed)}"
        raise ConfigError(msg)
    return value


def _port(environ: Mapping[str, str], name: str) -> int:
    raw = _get(environ, name).strip()
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        msg = f"{name}={raw!r} is not a port; expected a whole number from 1 to 65535"
        raise ConfigError(msg)
    return int(raw)


def _list(environ: Mapping[str, str], name: str) -> tuple[str, ...]:
    items = tuple(part.strip() for part in _get(environ, name).split(",") if part.strip())
    if not items:
        msg = f"{name} is empty; expected a comma-separated list with at least one entry"
        raise ConfigError(msg)
    return items


def load_settings(environ: Mapping[str, str]) -> Settings:
    """Build :class:`Settings` from ``environ``; unknown ``TWINWEAVE_*`` names are refused."""
    unknown = sorted(
        k
        for k in environ
        if k.startswith("TWINWEAVE_")
        and k not in ENVIRONMENT
        and not k.startswith(_NOT_RUNTIME_PREFIXES)
    )
    if unknown:
        msg = (
            f"unknown environment variable {unknown[0]!r}; "
            f"expected one of: {', '.join(sorted(ENVIRONMENT))}"
        )
        raise ConfigError(msg)
    return Settings(
        data_dir=Path(_get(environ, "TWINWEAVE_DATA_DIR")),
        host=_get(environ, "TWINWEAVE_HOST"),
        port=_port(environ, "TWINWEAVE_PORT"),
        log_level=_choice(environ, "TWINWEAVE_LOG_LEVEL", _LOG_LEVELS),
        graph_store=_choice(environ, "TWINWEAVE_GRAPH_STORE", _GRAPH_STORES),
        neo4j=Neo4jSettings(
            uri=_get(environ, "TWINWEAVE_NEO4J_URI"),
            user=_get(environ, "TWINWEAVE_NEO4J_USER"),
            password=_get(environ, "TWINWEAVE_NEO4J_PASSWORD"),
            database=_get(environ, "TWINWEAVE_NEO4J_DATABASE"),
        ),
        history_store=_choice(environ, "TWINWEAVE_HISTORY_STORE", _HISTORY_STORES),
        postgres_dsn=_get(environ, "TWINWEAVE_POSTGRES_DSN"),
        kafka_bootstrap=_get(environ, "TWINWEAVE_KAFKA_BOOTSTRAP"),
        kafka_topics=_list(environ, "TWINWEAVE_KAFKA_TOPICS"),
        kafka_group=_get(environ, "TWINWEAVE_KAFKA_GROUP"),
        mqtt_host=_get(environ, "TWINWEAVE_MQTT_HOST"),
        mqtt_port=_port(environ, "TWINWEAVE_MQTT_PORT"),
        mqtt_topics=_list(environ, "TWINWEAVE_MQTT_TOPICS"),
    )
