"""Bad input: every kind of bad row is rejected with its file, line and reason; files too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loaders import LoaderError, LoadLimits, LoadReport, RowRejection, load_paths
from ontology import MemoryStore
from tests.loaders._plant import MACHINE, MACHINES_CSV
from tests.loaders.conftest import Write

HEAD = "id,model,parent,ratedPower\n"


def _only(report: LoadReport) -> RowRejection:
    assert len(report.rejections) == 1, report.as_text()
    return report.rejections[0]


def _csv(store: MemoryStore, models: Path, write: Write, body: str) -> RowRejection:
    path = write("rows.csv", HEAD + f"p/ok,{MACHINE},,1.5\n" + body)
    report = load_paths([models, path], store)
    rejection = _only(report)
    assert rejection.file == str(path)
    assert rejection.line == 3
    assert store.get_twin("p/ok").properties == {"ratedPower": 1.5}  # the good row loaded
    return rejection


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (f"p/x,{MACHINE},,1.5,extra\n", ["5 fields", "header has 4"]),
        ("p/x,dtmi:nowhere:Thing;1,,\n", ["model 'dtmi:nowhere:Thing;1' is not known"]),
        (f"p/x,{MACHINE},,fast\n", ["ratedPower", "'fast' is not a double"]),
        (f"p/x,{MACHINE},p/nowhere,\n", ["dangling parent 'p/nowhere'"]),
        ("p/x,,,\n", ["is new and the row names no model"]),
        (f"p/x,{MACHINE},p/x,\n", ["to itself"]),
        (f'"p/x,{MACHINE},,1\n', ["malformed CSV record"]),
    ],
    ids=[
        "field-count",
        "unknown-model",
        "type-mismatch",
        "dangling-parent",
        "no-model",
        "self-parent",
        "unclosed-quote",
    ],
)
def test_bad_csv_rows(
    store: MemoryStore, models: Path, write: Write, body: str, words: list[str]
) -> None:
    rejection = _csv(store, models, write, body)
    for word in words:
        assert word in rejection.reason


def test_unknown_property_and_telemetry(store: MemoryStore, models: Path, write: Write) -> None:
    path = write(
        "rows.csv",
        f"id,model,colour,temperature\np/a,{MACHINE},red,\np/b,{MACHINE},,21.5\n",
    )
    report = load_paths([models, path], store)
    first, second = report.rejections
    assert (first.line, second.line) == (2, 3)
    assert "has no property 'colour'" in first.reason
    assert "Telemetry" in second.reason


def test_yaml_value_of_the_wrong_type(store: MemoryStore, models: Path, write: Write) -> None:
    text = (
        "twins:\n"
        f"  - id: p/a\n    model: '{MACHINE}'\n    properties: {{ratedPower: high}}\n"
        f"  - id: p/b\n    model: '{MACHINE}'\n    properties: {{criticality: extreme}}\n"
        f"  - id: p/c\n    model: '{MACHINE}'\n    colour: red\n"
    )
    path = write("plant.yaml", text)
    report = load_paths([models, path], store)
    lines = [(r.line, r.reason) for r in report.rejections]
    assert [line for line, _ in lines] == [2, 5, 8]
    assert "ratedPower" in lines[0][1]
    assert "criticality" in lines[1][1]
    assert "'colour' is not understood" in lines[2][1]


def test_duplicate_alias_names_the_other_twin(
    store: MemoryStore, models: Path, write: Write
) -> None:
    assert load_paths([models, write("m.csv", MACHINES_CSV)], store).ok
    path = write("dup.csv", f"id,model,alias:erp\np/other,{MACHINE},EQ-1\n")
    rejection = _only(load_paths([path], store))
    assert (rejection.file, rejection.line) == (str(path), 2)
    assert "alias erp='EQ-1' already names twin 'p/m1'" in rejection.reason
    assert store.get_twins(["p/other"]) == (None,)


def test_duplicate_alias_within_one_load(store: MemoryStore, models: Path, write: Write) -> None:
    path = write("dup.csv", f"id,model,alias:mac\np/a,{MACHINE},aa\np/b,{MACHINE},aa\n")
    rejection = _only(load_paths([models, path], store))
    assert rejection.line == 3
    assert "already names twin 'p/a'" in rejection.reason


def test_cycle_is_rejected_by_the_store_at_the_row(
    store: MemoryStore, models: Path, write: Write
) -> None:
    path = write(
        "cycle.csv",
        f"id,model,parent\np/a,{MACHINE},p/c\np/b,{MACHINE},p/a\np/c,{MACHINE},p/b\n",
    )
    report = load_paths([models, path], store)
    assert report.rejections, report.as_text()
    assert all(r.file == str(path) and r.line in (2, 3, 4) for r in report.rejections)
    assert any("cycle" in r.reason for r in report.rejections)
    assert report.twins.created == 3


def test_max_multiplicity_is_enforced(store: MemoryStore, models: Path, write: Write) -> None:
    path = write(
        "feeds.csv",
        f"id,model,rel:feeds\np/a,{MACHINE},p/b;p/c;p/d\np/b,{MACHINE},\n"
        f"p/c,{MACHINE},\np/d,{MACHINE},\n",
    )
    report = load_paths([models, path], store)
    rejection = _only(report)
    assert rejection.line == 2
    assert "at most 2" in rejection.reason
    assert len(store.edges_from("p/a", "feeds")) == 2


def test_bad_twin_id_is_rejected_and_its_children_with_it(
    store: MemoryStore, models: Path, write: Write
) -> None:
    path = write("ids.csv", f"id,model,parent\nbad id!,{MACHINE},\np/child,{MACHINE},bad id!\n")
    report = load_paths([models, path], store)
    by_line = {r.line: r.reason for r in report.rejections}
    assert "path-like" in by_line[2]
    assert "was rejected" in by_line[3]


def test_bad_ndjson_lines(store: MemoryStore, models: Path, write: Write) -> None:
    text = "\n".join(
        [
            '{"$dtId": "early"}',
            '{"Section": "Twins"}',
            "{not json",
            "[1, 2]",
            '{"$metadata": {"$model": "x"}}',
            json.dumps({"$dtId": "a", "$metadata": {"$model": MACHINE}, "$colour": 1}),
            json.dumps({"$dtId": "b", "$metadata": {"$model": MACHINE}}),
            '{"Section": "Relationships"}',
            '{"$dtId": "b", "$targetId": "nowhere", "$relationshipName": "contains"}',
            '{"$dtId": "b", "$relationshipName": "contains"}',
        ]
    )
    path = write("g.ndjson", text)
    report = load_paths([models, path], store)
    by_line = {r.line: r.reason for r in report.rejections}
    assert sorted(line or 0 for line in by_line) == [1, 3, 4, 5, 6, 9, 10]
    assert "before any" in by_line[1]
    assert "not a JSON object" in by_line[3]
    assert "expected an object" in by_line[4]
    assert "$dtId" in by_line[5]
    assert "'$colour'" in by_line[6]
    assert "dangling endpoint 'nowhere'" in by_line[9]
    assert "$targetId" in by_line[10]
    assert store.get_twin("b").model == MACHINE


def test_invalid_model_is_reported_at_its_file_and_line(
    store: MemoryStore, models: Path, write: Write
) -> None:
    bad = {
        "@context": "dtmi:dtdl:context;3",
        "@id": "dtmi:test:Bad;1",
        "@type": "Interface",
        "contents": [{"@type": "Property", "name": "x", "schema": "nosuchschema"}],
    }
    path = write("Bad.json", json.dumps(bad, indent=2))
    report = load_paths([models, path], store)
    assert report.rejections
    assert {r.file for r in report.rejections} == {str(path)}
    assert all(r.line is not None and r.line > 1 for r in report.rejections)
    assert report.models.rejected == 10
    assert store.list_models() == ()  # one add_models call: all or nothing


def test_rows_of_unloadable_models_are_rejected(store: MemoryStore, write: Write) -> None:
    path = write("rows.csv", f"id,model\np/a,{MACHINE}\n")
    rejection = _only(load_paths([path], store))
    assert "no models are held" in rejection.reason


# ------------------------------------------------------------- whole files
@pytest.mark.parametrize(
    ("name", "text", "words"),
    [
        ("a.yaml", "twins: [a, b\n", ["not valid YAML", "line 2"]),
        ("a.yaml", "x: &a [1]\ny: *a\n", ["aliases (*name) are not supported"]),
        ("a.yaml", "stuff: []\n", ["'stuff' is not understood"]),
        ("a.json", '{"twins": [}', ["not valid JSON"]),
        ("a.yaml", '{"@context": "dtmi:dtdl:context;3"}\n', ["models are JSON files"]),
        ("a.csv", "model,colour\nx,y\n", ["neither an 'id' column"]),
        ("a.csv", "id,id\n", ["appears twice"]),
        ("a.csv", "id,alias:\n", ["names no alias"]),
        ("a.csv", "id,foo:bar\n", ["'foo:bar' is not understood"]),
        ("a.csv", "", ["is empty"]),
        ("a.ndjson", '{"Section": "Things"}\n', ["section 'Things' is not known"]),
        ("a.txt", "hello", ["suffix '.txt'"]),
    ],
)
def test_unreadable_files_stop_the_load_before_any_write(
    store: MemoryStore, models: Path, write: Write, name: str, text: str, words: list[str]
) -> None:
    path = write(name, text)
    with pytest.raises(LoaderError) as info:
        load_paths([models, path], store)
    for word in words:
        assert word in str(info.value)
    assert store.list_models() == ()


def test_missing_path(store: MemoryStore, tmp_path: Path) -> None:
    with pytest.raises(LoaderError, match="does not exist"):
        load_paths([tmp_path / "nowhere.csv"], store)


def test_file_size_limit(store: MemoryStore, write: Write) -> None:
    path = write("big.csv", "id,model\n" + "p/a,x\n" * 100)
    with pytest.raises(LoaderError, match=r"is 609 bytes; at most 100 bytes per file"):
        load_paths([path], store, limits=LoadLimits(max_file_bytes=100))


def test_row_limit(store: MemoryStore, write: Write) -> None:
    path = write("many.ndjson", '{"Section": "Twins"}\n' + '{"$dtId": "a"}\n' * 11)
    with pytest.raises(LoaderError, match="more than 10 rows"):
        load_paths([path], store, limits=LoadLimits(max_rows=10))


def test_line_limit_rejects_the_long_line(store: MemoryStore, models: Path, write: Write) -> None:
    long_value = "x" * 300
    path = write(
        "rows.csv", f"id,model,serialNumber\np/a,{MACHINE},{long_value}\np/b,{MACHINE},s\n"
    )
    report = load_paths([models, path], store, limits=LoadLimits(max_line_bytes=200))
    rejection = _only(report)
    assert rejection.line == 2
    assert "longer than 200" in rejection.reason


def test_child_of_a_rejected_row_says_so(store: MemoryStore, models: Path, write: Write) -> None:
    path = write(
        "rows.csv", f"id,model,parent,ratedPower\np/a,{MACHINE},,lots\np/b,{MACHINE},p/a,1\n"
    )
    report = load_paths([models, path], store)
    by_line = {r.line: r.reason for r in report.rejections}
    assert "'lots' is not a double" in by_line[2]
    assert "dangling endpoint 'p/a': its row was rejected" in by_line[3]


def test_same_model_twice_is_loaded_once(store: MemoryStore, models: Path, write: Write) -> None:
    text = (models / "Site.json").read_text(encoding="utf-8")
    again = write("Site-copy.json", text)
    report = load_paths([models, again], store)
    assert report.ok, report.as_text()
    assert report.models.created == 9


def test_same_dtmi_defined_differently_is_rejected(
    store: MemoryStore, models: Path, write: Write
) -> None:
    doc = json.loads((models / "Site.json").read_text(encoding="utf-8"))
    doc["displayName"] = "Plant"
    other = write("Site-other.json", json.dumps(doc))
    report = load_paths([models, other], store)
    rejection = _only(report)
    assert rejection.file == str(other)
    assert "defined again, differently" in rejection.reason
    assert len(store.list_models()) == 9
