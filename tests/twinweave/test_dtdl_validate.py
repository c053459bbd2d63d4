"""``twinweave dtdl validate``: exit codes, text and JSON output, limits, options."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

import dtdl
from tests.twinweave._dtdl_cli import (
    DEVICE,
    DUPLICATE_NAMES,
    PUMP,
    V3,
    interface,
    line_of,
    run,
    write,
    write_valid_set,
)

LINE = re.compile(
    r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): "
    r"(?P<sev>error|warning)\[(?P<code>\w+)\]: (?P<msg>.+)$"
)


def test_help_lists_the_subcommands(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "--help")
    assert result.code == 0
    assert "validate" in result.out
    assert "show" in result.out


def test_validate_help_names_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "validate", "--help")
    assert result.code == 0
    for option in (
        "--resolve",
        "--format",
        "--max-dtdl-version",
        "--allow-undefined-extensions",
        "--disallow-undefined-extensions",
        "--strict",
        "--progress",
    ):
        assert option in result.out


def test_dtdl_without_a_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys)
    assert result.code == 2
    assert "validate" in result.err


@pytest.mark.parametrize(
    "argv",
    [
        ("validate",),
        ("validate", "x.json", "--format", "xml"),
        ("validate", "x.json", "--max-dtdl-version", "two"),
        ("validate", "x.json", "--allow-undefined-extensions", "--disallow-undefined-extensions"),
        ("frobnicate",),
    ],
)
def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]) -> None:
    assert run(capsys, *argv).code == 2


def test_a_valid_set_exits_0_with_a_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_valid_set(tmp_path)
    result = run(capsys, "validate", str(tmp_path))
    assert result.code == 0, result.out
    assert result.lines == ["0 errors, 0 warnings in 4 files"]


def test_files_and_directories_are_validated_together(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = write_valid_set(tmp_path / "models" / "nested")
    pump = next(p for p in paths if p.name == "pump.json")
    elsewhere = write(tmp_path / "single" / "pump.model", PUMP)
    pump.unlink()
    result = run(capsys, "validate", str(tmp_path / "models"), str(elsewhere))
    assert result.code == 0, result.out
    assert result.lines[-1] == "0 errors, 0 warnings in 4 files"


def test_a_file_named_twice_is_read_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_valid_set(tmp_path)
    result = run(capsys, "validate", str(tmp_path), str(tmp_path / "pump.json"))
    assert result.code == 0, result.out
    assert result.lines[-1].endswith("in 4 files")


def test_an_invalid_model_exits_1_with_file_line_and_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(
        tmp_path / "bad.json",
        DUPLICATE_NAMES,
    )
    result = run(capsys, "validate", str(bad))
    assert result.code == 1
    match = LINE.match(result.lines[0])
    assert match, result.out
    assert match["file"] == str(bad)
    assert match["sev"] == "error"
    assert match["code"] == "nonUniquePropertyValue"
    assert "dtmi:com:example:Bad;1" in match["msg"]
    assert 1 <= int(match["line"]) <= line_of(bad, '"name": "level"') + 6
    assert re.fullmatch(r"\d+ errors?, \d+ warnings? in 1 file", result.lines[-1])


def test_findings_are_sorted_by_file_then_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "a.json", {"@id": "dtmi:com:example:A;1", "@type": "Interface"})
    write(tmp_path / "b.json", {"@id": "dtmi:com:example:B;1", "@type": "Interface"})
    result = run(capsys, "validate", str(tmp_path))
    assert result.code == 1
    files = [m["file"] for m in map(LINE.match, result.lines[:-1]) if m]
    assert files == sorted(files)
    assert {Path(f).name for f in files} == {"a.json", "b.json"}


def test_json_format_is_one_document(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = write(tmp_path / "bad.json", {"@id": "dtmi:com:example:A;1", "@type": "Interface"})
    result = run(capsys, "validate", "--format", "json", str(bad))
    assert result.code == 1
    document = json.loads(result.out)
    assert document["valid"] is False
    assert document["files"] == 1
    assert document["errors"] >= 1
    first = document["diagnostics"][0]
    assert first["file"] == str(bad)
    assert first["code"] == "missingContext"
    assert first["validation_id"] == "dtmi:dtdl:parsingError:missingContext"
    assert first["severity"] == "error"
    assert first["line"] >= 1
    assert first["message"].startswith(first["cause"])
    assert "error" in result.err  # the summary goes to stderr, keeping stdout pure JSON


def test_a_missing_path_exits_2_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere" / "model.json"
    result = run(capsys, "validate", str(missing))
    assert result.code == 2
    assert str(missing) in result.err
    assert result.out == ""


def test_a_directory_without_models_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    result = run(capsys, "validate", str(tmp_path))
    assert result.code == 2
    assert "no model files" in result.err


@pytest.mark.parametrize(
    ("text", "place", "detail"),
    [
        # a trailing comma: the place is the bracket after it
        ('{\n  "contents": [\n    {"name": "a"},\n  ]\n}\n', "4:3", "Expecting value"),
        (
            '{\n  "@id": "dtmi:a:B;1"\n  "@type": "Interface"\n}\n',
            "3:3",
            "Expecting ',' delimiter",
        ),
        ("", "1:1", "it is empty"),
    ],
)
def test_a_json_syntax_error_says_it_is_not_json_and_what_to_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, place: str, detail: str
) -> None:
    broken = write(tmp_path / "broken.json", text)
    result = run(capsys, "validate", str(broken))
    assert result.code == 1
    assert result.lines[0] == (
        f"{broken}:{place}: error[notJsonObject]: {broken} is not valid JSON: {detail}. "
        "Correct the JSON at this line and column; the usual causes are a missing or extra "
        "comma, an unclosed bracket, brace or quote, and a name without double quotes."
    )
    # JSON that is no object keeps the message it had
    write(broken, "42")
    assert "is not a JSON object or an array" in run(capsys, "validate", str(broken)).lines[0]


def test_undecodable_utf8_names_the_file_and_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    latin = tmp_path / "latin1.json"
    latin.write_bytes(b'{\n  "@id": "dtmi:com:example:Caf\xe9;1"\n}\n')
    result = run(capsys, "validate", str(latin))
    assert result.code == 1
    assert result.lines[0].startswith(f"{latin}:2:")
    assert "error[invalidEncoding]" in result.lines[0]
    assert "UTF-8" in result.lines[0]


def test_a_byte_order_mark_is_tolerated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "device.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(DEVICE, indent=2).encode())
    result = run(capsys, "validate", str(path))
    assert result.code == 0, result.out


def test_an_absurdly_large_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    huge = tmp_path / "huge.json"
    with huge.open("wb") as handle:  # sparse: the size check happens before reading
        handle.truncate(65 * 1024 * 1024)
    result = run(capsys, "validate", str(huge))
    assert result.code == 2
    assert str(huge) in result.err
    assert "limit" in result.err


def test_an_interface_over_1_mib_is_reported_by_dtdl(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = interface("dtmi:com:example:Big;1", description="x" * 500)
    model["contents"] = [
        {"@type": "Property", "name": f"p{i}", "schema": "double", "comment": "y" * 400}
        for i in range(3000)
    ]
    big = write(tmp_path / "big.json", model)
    assert big.stat().st_size > 1024 * 1024
    result = run(capsys, "validate", str(big))
    assert result.code == 1
    assert "error[partitionTooLarge]" in result.out


def test_max_dtdl_version_refuses_v3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "device.json", DEVICE)
    assert run(capsys, "validate", str(tmp_path)).code == 0
    result = run(capsys, "validate", "--max-dtdl-version", "2", str(tmp_path))
    assert result.code == 1
    assert "error[disallowedContextVersion]" in result.out


def test_undefined_extensions_follow_the_flags(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = dict(DEVICE)
    model["@context"] = [V3, "dtmi:com:example:undefinedExtension;1"]
    path = write(tmp_path / "ext.json", model)
    assert run(capsys, "validate", str(path)).code == 1
    assert run(capsys, "validate", "--disallow-undefined-extensions", str(path)).code == 1
    allowed = run(capsys, "validate", "--allow-undefined-extensions", str(path))
    assert allowed.code == 0, allowed.out


def test_strict_makes_warnings_fail(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = dict(DEVICE)
    model["@context"] = [V3, V3]  # a repeated context entry: valid, but not recommended
    path = write(tmp_path / "twice.json", model)
    lenient = run(capsys, "validate", str(path))
    assert lenient.code == 0, lenient.out
    assert any(": warning[" in line for line in lenient.lines), lenient.out
    assert run(capsys, "validate", "--strict", str(path)).code == 1


def test_strict_turns_any_warning_into_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "device.json", DEVICE)
    real = dtdl.validate

    def with_a_warning(
        texts: Sequence[str], *, options: dtdl.ParseOptions | None = None
    ) -> list[dtdl.Diagnostic]:
        advice = dtdl.Diagnostic(
            validation_id="dtmi:dtdl:parsingError:someRecommendation",
            primary_id="dtmi:com:example:Device;1",
            secondary_id=None,
            property="@context",
            value=None,
            document=0,
            line=2,
            column=3,
            cause="Something is not recommended.",
            action="Do it the recommended way.",
            severity="warning",
        )
        return [*real(texts, options=options), advice]

    monkeypatch.setattr(dtdl, "validate", with_a_warning)
    lenient = run(capsys, "validate", str(path))
    assert lenient.code == 0
    assert lenient.lines == [
        f"{path}:2:3: warning[someRecommendation]: Something is not recommended. "
        "Do it the recommended way. (element dtmi:com:example:Device;1)",
        "0 errors, 1 warning in 1 file",
    ]
    strict = run(capsys, "validate", "--strict", str(path))
    assert strict.code == 1
    assert strict.lines == lenient.lines
    as_json = json.loads(run(capsys, "validate", "--strict", "--format", "json", str(path)).out)
    assert as_json["valid"] is False
    assert as_json["warnings"] == 1


def test_progress_counts_files_when_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for i in range(1000):
        write(tmp_path / f"m{i:04}.json", interface(f"dtmi:com:example:M{i};1"))
    quiet = run(capsys, "validate", str(tmp_path))
    assert quiet.code == 0, quiet.out[:2000]
    assert quiet.err == ""
    loud = run(capsys, "validate", "--progress", str(tmp_path))
    assert "read 1000/1000 files" in loud.err


# Root reads any file through two capabilities; setpriv drops them from the
# command's bounding set, so the test runs as root too (CI runs as root).
WITHOUT_READ_OVERRIDE = ("setpriv", "--bounding-set=-dac_override,-dac_read_search")


@pytest.mark.skipif(os.name != "posix", reason="needs POSIX file permissions")
def test_an_unreadable_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "secret.json", DEVICE)
    path.chmod(0)
    try:
        if os.geteuid() == 0:
            command = [sys.executable, "-m", "twinweave", "dtdl", "validate", str(path)]
            proc = subprocess.run(
                [*WITHOUT_READ_OVERRIDE, *command],
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            code, err = proc.returncode, proc.stderr
        else:
            result = run(capsys, "validate", str(path))
            code, err = result.code, result.err
    finally:
        path.chmod(0o644)
    assert code == 2
    assert f"{path}: cannot read the file" in err


def test_a_reader_that_stops_early_is_not_an_error(tmp_path: Path) -> None:
    for i in range(300):
        write(tmp_path / f"m{i:03}.json", {"@id": f"dtmi:com:example:M{i};1", "@type": "Interface"})
    command = (
        f"{shlex.quote(sys.executable)} -m twinweave dtdl validate {shlex.quote(str(tmp_path))}"
    )
    proc = subprocess.run(
        ["/bin/sh", "-c", f"{command} | head -n 1"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.stdout.count("\n") == 1
    assert "error[missingContext]" in proc.stdout
    assert "Traceback" not in proc.stderr
    assert "BrokenPipeError" not in proc.stderr
