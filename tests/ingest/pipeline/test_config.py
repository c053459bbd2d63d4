"""Loading a pipeline file: the schema, cross-checks, unit conversion, the mode table."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import yaml

from ingest.pipeline import PipelineError, SignalType, load_pipeline, pipeline_from_document
from tests.ingest.conftest import PIPELINE_DOC


def doc() -> dict[str, Any]:
    return copy.deepcopy(PIPELINE_DOC)


def test_yaml_and_json_give_the_same_pipeline() -> None:
    from_yaml = load_pipeline(yaml.safe_dump(PIPELINE_DOC, sort_keys=False))
    from_json = load_pipeline(json.dumps(PIPELINE_DOC).encode())
    assert from_yaml == from_json
    assert from_yaml.version == "test-1"
    assert from_yaml.namespaces == ("erp", "mac")
    assert from_yaml.freshness_s == {"plant": 30.0}


def test_sources_carry_their_unit_conversion() -> None:
    p = pipeline_from_document(doc())
    assert p.sources["speed"].scale == 1.0
    rps = p.sources["SPEED_RPS"]
    assert (rps.signal, rps.scale, rps.offset) == ("speed", 60.0, 0.0)
    f = p.sources["TEMP_F"]
    assert 212 * f.scale + f.offset == pytest.approx(100.0)


def test_the_mode_signal_is_added_as_text_and_the_table_is_data() -> None:
    p = pipeline_from_document(doc())
    spec = p.mode
    assert spec is not None
    assert {s.name: s.type for s in p.signals}["mode"] == SignalType.TEXT
    assert spec.symbols == ("fault", "clear", "turning", "still")
    state = {name: i for i, name in enumerate(spec.states)}
    symbol = {name: i for i, name in enumerate(spec.symbols)}
    assert spec.table[state["IDLE"], symbol["fault"]] == state["FAULT"]
    assert spec.table[state["FAULT"], symbol["turning"]] == state["FAULT"]  # unlisted: stays
    assert spec.table[state["RUNNING"], symbol["still"]] == state["IDLE"]


def set_at(document: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split("/")
    node: Any = document
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    node[int(last) if isinstance(node, list) else last] = value


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("version", 3, "at version: 3 is not of type 'string'"),
        ("signals/speed/type", "float", "at signals/speed/type"),
        ("signals/speed/range", [10, 1], "expected low <= high"),
        ("signals/speed/sources/0/unit", "degreeCelsius", "no conversion from 'degreeCelsius'"),
        ("signals/faultCode/sources", [{"name": "F", "unit": "bar"}], "has no unit"),
        ("signals/product/sources", [{"name": "SPEED_RPS"}], "feeds 'speed' already"),
        ("mode/initial", "ON", "'ON'; expected one of"),
        ("mode/rules/0/when", "colour", "'colour' is not a signal"),
        ("mode/rules/0/op", "in", "op 'in' takes a list"),
        ("mode/transitions/0/to", "BROKEN", "state 'BROKEN'"),
        ("mode/transitions/0/symbol", "explode", "symbol 'explode'"),
        ("time/max_future", -1, "at time/max_future"),
        ("surprise", True, "Additional properties are not allowed"),
    ],
)
def test_a_bad_pipeline_names_the_place_and_what_was_expected(
    path: str, value: Any, message: str
) -> None:
    document = doc()
    set_at(document, path, value)
    with pytest.raises(PipelineError, match="pipeline: ") as caught:
        pipeline_from_document(document)
    assert message in str(caught.value)


def test_the_mode_signal_must_be_text() -> None:
    document = doc()
    document["mode"]["signal"] = "speed"
    with pytest.raises(PipelineError, match="not a text signal"):
        pipeline_from_document(document)


@pytest.mark.parametrize("text", ["{", "- a\n b: [", "\x00"])
def test_text_that_is_not_yaml_is_refused(text: str) -> None:
    with pytest.raises(PipelineError):
        load_pipeline(text, where="plant.yaml")


def test_an_oversized_file_is_refused_before_parsing() -> None:
    with pytest.raises(PipelineError, match="bytes; expected at most"):
        load_pipeline("#" * (1 << 21))


def test_the_shipped_default_pipeline_loads() -> None:
    from ingest.pipeline import default_pipeline

    p = default_pipeline()
    assert p.mode is not None
    assert p.mode.states == ("STOP", "IDLE", "RUNNING", "FAULT")
    assert p.sources["pressure_psi"].signal == "pressure"
