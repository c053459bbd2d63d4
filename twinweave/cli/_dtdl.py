"""``twinweave dtdl``: validate DTDL v2/v3 model sets and show flattened Interfaces.

``validate`` reads files and directories (recursively, ``*.json``) as one set,
reports every finding as ``file:line:col: error[code]: message`` (or JSON, or
SARIF 2.1.0) and exits 0 when the set is valid, 1 when it is not, and 2 on a
usage or I/O error. ``show`` prints one Interface with its inherited contents.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

import dtdl
from twinweave.cli._dtdl_each import validate_each
from twinweave.cli._dtdl_files import InputError, Progress, collect, read_all
from twinweave.cli._dtdl_findings import (
    Finding,
    from_diagnostic,
    sort_key,
    undecodable_finding,
)
from twinweave.cli._dtdl_output import Summary, render_json, render_sarif, render_text
from twinweave.cli._dtdl_resolver import DirectoryResolver, top_level_ids
from twinweave.cli._dtdl_show import describe, render
from twinweave.cli._dtdl_show import render_json as render_show_json

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
PROGRESS_FILES = 1000
# --tolerate-solecisms applies to the files named and to those --resolve supplies
_SOLECISM_PHASES: frozenset[Literal["parse", "resolve"]] = frozenset({"parse", "resolve"})


def _emit(text: str) -> None:
    """Write to stdout; a reader that stopped early (``| head``) is not an error."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        # Point stdout at /dev/null so the interpreter's final flush stays quiet.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _fail(command: str, problem: str) -> int:
    print(f"twinweave dtdl {command}: {problem}", file=sys.stderr)
    return EXIT_USAGE


def _options(
    args: argparse.Namespace,
    resolver: DirectoryResolver | None,
    document_name: Callable[[int], str | None] | None = None,
) -> dtdl.ParseOptions:
    return dtdl.ParseOptions(
        allow_undefined_extensions=args.allow_undefined_extensions,
        max_dtdl_version=args.max_dtdl_version,
        resolver=resolver,
        tolerate_solecisms=_SOLECISM_PHASES if args.tolerate_solecisms else frozenset(),
        document_name=document_name,
    )


def _namer(
    files: list[Path], resolver: DirectoryResolver | None, skip: int = 0
) -> Callable[[int], str | None]:
    """Names document ``doc`` by its file: one of ``files``, then the resolver's (after
    the first ``skip`` of them), read when a message is written, after resolution."""

    def name(doc: int) -> str | None:
        if 0 <= doc < len(files):
            return str(files[doc])
        resolved = resolver.paths[skip:] if resolver is not None else []
        index = doc - len(files)
        return str(resolved[index]) if 0 <= index < len(resolved) else None

    return name


def _load(
    args: argparse.Namespace, paths: list[Path], progress: Progress | None
) -> tuple[list[str], list[Path], list[Finding], DirectoryResolver | None]:
    """Texts to validate, the file of each, findings about unreadable files, the resolver."""
    resolver = DirectoryResolver(Path(args.resolve), exclude=paths) if args.resolve else None
    sources = read_all(paths, progress=progress)
    texts: list[str] = []
    files: list[Path] = []
    findings: list[Finding] = []
    for source in sources:
        if source.text is not None:
            texts.append(source.text)
            files.append(source.path)
            continue
        findings.append(undecodable_finding(source))
    return texts, files, findings, resolver


UNRESOLVED_HINT = "With twinweave: name its file among the PATHs, or pass --resolve DIR."


def _with_cli_hint(finding: Finding) -> Finding:
    """Tell command-line users how to supply a missing model."""
    if finding.code != "unresolvedIdentifier":
        return finding
    return replace(finding, action=f"{finding.action} {UNRESOLVED_HINT}".strip())


def _validate(args: argparse.Namespace) -> int:
    show_progress = args.progress or sys.stderr.isatty()
    progress = Progress(sys.stderr.write, PROGRESS_FILES) if show_progress else None
    invalid_files: int | None = None
    try:
        paths = collect(args.paths)
        if not paths:
            return _fail("validate", f"no model files (*.json) under {', '.join(args.paths)}")
        if args.each_file:
            resolver = DirectoryResolver(Path(args.resolve)) if args.resolve else None
            each = validate_each(
                paths,
                resolver,
                lambda found, files: _options(args, found, _namer(files, found)),
                progress=progress,
                hint=_with_cli_hint,
            )
            findings, documents = each.findings, each.documents
            invalid_files = each.invalid_files
        else:
            texts, files, findings, resolver = _load(args, paths, progress)
            if progress is not None and len(texts) >= PROGRESS_FILES:
                progress.say(f"validating {len(texts)} files as one set")
            namer = _namer(files, resolver)
            diagnostics = dtdl.validate(texts, options=_options(args, resolver, namer))
            documents = files + (resolver.paths if resolver is not None else [])
            findings.extend(_with_cli_hint(from_diagnostic(d, documents)) for d in diagnostics)
    except InputError as exc:
        return _fail("validate", str(exc))
    order = {path: rank for rank, path in enumerate(documents)}
    findings.sort(key=lambda f: sort_key(f, order))
    if resolver is not None:
        for note in dict.fromkeys(resolver.skipped):
            print(f"twinweave dtdl validate: --resolve skipped {note}", file=sys.stderr)
    summary = Summary.of(findings, len(paths), invalid_files)
    failed = summary.errors > 0 or (args.strict and summary.warnings > 0)
    if args.format == "json":
        _emit(render_json(findings, summary, failed=failed))
    elif args.format == "sarif":
        _emit(render_sarif(findings, fallback=paths[0]))
    else:
        _emit(render_text(findings, summary))
    if args.format != "text":
        print(summary, file=sys.stderr)
    return EXIT_INVALID if failed else EXIT_OK


def _show(args: argparse.Namespace) -> int:
    if not args.paths and not args.resolve:
        return _fail("show", "give model files (PATH ...) or --resolve DIR to find the DTMI in")
    try:
        paths = collect(args.paths)
        texts, files, findings, resolver = _load(args, paths, None)
        asked = 0
        if resolver is not None and args.dtmi not in _defined(texts):
            texts.extend(resolver([args.dtmi]))
            files.extend(resolver.paths)
            asked = len(resolver.paths)
    except InputError as exc:
        return _fail("show", str(exc))
    try:
        model = dtdl.parse(texts, options=_options(args, resolver, _namer(files, resolver, asked)))
    except dtdl.ParsingError as exc:
        documents = files + (resolver.paths[asked:] if resolver is not None else [])
        findings.extend(_with_cli_hint(from_diagnostic(d, documents)) for d in exc.diagnostics)
        model = None
    if findings or model is None:
        order = {path: rank for rank, path in enumerate(files)}
        findings.sort(key=lambda f: sort_key(f, order))
        sys.stderr.write(render_text(findings, Summary.of(findings, len(files))))
        print(
            f"twinweave dtdl show: the model set is invalid; fix it to show {args.dtmi}",
            file=sys.stderr,
        )
        return EXIT_INVALID
    if args.dtmi not in model.interfaces:
        where = ", ".join([*args.paths, *([args.resolve] if args.resolve else [])])
        return _fail("show", f"no Interface '{args.dtmi}' in {where}")
    description = describe(model, args.dtmi)
    _emit(render_show_json(description) if args.format == "json" else render(description))
    return EXIT_OK


def _defined(texts: list[str]) -> set[str]:
    return {dtmi for text in texts for dtmi in top_level_ids(text)}


def _version(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 2:
        msg = f"'{value}' is not a DTDL version (expected 2, 3, ...)"
        raise argparse.ArgumentTypeError(msg)
    return number


def _add_model_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--resolve",
        metavar="DIR",
        help="folder of model files to look up DTMIs the set does not define "
        "(models-repository layout dtmi/com/example/foo-1.json, or any *.json by its @id)",
    )
    parser.add_argument(
        "--max-dtdl-version",
        type=_version,
        metavar="N",
        help="refuse models whose DTDL version is above N (e.g. 2)",
    )
    extensions = parser.add_mutually_exclusive_group()
    extensions.add_argument(
        "--allow-undefined-extensions",
        dest="allow_undefined_extensions",
        action="store_const",
        const=True,
        help="tolerate unknown extension contexts and terms (DTDL v2 does by default)",
    )
    extensions.add_argument(
        "--disallow-undefined-extensions",
        dest="allow_undefined_extensions",
        action="store_const",
        const=False,
        help="reject unknown extension contexts and terms (DTDL v3 does by default)",
    )
    parser.add_argument(
        "--tolerate-solecisms",
        action="store_true",
        help="accept three mistakes older tools let through in DTDL v2 models, as the "
        "reference parser's TolerateSolecisms quirks do: an object holding only '@id' used "
        "as a reference, an '@id' with a reserved prefix (dtmi:dtdl:, dtmi:standard:), "
        "and repeated names whose automatic ids collide (the later element is ignored)",
    )


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "dtdl",
        help="validate DTDL v2/v3 models and show Interfaces",
        description="Validate DTDL v2/v3 model sets and show flattened Interfaces.",
        epilog="Exit codes: 0 valid, 1 invalid (or warnings with --strict), 2 usage or I/O error.",
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    parser.set_defaults(handler=lambda _args: _usage(parser))

    validate = commands.add_parser(
        "validate",
        help="validate model files and directories as one set",
        description="Validate DTDL model files and directories (recursively, *.json) as one "
        "set, or each file on its own (--each-file). Prints file:line:col: error[code]: "
        "message per finding and a summary.",
        epilog=(
            "Exit codes: 0 valid, 1 invalid (or warnings with --strict), 2 usage or I/O error. "
            "Examples: twinweave dtdl validate models/; twinweave dtdl validate models/ "
            "--format sarif > dtdl.sarif (CI code scanning); twinweave dtdl validate "
            "--each-file --resolve models/ models/dtmi. See docs/dtdl.md."
        ),
    )
    validate.add_argument("paths", nargs="+", metavar="PATH", help="model file or directory")
    _add_model_options(validate)
    validate.add_argument(
        "--format",
        choices=("text", "json", "sarif"),
        default="text",
        help="text lines (default), JSON, or SARIF 2.1.0 for code scanning",
    )
    validate.add_argument(
        "--each-file",
        action="store_true",
        help="validate each file as its own model set, as the IoT Plug and Play model "
        "repository does, all in this one process: a file's references come from "
        "--resolve DIR (dtmi:com:example:Foo;1 is DIR/dtmi/com/example/foo-1.json), so two "
        "versions of one model are no duplicate; the summary counts the invalid files",
    )
    validate.add_argument("--strict", action="store_true", help="warnings fail too (exit 1)")
    validate.add_argument(
        "--progress",
        action="store_true",
        help=f"print a count every {PROGRESS_FILES} files on stderr (default: only on a terminal)",
    )
    validate.set_defaults(handler=_validate)

    show = commands.add_parser(
        "show",
        help="print one Interface, flattened (inherited contents included)",
        description="Print the Interface DTMI with every content it has, inherited ones "
        "marked with the Interface that declares them.",
        epilog=(
            "Exit codes: 0 shown, 1 the model set is invalid, 2 usage or I/O error or no such "
            "Interface. Example: twinweave dtdl show 'dtmi:com:example:Pump;1' models/ "
            "(quote the DTMI: ';' ends a shell command). See docs/dtdl.md."
        ),
    )
    show.add_argument("dtmi", metavar="DTMI", help="the Interface to show")
    show.add_argument("paths", nargs="*", metavar="PATH", help="model file or directory")
    _add_model_options(show)
    show.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text (default), or JSON with every content and where it is declared",
    )
    show.set_defaults(handler=_show)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_USAGE
