"""The pipeline's `features` and `derived` sections: what they add, what they refuse."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ingest.pipeline import PipelineError, SignalType, pipeline_from_document
from ingest.pipeline._derived_config import longest_prefix
from tests.ingest.conftest import PIPELINE_DOC


def full_doc() -> dict[str, Any]:
    doc = copy.deepcopy(PIPELINE_DOC)
    doc["signals"]["vibration"] = {"range": [-1000, 1000]}
    doc["signals"]["goodCount"] = {"range": [0, None]}
    doc["features"] = {"vibration": {"window": 0.5, "emit": ["rms", "kurtosis"]}}
    doc["derived"] = {
        "day": {"timezone": "Europe/Berlin", "sites": {"line/l1": "Asia/Jakarta"}},
        "oee": {"good": "goodCount", "ideal_rate": 60},
        "faults": {"raise": "faultCode"},
    }
    return doc


def test_every_derived_signal_becomes_a_signal_of_the_pipeline() -> None:
    pipeline = pipeline_from_document(full_doc())
    types = {s.name: s.type for s in pipeline.signals}
    derived = {
        "vibration.rms": SignalType.NUMBER,
        "vibration.kurtosis": SignalType.NUMBER,
        "uptimeToday": SignalType.NUMBER,  # OEE's running time: always with it
        "oee": SignalType.NUMBER,
        "oee.availability": SignalType.NUMBER,
        "oee.planned": SignalType.NUMBER,
        "activeFaults": SignalType.TEXT,
    }
    assert derived.items() <= types.items()
    assert "vibration.peak" not in types
    assert not set(derived) & set(pipeline.sources)  # no raw name feeds them
    assert pipeline.derived is not None
    assert pipeline.derived.day.sites == (("line/l1", "Asia/Jakarta"),)
    assert pipeline.derived.oee is not None
    assert pipeline.derived.oee.planned == ("IDLE", "RUNNING", "FAULT")


def test_a_site_prefix_matches_whole_levels_of_a_twin_id() -> None:
    table = (("acme/jkt1/packaging", "B"), ("acme/jkt1", "A"))
    assert longest_prefix("acme/jkt1/packaging/line1", table, "UTC") == "B"
    assert longest_prefix("acme/jkt1/machining", table, "UTC") == "A"
    assert longest_prefix("acme/jkt1", table, "UTC") == "A"
    assert longest_prefix("acme/jkt10/x", table, "UTC") == "UTC"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["features"].update({"product": {"window": 1}}), r"at features/product: "),
        (lambda d: d["features"]["vibration"].update({"window": 0}), r"at features/vibration/w"),
        (lambda d: d["features"]["vibration"].update({"emit": ["mean"]}), r"features/vibration/e"),
        (
            lambda d: d["derived"]["day"].update({"timezone": "Mars/Olympus"}),
            r"derived/day/timezone: time zone 'Mars/Olympus' is unknown",
        ),
        (
            lambda d: d["derived"]["day"].update({"sites": {"line/l1": "Nowhere"}}),
            r"derived/day/sites/line/l1: time zone 'Nowhere'",
        ),
        (
            lambda d: d["derived"].update({"uptime": {"states": ["SPINNING"]}}),
            r"derived/uptime/states: state 'SPINNING'; expected one of",
        ),
        (
            lambda d: d["derived"]["oee"].update({"good": "product"}),
            r"derived/oee/good: 'product' is not a number signal",
        ),
        (lambda d: d["derived"]["oee"].update({"ideal_rate": 0}), r"at derived/oee/ideal_rate"),
        (lambda d: d["derived"]["oee"].update({"running": ["RUNNING"]}), r"at derived/oee: "),
        (
            lambda d: d["derived"]["faults"].update({"clear": "nothing"}),
            r"derived/faults/clear: 'nothing' is not a number signal",
        ),
        (lambda d: d.pop("mode"), r"derived/oee/planned: needs the mode machine"),
        (
            lambda d: d["signals"].update({"oee": {"type": "number"}}),
            r"signals/oee: 'oee' is a derived signal; expected it unlisted",
        ),
    ],
)
def test_a_bad_section_names_the_place_and_what_was_expected(change: Any, message: str) -> None:
    doc = full_doc()
    change(doc)
    with pytest.raises(PipelineError, match=message):
        pipeline_from_document(doc)
