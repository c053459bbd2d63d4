"""The DTDL benchmark: its generator makes valid sets, and the script runs end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import dtdl
from benchmarks import dtdl_validate
from benchmarks.dtdl_generator import generate, interface_id


def test_a_generated_set_is_valid() -> None:
    texts = generate(60, 16)
    errors = [d for d in dtdl.validate(texts) if d.severity == "error"]
    assert errors == [], [d.message for d in errors[:5]]


def test_a_generated_set_has_what_the_benchmark_claims() -> None:
    texts = generate(60, 16)
    model = dtdl.parse(texts)
    assert len(texts) == 60
    pump = model.interfaces[interface_id(59)]
    assert pump.extends == (interface_id(58),)
    assert len(pump.bases) == 4
    assert len(pump.contents) == 5 * 16  # its own and four Interfaces' worth inherited
    assert pump.components
    kinds = {type(schema).__name__ for schema in _schemas(pump)}
    assert {"ObjectSchema", "ArraySchema", "MapSchema", "EnumSchema"} <= kinds


def _schemas(interface: dtdl.Interface) -> list[object]:
    found: list[object] = []
    for content in interface.contents.values():
        schema = getattr(content, "schema", None)
        stack = [schema] if schema is not None and not isinstance(schema, str) else []
        while stack:
            current = stack.pop()
            found.append(current)
            if isinstance(current, dtdl.ArraySchema):
                stack.append(current.element_schema)
            elif isinstance(current, dtdl.MapSchema):
                stack.append(current.map_value.schema)
            elif isinstance(current, dtdl.ObjectSchema):
                stack.extend(field.schema for field in current.fields)
    return found


def test_generate_refuses_a_chain_deeper_than_dtdl_allows() -> None:
    with pytest.raises(ValueError, match="chain"):
        generate(10, 2, chain=11)


def test_the_script_prints_figures_and_the_baseline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = {
        "name": "tiny",
        "models": generate(2, 3),
        "resolvable": {},
        "valid": True,
        "options": {"undefined_extensions": "default", "max_dtdl_version": None},
    }
    cases = tmp_path / "cases.jsonl"
    cases.write_text(json.dumps(case) + "\n", encoding="utf-8")
    code = dtdl_validate.main(
        ["--interfaces", "20", "--contents", "4", "--repeat", "1", "--cases", str(cases)]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "0 errors" in out
    assert "dtdl.validate" in out
    assert "json.loads" in out
    assert "conformance: 1 cases" in out
    assert "as expected in 1/1" in out


def test_the_script_skips_absent_cases(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = dtdl_validate.main(
        ["--interfaces", "5", "--contents", "2", "--repeat", "1", "--cases", str(tmp_path / "no")]
    )
    assert code == 0
    assert "conformance: skipped" in capsys.readouterr().out


def test_the_script_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        dtdl_validate.main(["--help"])
    assert caught.value.code == 0
    out = capsys.readouterr().out
    for option in ("--interfaces", "--contents", "--repeat", "--cases"):
        assert option in out


def test_an_invalid_generated_set_fails_the_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(interfaces: int, contents: int) -> list[str]:
        texts = generate(interfaces, contents)
        model = json.loads(texts[0])
        model["contents"][0]["schema"] = "no such schema"
        return [json.dumps(model), *texts[1:]]

    monkeypatch.setattr(dtdl_validate, "generate", broken)
    assert dtdl_validate.main(["--interfaces", "5", "--contents", "2", "--repeat", "1"]) == 1
    assert "ANSWER CHECK FAILED: dtdl.validate of a valid set" in capsys.readouterr().err
