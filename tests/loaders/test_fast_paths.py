"""The shortcuts a large load takes give what the plain paths give: values, reasons, state."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest

from loaders import LoaderError, load_paths
from loaders._read_adt import _parse
from ontology import MemoryStore, Model, StoreUnavailableError
from tests.loaders._plant import MACHINE
from tests.loaders.conftest import Write

LINES = [
    '{"a": 1}',
    '  {"a": 1}',
    '{"a": 1}  ',
    '{"a": 1}\r',
    '{"a": 1} \t\r\n',
    '{"a": 1}\x0b',
    '{"a": 1} \u00a0',
    '{"a": [1, 2.5, true, null, "x\\u00e9"]}',
    "[1, 2]",
    "7",
    '"text"',
    "{not json",
    '{"a": 1} {"b": 2}',
    '{"a": 1},',
    "",
    "   ",
    '{"a": NaN}',
    '{"a": 1',
]


@pytest.mark.parametrize("line", LINES)
def test_a_line_parses_as_json_loads_parses_it(line: str) -> None:
    try:
        expected: object = json.loads(line)
    except ValueError as err:
        with pytest.raises(ValueError) as got:
            _parse(line)
        assert str(got.value) == str(err)
    else:
        assert json.dumps(_parse(line)) == json.dumps(expected)  # (NaN is not equal to itself)


def test_crlf_lines_and_odd_keys_are_read_as_before(
    store: MemoryStore, models: Path, write: Write
) -> None:
    lines = [
        '{"Section": "Twins"}',
        json.dumps({"$dtId": "p/a", "$metadata": {"$model": MACHINE}, "manufacturer": "K"}),
        json.dumps({"$dtId": "p/b", "$metadata": {"$model": MACHINE}, "$zz": 1, "$colour": 2}),
        json.dumps({"$dtId": "p/c", "$metadata": {"$model": MACHINE}, "$aliases": {"erp": ""}}),
        json.dumps({"$dtId": "p/d", "$metadata": {"$model": MACHINE}, "$lifecycle": "gone"}),
        '{"Section": "Relationships"}',
        json.dumps({"$dtId": "p/a", "$targetId": "p/a2", "$relationshipName": "x", "$q": 1}),
    ]
    path = write("g.ndjson", "\r\n".join(lines) + "\r\n")
    report = load_paths([models, path], store)
    by_line = {r.line: r.reason for r in report.rejections}
    assert sorted(line or 0 for line in by_line) == [3, 4, 5, 7], report.as_text()
    assert "key '$colour' is not understood" in by_line[3]  # the first unknown key in order
    assert "alias erp=''" in by_line[4]
    assert "lifecycle 'gone'" in by_line[5]
    assert "relationship key '$q'" in by_line[7]
    assert dict(store.get_twin("p/a").properties) == {"manufacturer": "K"}


def test_the_collector_runs_again_after_a_load(store: MemoryStore, models: Path) -> None:
    assert gc.isenabled()
    load_paths([models], store)
    assert gc.isenabled()
    with pytest.raises(LoaderError):
        load_paths([models / "nowhere.json"], store)
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off(store: MemoryStore, models: Path) -> None:
    gc.disable()
    try:
        load_paths([models], store)
        assert not gc.isenabled()
    finally:
        gc.enable()


class _Gone(MemoryStore):
    def list_models(self) -> tuple[Model, ...]:
        msg = "no store here"
        raise StoreUnavailableError(msg)


def test_the_collector_runs_again_after_an_unreachable_store(models: Path) -> None:
    with pytest.raises(LoaderError, match="unavailable"):
        load_paths([models], _Gone())
    assert gc.isenabled()


def _twin_line(**properties: object) -> str:
    return json.dumps({"$dtId": "p/m", "$metadata": {"$model": MACHINE}, **properties})


def test_later_loads_merge_into_stored_properties_and_components(
    store: MemoryStore, models: Path, write: Write
) -> None:
    first = _twin_line(manufacturer="K", nameplate={"$metadata": {}, "ratedVoltage": 400.0})
    second = _twin_line(nameplate={"yearOfConstruction": 2018})
    third = _twin_line(ratedPower=7.5)
    for n, line in enumerate((first, second, third)):
        path = write(f"g{n}.ndjson", '{"Section": "Twins"}\n' + line + "\n")
        report = load_paths([models, path], store)
        assert report.ok, report.as_text()
        assert report.twins.created + report.twins.updated == 1
    assert dict(store.get_twin("p/m").properties) == {
        "manufacturer": "K",
        "ratedPower": 7.5,
        "nameplate": {"ratedVoltage": 400.0, "yearOfConstruction": 2018},
    }
    again = load_paths([models, path], store)
    assert again.twins.unchanged == 1
