"""Settings from the environment: the only module that reads ``os.environ``.

Every variable the project understands is listed in :data:`ENVIRONMENT`, with
its default and meaning; ``docker-compose.yml`` and the README use exactly these
names (tests check both against this table). Each is parsed into a typed,
validated field of :class:`Settings`; passwords never appear in a repr.
"""

from __future__ import annotations

import difflib
import re
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field
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
    "TWINWEAVE_NEO4J_URI": Variable("bolt://127.0.0.1:17687", "Bolt address of Neo4j"),
    "TWINWEAVE_NEO4J_USER": Variable("", "Neo4j user; empty for no authentication"),
    "TWINWEAVE_NEO4J_PASSWORD": Variable("", "Neo4j password"),
    "TWINWEAVE_NEO4J_DATABASE": Variable("neo4j", "Neo4j database name"),
    "TWINWEAVE_NEO4J_NAMESPACE": Variable(
        "tw", "label prefix of everything Twinweave writes to Neo4j"
    ),
    "TWINWEAVE_NEO4J_EXISTS_STALE_MS": Variable(
        "500",
        "how stale, in ms, an answer to whether a twin exists may be about another "
        "process's writes (a second server process, a loader on the same Neo4j): a twin it "
        "creates or deletes is seen by every request that begins this long after the write "
        "committed; this process's own writes at once; 0 is strict (every check reads Neo4j); "
        "0 to 10000",
    ),
    "TWINWEAVE_NEO4J_MODEL_RECHECK_MS": Variable(
        "500",
        "how stale, in ms, the models and rollup definitions a request reads may be about "
        "another process's uploads and deletes: they are seen this long after; this "
        "process's own at once; 0 reads the models' counter on every request; 0 to 60000",
    ),
    "TWINWEAVE_NEO4J_RETRY_MS": Variable(
        "15000",
        "how long, in ms, a Neo4j transaction that failed transiently (Neo4j restarting, a "
        "leader switch, a deadlock) is run again before the call fails as 'Neo4j unavailable' "
        "(the ingest worker then backs off and tries the batch again); 0 tries once; "
        "0 to 600000",
    ),
    "TWINWEAVE_HISTORY_STORE": Variable("duckdb", "history store: duckdb (embedded) or questdb"),
    "TWINWEAVE_QUESTDB_HTTP": Variable(
        "127.0.0.1:19000", "QuestDB HTTP address, host:port (ILP ingestion)"
    ),
    "TWINWEAVE_QUESTDB_PG": Variable(
        "127.0.0.1:18812", "QuestDB PostgreSQL-wire address, host:port (queries)"
    ),
    "TWINWEAVE_QUESTDB_USER": Variable("admin", "QuestDB user"),
    "TWINWEAVE_QUESTDB_PREFIX": Variable(
        "tw", "prefix of every table Twinweave writes to QuestDB ({prefix}_samples, ...)"
    ),
    "TWINWEAVE_QUESTDB_PASSWORD": Variable("quest", "QuestDB password"),
    "TWINWEAVE_KAFKA_BOOTSTRAP": Variable("127.0.0.1:19092", "Kafka bootstrap servers"),
    "TWINWEAVE_KAFKA_TOPICS": Variable("twinweave.telemetry", "comma-separated telemetry topics"),
    "TWINWEAVE_KAFKA_GROUP": Variable("twinweave-ingest", "Kafka consumer group of the worker"),
    "TWINWEAVE_CHANGE_FEED": Variable(
        "",
        "change feed on Kafka, kafka://HOST:PORT/TOPIC: `ingest` publishes what each commit "
        "changed, `serve` reads it for subscriptions; empty for none",
    ),
    "TWINWEAVE_MQTT_HOST": Variable(
        "127.0.0.1", "MQTT broker host of `twinweave ingest --source mqtt` (no URL)"
    ),
    "TWINWEAVE_MQTT_PORT": Variable(
        "18830", "MQTT broker port of `twinweave ingest --source mqtt` (no URL)"
    ),
    "TWINWEAVE_MQTT_TOPICS": Variable(
        "spBv1.0/#", "comma-separated MQTT subscriptions of `twinweave ingest --source mqtt://`"
    ),
}

# Names under these prefixes belong to the test suite and the dev scripts, not the server.
_NOT_RUNTIME_PREFIXES = (
    "TWINWEAVE_TEST_",
    "TWINWEAVE_SERVICES_",
    "TWINWEAVE_SHARED_DIR",
    "TWINWEAVE_DTDL_CASES",
)

_GRAPH_STORES = ("memory", "neo4j")
_HISTORY_STORES = ("duckdb", "questdb")
_LOG_LEVELS = ("debug", "info", "warning", "error")
_NAMESPACE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,30}")
MAX_VALUE_CHARS = 4096
MAX_EXISTS_STALE_MS = 10_000
"""The largest ``exists_stale_ms`` (the Neo4j store's own bound; a test checks they agree)."""
MAX_MODEL_RECHECK_MS = 60_000
"""The largest ``model_recheck_ms`` (the Neo4j store's own bound; a test checks they agree)."""
MAX_RETRY_MS = 600_000
"""The largest ``retry_ms`` (the Neo4j store's own bound; a test checks they agree)."""


@dataclass(frozen=True, slots=True)
class Neo4jSettings:
    uri: str
    user: str
    password: str = field(repr=False)
    database: str
    namespace: str
    exists_stale_ms: int = 500
    """How stale an existence answer may be about another process's writes (0: strict)."""
    model_recheck_ms: int = 500
    """How stale the models and rollup definitions may be about another process's changes."""
    retry_ms: int = 15_000
    """How long a transaction that failed transiently is run again before the call fails."""


@dataclass(frozen=True, slots=True)
class QuestDBSettings:
    """Where the QuestDB history store connects: HTTP for ILP writes, PG wire for queries."""

    http_host: str
    http_port: int
    pg_host: str
    pg_port: int
    user: str
    password: str = field(repr=False)
    prefix: str = "tw"


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
    questdb: QuestDBSettings
    kafka_bootstrap: str
    kafka_topics: tuple[str, ...]
    kafka_group: str
    change_feed: str
    mqtt_host: str
    mqtt_port: int
    mqtt_topics: tuple[str, ...]


def _get(environ: Mapping[str, str], name: str) -> str:
    value = environ.get(name, ENVIRONMENT[name].default)
    if len(value) > MAX_VALUE_CHARS:
        msg = f"{name} is {len(value)} characters long; expected at most {MAX_VALUE_CHARS}"
        raise ConfigError(msg)
    return value


def _choice(environ: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str:
    value = _get(environ, name).strip().lower()
    if value not in allowed:
        msg = f"{name}={value!r} is not understood; expected one of {', '.join(allowed)}"
        raise ConfigError(msg)
    return value


MAX_PORT = 65535


def is_port(raw: str) -> bool:
    """Whether ``raw`` is a TCP port: a whole number from 1 to ``MAX_PORT``."""
    return raw.isdigit() and 0 < int(raw) <= MAX_PORT


def _port_number(name: str, raw: str) -> int:
    if not is_port(raw):
        msg = f"{name}={raw!r} is not a port; expected a whole number from 1 to 65535"
        raise ConfigError(msg)
    return int(raw)


def _port(environ: Mapping[str, str], name: str) -> int:
    return _port_number(name, _get(environ, name).strip())


def _address(environ: Mapping[str, str], name: str) -> tuple[str, int]:
    raw = _get(environ, name).strip()
    host, sep, port = raw.rpartition(":")
    if not sep or not host or not is_port(port):
        msg = f"{name}={raw!r} is not an address; expected host:port, e.g. 127.0.0.1:19000"
        raise ConfigError(msg)
    return host, int(port)


def _list(environ: Mapping[str, str], name: str) -> tuple[str, ...]:
    items = tuple(part.strip() for part in _get(environ, name).split(",") if part.strip())
    if not items:
        msg = f"{name} is empty; expected a comma-separated list with at least one entry"
        raise ConfigError(msg)
    return items


def _namespace(environ: Mapping[str, str], name: str) -> str:
    value = _get(environ, name).strip()
    if not _NAMESPACE.fullmatch(value):
        msg = (
            f"{name}={value!r} is not a namespace; expected a letter followed by up to 30 "
            "letters, digits or underscores"
        )
        raise ConfigError(msg)
    return value


def milliseconds(name: str, raw: str, most: int) -> int:
    """``raw`` as a whole number of milliseconds from 0 to ``most``; ``name`` (the variable or
    the option it came from) is named in the error."""
    value = raw.strip()
    if not (value.isascii() and value.isdigit()) or int(value) > most:
        msg = f"{name}={raw!r} is not understood; expected a whole number of ms from 0 to {most}"
        raise ConfigError(msg)
    return int(value)


def _neo4j(environ: Mapping[str, str]) -> Neo4jSettings:
    return Neo4jSettings(
        uri=_get(environ, "TWINWEAVE_NEO4J_URI"),
        user=_get(environ, "TWINWEAVE_NEO4J_USER"),
        password=_get(environ, "TWINWEAVE_NEO4J_PASSWORD"),
        database=_get(environ, "TWINWEAVE_NEO4J_DATABASE"),
        namespace=_namespace(environ, "TWINWEAVE_NEO4J_NAMESPACE"),
        exists_stale_ms=milliseconds(
            "TWINWEAVE_NEO4J_EXISTS_STALE_MS",
            _get(environ, "TWINWEAVE_NEO4J_EXISTS_STALE_MS"),
            MAX_EXISTS_STALE_MS,
        ),
        model_recheck_ms=milliseconds(
            "TWINWEAVE_NEO4J_MODEL_RECHECK_MS",
            _get(environ, "TWINWEAVE_NEO4J_MODEL_RECHECK_MS"),
            MAX_MODEL_RECHECK_MS,
        ),
        retry_ms=milliseconds(
            "TWINWEAVE_NEO4J_RETRY_MS", _get(environ, "TWINWEAVE_NEO4J_RETRY_MS"), MAX_RETRY_MS
        ),
    )


def _questdb(environ: Mapping[str, str]) -> QuestDBSettings:
    http_host, http_port = _address(environ, "TWINWEAVE_QUESTDB_HTTP")
    pg_host, pg_port = _address(environ, "TWINWEAVE_QUESTDB_PG")
    return QuestDBSettings(
        http_host=http_host,
        http_port=http_port,
        pg_host=pg_host,
        pg_port=pg_port,
        user=_get(environ, "TWINWEAVE_QUESTDB_USER"),
        password=_get(environ, "TWINWEAVE_QUESTDB_PASSWORD"),
        prefix=_namespace(environ, "TWINWEAVE_QUESTDB_PREFIX"),
    )


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
        near = difflib.get_close_matches(unknown[0], ENVIRONMENT, n=1, cutoff=0.8)
        guess = f"did you mean {near[0]!r}? " if near else ""
        msg = (
            f"unknown environment variable {unknown[0]!r}; {guess}"
            f"expected one of: {', '.join(sorted(ENVIRONMENT))}"
        )
        raise ConfigError(msg)
    return Settings(
        data_dir=Path(_get(environ, "TWINWEAVE_DATA_DIR")),
        host=_get(environ, "TWINWEAVE_HOST"),
        port=_port(environ, "TWINWEAVE_PORT"),
        log_level=_choice(environ, "TWINWEAVE_LOG_LEVEL", _LOG_LEVELS),
        graph_store=_choice(environ, "TWINWEAVE_GRAPH_STORE", _GRAPH_STORES),
        neo4j=_neo4j(environ),
        history_store=_choice(environ, "TWINWEAVE_HISTORY_STORE", _HISTORY_STORES),
        questdb=_questdb(environ),
        kafka_bootstrap=_get(environ, "TWINWEAVE_KAFKA_BOOTSTRAP"),
        kafka_topics=_list(environ, "TWINWEAVE_KAFKA_TOPICS"),
        kafka_group=_get(environ, "TWINWEAVE_KAFKA_GROUP"),
        change_feed=_get(environ, "TWINWEAVE_CHANGE_FEED"),
        mqtt_host=_get(environ, "TWINWEAVE_MQTT_HOST"),
        mqtt_port=_port(environ, "TWINWEAVE_MQTT_PORT"),
        mqtt_topics=_list(environ, "TWINWEAVE_MQTT_TOPICS"),
    )


def environment_help(width: int = 79) -> str:
    """The variables with their meanings and defaults, wrapped for ``--help``."""
    indent = " " * 4
    body = {
        name: f"{var.help}; default {var.default or 'empty'}" for name, var in ENVIRONMENT.items()
    }
    return "\n".join(
        f"  {name}\n" + textwrap.fill(text, width, initial_indent=indent, subsequent_indent=indent)
        for name, text in body.items()
    )
