"""How long ``dtdl.validate`` takes on a large model set, against ``json.loads`` of the same texts.

    python -m benchmarks.dtdl_validate [--interfaces 1000] [--contents 20] [--repeat 3]

Generates a valid set (extends chains, Components, Object/Array/Map/Enum
schemas; see ``benchmarks/dtdl_generator.py``), then prints the min / median
of ``--repeat`` runs of ``dtdl.validate`` and, measured in the same run on the
same texts, of ``json.loads`` over every text: the floor any validator pays.
Every run starts from the texts (``dtdl.validate`` keeps nothing between
calls), so each is as cold as the first. Checked: ``dtdl.validate`` finds no
error in the set (valid by construction) and every run gives the same
diagnostics; ``json.loads`` parses every text. Exit status 1 otherwise.
Target: under 1 s for 1,000 Interfaces of 20 contents.

Then the mean time per case of the DTDL conformance corpus (``--cases`` or
``TWINWEAVE_DTDL_CASES``, default ``../shared/conformance/dtdl/cases.jsonl``),
with how many cases ``dtdl.validate`` decides as expected (valid or not); the
part is skipped with a message when the file is absent.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import dtdl
from benchmarks._measure import DEFAULT_REPEAT, checked, repeated, same
from benchmarks.dtdl_generator import generate

DEFAULT_CASES = (
    Path(__file__).resolve().parent.parent.parent / "shared/conformance/dtdl/cases.jsonl"
)


_QUIRKS: dict[str, Literal["parse", "resolve"]] = {
    "TolerateSolecismsInParse": "parse",
    "TolerateSolecismsInResolve": "resolve",
}


def _case_options(case: dict[str, Any]) -> dtdl.ParseOptions:
    options = case.get("options") or {}
    allow = {"allow": True, "disallow": False}.get(options.get("undefined_extensions", ""))
    groups: dict[int, list[str]] = {}
    for key, text in sorted((case.get("resolvable") or {}).items()):
        groups.setdefault(int(key.split("-")[0]), []).append(text)
    calls = iter(sorted(groups))

    def resolver(_dtmis: list[str]) -> list[str]:
        return groups[next(calls, -1)] if groups else []

    return dtdl.ParseOptions(
        allow_undefined_extensions=allow,
        max_dtdl_version=options.get("max_dtdl_version"),
        resolver=resolver if groups else None,
        tolerate_solecisms=frozenset(_QUIRKS[q] for q in options.get("quirks", [])),
    )


def conformance(path: Path) -> tuple[int, float, int]:
    """(cases, mean seconds per case, cases decided as expected)."""
    cases = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    agreed = 0
    total = 0.0
    for case in cases:
        options = _case_options(case)
        start = time.perf_counter()
        diagnostics = dtdl.validate(case["models"], options=options)
        total += time.perf_counter() - start
        valid = not any(d.severity == "error" for d in diagnostics)
        agreed += valid == case["valid"]
    return len(cases), total / max(len(cases), 1), agreed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.dtdl_validate",
        description="Time dtdl.validate on a generated model set and on the conformance cases.",
    )
    parser.add_argument("--interfaces", type=int, default=1000, help="Interfaces (default 1000)")
    parser.add_argument("--contents", type=int, default=20, help="contents each (default 20)")
    parser.add_argument(
        "--repeat",
        type=int,
        default=DEFAULT_REPEAT,
        help=f"runs of each figure; min and median shown (default {DEFAULT_REPEAT})",
    )
    parser.add_argument(
        "--cases",
        type=Path,
        default=None,
        help="conformance cases.jsonl (default: TWINWEAVE_DTDL_CASES or the shared folder)",
    )
    args = parser.parse_args(argv)
    if args.interfaces < 1 or args.contents < 1 or args.repeat < 1:
        parser.error("--interfaces, --contents and --repeat must be at least 1")

    texts = generate(args.interfaces, args.contents)
    size = sum(len(t.encode()) for t in texts)

    def body() -> int:
        diagnostics = dtdl.validate(texts)
        errors = [d for d in diagnostics if d.severity == "error"]
        print(
            f"model set: {args.interfaces} Interfaces x {args.contents} contents, "
            f"{size / 1e6:.1f} MB of JSON, {len(errors)} errors"
        )
        same("dtdl.validate of a valid set: errors", [d.message for d in errors], [])
        validate, again = repeated(args.repeat, lambda: dtdl.validate(texts))
        same("dtdl.validate: every run the same diagnostics", again, diagnostics)
        loads, parsed = repeated(args.repeat, lambda: [json.loads(t) for t in texts])
        same("json.loads: documents", len(parsed), len(texts))
        print(
            f"dtdl.validate    min / median of {args.repeat}: {validate.ms():>22}   (target < 1 s)"
        )
        print(
            f"json.loads only  min / median of {args.repeat}: {loads.ms():>22}   "
            f"(baseline; validate = {validate.median / loads.median:.1f} x loads)"
        )
        return 0

    code = checked(body)
    if code:
        return code
    cases = args.cases or Path(os.environ.get("TWINWEAVE_DTDL_CASES", DEFAULT_CASES))
    if not cases.is_file():
        print(f"conformance: skipped, {cases} is absent (give --cases or TWINWEAVE_DTDL_CASES)")
        return 0
    count, mean, agreed = conformance(cases)
    print(
        f"conformance: {count} cases, mean {mean * 1e3:.3f} ms per case; "
        f"valid/invalid as expected in {agreed}/{count}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
