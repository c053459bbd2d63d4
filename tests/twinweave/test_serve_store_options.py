"""``twinweave serve --exists-stale-ms`` and ``--model-recheck-ms``, and their variables.

Both are the Neo4j store's bounds on how stale an answer may be about another
process's writes; the CLI takes them from ``TWINWEAVE_NEO4J_EXISTS_STALE_MS`` and
``TWINWEAVE_NEO4J_MODEL_RECHECK_MS`` or from the options (which win, and are handed
down to ``--workers`` processes as those variables).
"""

from __future__ import annotations

import json
from contextlib import closing

import pytest

import ontology
from ontology import InvalidError, Neo4jStoreSettings, TwinSpec
from twinweave._config import (
    MAX_EXISTS_STALE_MS,
    MAX_MODEL_RECHECK_MS,
    MAX_RETRY_MS,
    ConfigError,
    environment_help,
    load_settings,
)
from twinweave.cli._load_run import open_store
from twinweave.cli._main import build_parser, main
from twinweave.cli._neo4j_store import neo4j_store_settings
from twinweave.cli._serve import with_store_options

WHO = "tester"


def _model(name: str) -> str:
    return json.dumps(
        {
            "@context": "dtmi:dtdl:context;3",
            "@id": f"dtmi:test:{name};1",
            "@type": "Interface",
            "contents": [{"@type": "Property", "name": "label", "schema": "string"}],
        }
    )


def test_the_variables_default_to_the_stores_defaults_and_are_parsed() -> None:
    defaults = load_settings({}).neo4j
    store = Neo4jStoreSettings(uri="bolt://127.0.0.1:1")
    assert (defaults.exists_stale_ms, defaults.model_recheck_ms, defaults.retry_ms) == (
        store.exists_stale_ms,
        store.model_recheck_ms,
        store.retry_ms,
    )
    config = load_settings(
        {
            "TWINWEAVE_NEO4J_EXISTS_STALE_MS": "0",
            "TWINWEAVE_NEO4J_MODEL_RECHECK_MS": " 2000 ",
            "TWINWEAVE_NEO4J_RETRY_MS": "3000",
        }
    ).neo4j
    assert (config.exists_stale_ms, config.model_recheck_ms, config.retry_ms) == (0, 2000, 3000)
    assert neo4j_store_settings(config).retry_ms == 3000  # handed to the store
    text = environment_help()
    assert "  TWINWEAVE_NEO4J_EXISTS_STALE_MS\n" in text
    assert "another process" in text


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("TWINWEAVE_NEO4J_EXISTS_STALE_MS", "-1", "from 0 to 10000"),
        ("TWINWEAVE_NEO4J_EXISTS_STALE_MS", "10001", "from 0 to 10000"),
        ("TWINWEAVE_NEO4J_EXISTS_STALE_MS", "0.5", "from 0 to 10000"),
        ("TWINWEAVE_NEO4J_EXISTS_STALE_MS", "\u00b2", "from 0 to 10000"),  # a digit, not ASCII
        ("TWINWEAVE_NEO4J_MODEL_RECHECK_MS", "60001", "from 0 to 60000"),
        ("TWINWEAVE_NEO4J_MODEL_RECHECK_MS", "soon", "from 0 to 60000"),
        ("TWINWEAVE_NEO4J_RETRY_MS", "600001", "from 0 to 600000"),
    ],
)
def test_a_bad_variable_is_refused_naming_it_the_value_and_the_range(
    name: str, raw: str, expected: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({name: raw})
    assert f"{name}={raw!r}" in str(caught.value)
    assert f"a whole number of ms {expected}" in str(caught.value)


def test_the_cli_bounds_are_the_stores() -> None:
    uri = "bolt://127.0.0.1:1"
    Neo4jStoreSettings(uri=uri, exists_stale_ms=MAX_EXISTS_STALE_MS)
    Neo4jStoreSettings(uri=uri, model_recheck_ms=MAX_MODEL_RECHECK_MS)
    with pytest.raises(InvalidError):
        Neo4jStoreSettings(uri=uri, exists_stale_ms=MAX_EXISTS_STALE_MS + 1)
    with pytest.raises(InvalidError):
        Neo4jStoreSettings(uri=uri, model_recheck_ms=MAX_MODEL_RECHECK_MS + 1)
    Neo4jStoreSettings(uri=uri, retry_ms=MAX_RETRY_MS)
    with pytest.raises(InvalidError, match="retry_ms is 600001; expected an integer from 0"):
        Neo4jStoreSettings(uri=uri, retry_ms=MAX_RETRY_MS + 1)


def test_serve_takes_the_options_and_says_what_the_bound_means(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = build_parser().parse_args(
        ["serve", "--exists-stale-ms", "0", "--model-recheck-ms", "2000"]
    )
    assert (args.exists_stale_ms, args.model_recheck_ms) == (0, 2000)
    args = build_parser().parse_args(["serve"])
    assert (args.exists_stale_ms, args.model_recheck_ms) == (None, None)
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--exists-stale-ms MS" in text
    assert "is seen by every request that begins this long after the write committed" in text
    assert "0 is strict (every check reads Neo4j). 0 to 10000" in text
    assert "--model-recheck-ms MS" in text


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--exists-stale-ms", "-5"], "--exists-stale-ms='-5' is not understood"),
        (["--exists-stale-ms", "20000"], "a whole number of ms from 0 to 10000"),
        (["--model-recheck-ms", "1e3"], "--model-recheck-ms='1e3' is not understood"),
        (["--model-recheck-ms", "60001"], "a whole number of ms from 0 to 60000"),
    ],
)
def test_a_bad_option_stops_serve_naming_it_the_value_and_the_range(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["serve", *argv])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {argv[0]}:" in err
    assert expected in err


def test_the_options_win_over_the_variables_and_are_handed_to_the_workers() -> None:
    settings = load_settings(
        {"TWINWEAVE_NEO4J_EXISTS_STALE_MS": "700", "TWINWEAVE_NEO4J_MODEL_RECHECK_MS": "800"}
    )
    environ: dict[str, str] = {}
    given = build_parser().parse_args(["serve", "--exists-stale-ms", "0"])
    chosen = with_store_options(settings, given, environ).neo4j
    assert (chosen.exists_stale_ms, chosen.model_recheck_ms) == (0, 800)
    assert environ == {"TWINWEAVE_NEO4J_EXISTS_STALE_MS": "0"}
    # what a --workers process reads back from its environment
    assert load_settings(environ).neo4j.exists_stale_ms == 0
    unchanged = with_store_options(settings, build_parser().parse_args(["serve"]), environ)
    assert unchanged.neo4j == settings.neo4j


@pytest.mark.neo4j
def test_the_options_reach_the_neo4j_store(neo4j_uri: str, neo4j_namespace: str) -> None:
    """With both bounds 0, another store's delete and model upload are seen at once (with
    the default 500 ms the first would be answered from the kept existence)."""
    environ = {
        "TWINWEAVE_GRAPH_STORE": "neo4j",
        "TWINWEAVE_NEO4J_URI": neo4j_uri,
        "TWINWEAVE_NEO4J_NAMESPACE": neo4j_namespace,
    }
    args = build_parser().parse_args(["serve", "--exists-stale-ms", "0", "--model-recheck-ms", "0"])
    settings = with_store_options(load_settings(environ), args)
    other = ontology.Neo4jStore(Neo4jStoreSettings(uri=neo4j_uri, namespace=neo4j_namespace))
    with closing(other), closing(open_store(settings, dry_run=False)) as served:
        assert isinstance(served, ontology.Neo4jStore)
        assert (served.settings.exists_stale_ms, served.settings.model_recheck_ms) == (0, 0)
        other.add_models([_model("Thing")], principal=WHO)
        other.upsert_twins([TwinSpec("a", "dtmi:test:Thing;1")], principal=WHO)
        assert served.twins_exist(["a"]) == (True,)
        assert "dtmi:test:Thing;1" in served.model_set()
        other.delete_twin("a", etag=None, principal=WHO)
        other.add_models([_model("Other")], principal=WHO)
        assert served.twins_exist(["a"]) == (False,)
        assert "dtmi:test:Other;1" in served.model_set()
