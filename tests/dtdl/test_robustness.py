"""Bad input never crashes ``dtdl``: it becomes diagnostics.

Non-JSON, truncated texts, an Interface over 1 MiB, deep nesting (where
``json.loads`` itself raises RecursionError), cycles through ``extends``,
schemas and Components, across documents; and a property test that mutates
valid models at random (delete keys, change value types, swap strings,
truncate, insert unicode) and checks ``validate`` and ``parse`` only ever
answer with diagnostics.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dtdl
from benchmarks.dtdl_generator import generate

V3 = "dtmi:dtdl:context;3"
REPO = Path(__file__).resolve().parents[2]


def _interface(dtmi: str, *contents: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"@context": V3, "@id": dtmi, "@type": "Interface", **extra, "contents": list(contents)}


def _text(model: Any) -> str:
    return json.dumps(model, indent=2)


VALID = _text(
    _interface(
        "dtmi:com:example:Pump;1",
        {"@type": "Property", "name": "level", "schema": "double", "writable": True},
        {
            "@type": "Telemetry",
            "name": "state",
            "schema": {
                "@type": "Object",
                "fields": [
                    {"name": "code", "schema": "integer"},
                    {
                        "name": "tags",
                        "schema": {
                            "@type": "Map",
                            "mapKey": {"name": "tag", "schema": "string"},
                            "mapValue": {"name": "value", "schema": "string"},
                        },
                    },
                ],
            },
        },
        {"@type": "Relationship", "name": "feeds", "target": "dtmi:com:example:Tank;1"},
        {
            "@type": "Command",
            "name": "start",
            "request": {"name": "speed", "schema": "double"},
            "response": {
                "name": "result",
                "schema": {
                    "@type": "Enum",
                    "valueSchema": "string",
                    "enumValues": [{"name": "ok", "enumValue": "ok"}],
                },
            },
        },
    )
)


def _errors(diagnostics: list[dtdl.Diagnostic]) -> list[dtdl.Diagnostic]:
    """The errors; fails on anything but a list of Diagnostic, or an internal error."""
    assert isinstance(diagnostics, list)
    assert all(isinstance(d, dtdl.Diagnostic) for d in diagnostics)
    internal = [d.message for d in diagnostics if d.validation_id.endswith(":internalError")]
    assert internal == [], "an exception inside dtdl was turned into a diagnostic"
    return [d for d in diagnostics if d.severity == "error"]


def _codes(diagnostics: list[dtdl.Diagnostic]) -> set[str]:
    return {d.validation_id.rsplit(":", 1)[-1] for d in _errors(diagnostics)}


def test_the_sample_model_is_valid() -> None:
    assert _errors(dtdl.validate([VALID])) == []


@pytest.mark.parametrize(
    "text",
    ["", "   ", "not json", "{", "[1, 2", '{"@id": }', "NaN", "Infinity", "\x00\x01", "{}}"],
)
def test_text_that_is_not_json_is_one_located_error(text: str) -> None:
    errors = _errors(dtdl.validate([VALID, text]))
    assert errors
    about = [d for d in errors if d.document == 1]
    assert about, errors
    assert all(d.cause and d.action for d in about)


@pytest.mark.parametrize("fraction", [0.1, 0.25, 0.5, 0.75, 0.9, 0.99])
def test_a_truncated_file_is_an_error_not_a_crash(fraction: float) -> None:
    truncated = VALID[: int(len(VALID) * fraction)]
    errors = _errors(dtdl.validate([truncated]))
    assert errors
    assert errors[0].document == 0
    assert errors[0].line is not None and errors[0].line >= 1


@pytest.mark.parametrize("text", ["null", "42", '"a string"', "true", "[]", "[1, 2]", "[null]"])
def test_json_that_is_not_a_model_is_an_error(text: str) -> None:
    assert _errors(dtdl.validate([text]))


def test_an_interface_over_1_mib_is_partition_too_large() -> None:
    contents = [
        {"@type": "Property", "name": f"p{i}", "schema": "double", "comment": "c" * 400}
        for i in range(3000)
    ]
    text = _text(_interface("dtmi:com:example:Big;1", *contents))
    assert len(text.encode()) > 1024 * 1024
    assert "partitionTooLarge" in _codes(dtdl.validate([text]))


_ISOLATED = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
import dtdl
diagnostics = dtdl.validate([sys.stdin.read()])
print(json.dumps([
    {{"validation_id": d.validation_id, "document": d.document, "severity": d.severity,
      "cause": d.cause, "action": d.action}}
    for d in diagnostics
]))
"""
MEMORY_LIMIT = 2 * 1024**3


def _validate_isolated(text: str) -> list[dict[str, Any]]:
    """``dtdl.validate([text])`` in a child process capped at 2 GiB of memory.

    A runaway (memory or time) then fails this test instead of the machine.
    """
    proc = subprocess.run(
        [sys.executable, "-c", _ISOLATED.format(limit=MEMORY_LIMIT)],
        input=text,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    found: list[dict[str, Any]] = json.loads(proc.stdout)
    return found


@pytest.mark.skipif(sys.platform == "win32", reason="needs resource.setrlimit")
@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"a":' * 100_000 + "1" + "}" * 100_000,
        "[" * 100_000,
        _text(_interface("dtmi:com:example:Deep;1"))[:-2]
        + ', "description": '
        + "[" * 50_000
        + "]" * 50_000
        + "}",
    ],
    ids=["arrays", "objects", "unclosed", "inside-a-model"],
)
def test_deep_nesting_is_a_diagnostic(text: str) -> None:
    diagnostics = _validate_isolated(text)
    internal = [d for d in diagnostics if d["validation_id"].endswith(":internalError")]
    assert internal == [], internal
    errors = [d for d in diagnostics if d["severity"] == "error"]
    assert errors
    assert errors[0]["document"] == 0
    assert errors[0]["cause"] and errors[0]["action"]


def test_deep_schema_nesting_is_reported() -> None:
    schema: Any = "double"
    for _ in range(200):
        schema = {"@type": "Array", "elementSchema": schema}
    text = _text(
        _interface("dtmi:com:example:Deep;1", {"@type": "Property", "name": "p", "schema": schema})
    )
    assert "excessiveDepthWide" in _codes(dtdl.validate([text]))


def test_cyclic_extends_across_files_is_reported() -> None:
    a = _text(_interface("dtmi:com:example:A;1", extends="dtmi:com:example:B;1"))
    b = _text(_interface("dtmi:com:example:B;1", extends="dtmi:com:example:A;1"))
    codes = _codes(dtdl.validate([a, b]))
    assert "recursiveStructureNarrow" in codes
    assert _codes(dtdl.validate([b, a])) == codes


def test_self_extension_is_reported() -> None:
    a = _text(_interface("dtmi:com:example:A;1", extends="dtmi:com:example:A;1"))
    assert "recursiveStructureNarrow" in _codes(dtdl.validate([a]))


def test_a_long_extends_chain_is_too_deep() -> None:
    texts = [
        _text(
            _interface(
                f"dtmi:com:example:C{i};1",
                **({"extends": f"dtmi:com:example:C{i - 1};1"} if i else {}),
            )
        )
        for i in range(30)
    ]
    assert "excessiveDepthNarrow" in _codes(dtdl.validate(texts))


def test_a_self_referencing_schema_is_reported() -> None:
    text = _text(
        _interface(
            "dtmi:com:example:A;1",
            {"@type": "Property", "name": "tree", "schema": "dtmi:com:example:A:node;1"},
            schemas=[
                {
                    "@id": "dtmi:com:example:A:node;1",
                    "@type": "Object",
                    "fields": [{"name": "child", "schema": "dtmi:com:example:A:node;1"}],
                }
            ],
        )
    )
    assert "recursiveStructureWide" in _codes(dtdl.validate([text]))


def test_components_in_a_cycle_are_reported() -> None:
    a = _text(
        _interface(
            "dtmi:com:example:A;1",
            {"@type": "Component", "name": "b", "schema": "dtmi:com:example:B;1"},
        )
    )
    b = _text(
        _interface(
            "dtmi:com:example:B;1",
            {"@type": "Component", "name": "a", "schema": "dtmi:com:example:A;1"},
        )
    )
    assert "excludedType" in _codes(dtdl.validate([a, b]))


def test_a_resolver_that_fails_or_lies_does_not_crash() -> None:
    pump = _text(_interface("dtmi:com:example:P;1", extends="dtmi:com:example:Base;1"))

    def lying(dtmis: list[str]) -> list[str]:
        return ["not json", _text(_interface("dtmi:com:example:Other;1"))]

    calls: list[int] = []

    def endless(dtmis: list[str]) -> list[str]:
        calls.append(len(dtmis))
        n = len(calls)
        wanted = dtmis[0] if dtmis else "dtmi:com:example:Base;1"
        return [_text(_interface(wanted, extends=f"dtmi:com:example:X{n};1"))]

    for resolver in (lying, endless):
        options = dtdl.ParseOptions(resolver=resolver)
        assert _errors(dtdl.validate([pump], options=options))


# ---------------------------------------------------------------- mutations

SEEDS = [VALID, *generate(12, 8, parts=5)]
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


def _slots(node: Any) -> list[tuple[Any, Any]]:
    """Every (container, key) pair in a JSON tree."""
    found: list[tuple[Any, Any]] = []
    stack = [node]
    while stack:
        current = stack.pop()
        pairs = current.items() if isinstance(current, dict) else enumerate(current)
        for key, value in list(pairs):
            found.append((current, key))
            if isinstance(value, dict | list):
                stack.append(value)
    return found


@st.composite
def mutated(draw: st.DrawFn) -> list[str]:
    texts = list(SEEDS[1:]) if draw(st.booleans()) else [SEEDS[0]]
    index = draw(st.integers(0, len(texts) - 1))
    for _ in range(draw(st.integers(1, 3))):
        text = texts[index]
        operation = draw(
            st.sampled_from(["delete", "retype", "swap", "truncate", "unicode", "duplicate"])
        )
        if operation == "truncate":
            texts[index] = text[: draw(st.integers(0, max(len(text) - 1, 0)))]
            continue
        if operation == "unicode":
            at = draw(st.integers(0, len(text)))
            texts[index] = text[:at] + draw(st.text(min_size=1, max_size=4)) + text[at:]
            continue
        try:
            model = json.loads(text)
        except ValueError:
            continue
        if not isinstance(model, dict | list):
            continue
        slots = _slots(model)
        if not slots:
            continue
        container, key = draw(st.sampled_from(slots))
        if operation == "delete":
            del container[key]
        elif operation == "retype":
            container[key] = draw(JSON_VALUES)
        elif operation == "swap":
            strings = [(c, k) for c, k in slots if isinstance(c[k], str)]
            if len(strings) >= 2:
                (c1, k1), (c2, k2) = draw(st.permutations(strings))[:2]
                c1[k1], c2[k2] = c2[k2], c1[k1]
        elif operation == "duplicate":
            texts.append(json.dumps(model))
            continue
        texts[index] = json.dumps(model, indent=2)
    return texts


@settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(texts=mutated(), allow=st.sampled_from([None, True, False]))
def test_mutated_models_only_ever_give_diagnostics(texts: list[str], allow: bool | None) -> None:
    options = dtdl.ParseOptions(allow_undefined_extensions=allow)
    diagnostics = dtdl.validate(texts, options=options)
    _errors(diagnostics)
    for diagnostic in diagnostics:
        assert isinstance(diagnostic, dtdl.Diagnostic)
        assert diagnostic.severity in ("error", "warning")
        assert diagnostic.validation_id.startswith("dtmi:")
        assert diagnostic.cause
        assert diagnostic.document is None or 0 <= diagnostic.document < len(texts)
        assert diagnostic.line is None or diagnostic.line >= 1
        assert diagnostic.column is None or diagnostic.column >= 1
    try:
        model = dtdl.parse(texts, options=options)
    except dtdl.ParsingError as exc:
        assert exc.diagnostics
        assert any(d.severity == "error" for d in diagnostics)
    else:
        assert isinstance(model, dtdl.ModelSet)
        assert not any(d.severity == "error" for d in diagnostics)
