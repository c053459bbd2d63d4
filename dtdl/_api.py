"""``parse`` and ``validate``: the package's entry points."""

from __future__ import annotations

import gc
import json
from collections.abc import Sequence
from typing import Any

from dtdl._build import Builder
from dtdl._diagnostic import PREFIX, RECOMMENDATION, UNRESOLVED, Diagnostic, Severity
from dtdl._errors import ParsingError, ResolutionError
from dtdl._json import Locations, load
from dtdl._messages import NOT_JSON, render
from dtdl._modelset import ModelSet
from dtdl._options import ParseOptions
from dtdl._rules import BUILTIN, Rules
from dtdl._walker import Walker

PARTITION_BYTES = 1024 * 1024


class _Run:
    """One validation run over a set of texts (plus texts the resolver supplies)."""

    def __init__(self, texts: Sequence[str], options: ParseOptions) -> None:
        self.texts: list[str] = list(texts)
        self.given = len(self.texts)  # texts from index ``given`` on came from the resolver
        self.options = options
        self.raw: list[dict[str, Any]] = []
        self.walker = Walker(options, self.report)
        self.rules: Rules | None = None
        self.undefined: list[tuple[str, Any]] = []

    def report(self, code: str, **kw: Any) -> None:
        self.raw.append({"code": code, **kw})

    def read(self, index: int) -> None:
        text: object = self.texts[index]
        if not isinstance(text, str):
            self.report("notJsonObject", doc=index, value=type(text).__name__)
            return
        if len(text) > self.options.max_text_bytes:
            self.report(
                "partitionTooLarge",
                doc=index,
                value=str(len(text)),
                limit=str(self.options.max_text_bytes),
            )
            return
        try:
            value = load(text)
        except json.JSONDecodeError as exc:
            self.report(
                "notJsonObject",
                doc=index,
                value=f"{NOT_JSON}{exc.msg if text.strip() else 'it is empty'}",
                line=exc.lineno,
                column=exc.colno,
            )
            return
        except (ValueError, RecursionError) as exc:
            self.report(
                "notJsonObject", doc=index, value=f"{NOT_JSON}{exc}", line=None, column=None
            )
            return
        before = len(self.walker.tops)
        self.walker.lenient = self.options.tolerates_solecisms(resolved=index >= self.given)
        self.walker.document(value, index)
        if len(text) > PARTITION_BYTES:
            self._partition_sizes(index, before)

    def _partition_sizes(self, index: int, before: int) -> None:
        locations = Locations(self.texts[index])
        for node in self.walker.tops[before:]:
            if node.version < 3:
                continue
            size = locations.span_bytes(node.path)
            if size is not None and size > PARTITION_BYTES:
                self.report(
                    "partitionTooLarge",
                    doc=index,
                    path=node.path,
                    primary=node.id,
                    value=str(size),
                    limit=str(PARTITION_BYTES),
                )

    def missing(self) -> list[str]:
        nodes = self.walker.nodes
        result: list[str] = []
        for _node, _prop, target, _path in self.walker.refs:
            if target not in nodes and target not in BUILTIN and target not in result:
                result.append(target)
        return result

    def run(self) -> None:
        for index in range(len(self.texts)):
            self.read(index)
        resolver = self.options.resolver
        rounds = 0
        asked: set[str] = set()
        while resolver is not None and rounds < self.options.max_resolver_rounds:
            wanted = [m for m in self.missing() if m not in asked and not _reserved(m)]
            if not wanted:
                break
            asked.update(wanted)
            rounds += 1
            for text in resolver(wanted):
                self.texts.append(text)
                self.read(len(self.texts) - 1)
        for target in self.missing():
            refs = [(n, p, path) for n, p, t, path in self.walker.refs if t == target]
            node, prop, path = refs[0]
            if _reserved(target):
                self.report(
                    "undefinedReservedId",
                    primary=node.id,
                    prop=prop,
                    secondary=target,
                    doc=node.doc,
                    path=path,
                )
            else:
                self.undefined.append((target, refs))
        if self.undefined:
            return
        self.rules = Rules(self.walker.nodes, self.walker.order, self.report, self.walker.refs)
        self.rules.run()

    def diagnostics(self) -> list[Diagnostic]:
        located: dict[int, Locations] = {}
        result: list[Diagnostic] = []
        seen: set[tuple[Any, ...]] = set()
        for item in self.raw:
            result.append(self._diagnostic(item, located))
        for target, refs in self.undefined:
            node, prop, path = refs[0]
            item = {
                "code": "unresolvedIdentifier",
                "primary": target,
                "secondary": node.id,
                "prop": prop,
                "doc": node.doc,
                "path": path,
                "value": str(len(refs)),
            }
            result.append(self._diagnostic(item, located, UNRESOLVED))
        unique: list[Diagnostic] = []
        for diag in result:
            key = (
                diag.validation_id,
                diag.primary_id,
                diag.property,
                diag.value,
                diag.document,
                diag.line,
                diag.column,
            )
            if key not in seen:
                seen.add(key)
                unique.append(diag)
        return unique

    def _diagnostic(
        self, item: dict[str, Any], located: dict[int, Locations], validation_id: str | None = None
    ) -> Diagnostic:
        code = item["code"]
        doc = item.get("doc")
        path = tuple(item.get("path") or ())
        line, column = item.get("line"), item.get("column")
        if "line" not in item and isinstance(doc, int):
            found = self._locate(doc, path, located)
            if found is not None:
                line, column = found
        fields = {
            k: (v if isinstance(v, str) or v is None else str(v))
            for k, v in item.items()
            if k
            not in ("code", "path", "line", "column", "severity", "related_doc", "related_path")
        }
        fields["doc"] = self._name(doc, "Document") if doc is not None else "A document"
        related_doc: int | None = item.get("related_doc")
        related_line: int | None = None
        if related_doc is not None:
            found = self._locate(related_doc, tuple(item.get("related_path") or ()), located)
            related_line = found[0] if found is not None else None
            at = f" at line {related_line}" if related_line is not None else ""
            fields["first"] = f"in {self._name(related_doc)}{at}"
        cause, action = render(code, fields)
        severity: Severity = "warning" if item.get("severity") == "warning" else "error"
        prefix = RECOMMENDATION if severity == "warning" else PREFIX
        return Diagnostic(
            validation_id=validation_id or prefix + code,
            primary_id=item.get("primary"),
            secondary_id=item.get("secondary"),
            property=item.get("prop"),
            value=item.get("value"),
            document=doc,
            line=line,
            column=column,
            cause=cause,
            action=action,
            severity=severity,
            path=path,
            related_document=related_doc,
            related_line=related_line,
        )

    def _locate(
        self, doc: int, path: tuple[Any, ...], located: dict[int, Locations]
    ) -> tuple[int, int] | None:
        """Line and column of ``path`` in document ``doc`` (None when not found)."""
        if not (0 <= doc < len(self.texts) and isinstance(self.texts[doc], str)):
            return None
        if doc not in located:
            located[doc] = Locations(self.texts[doc])
        return located[doc].find(path)

    def _name(self, doc: int, word: str = "document") -> str:
        namer = self.options.document_name
        name = namer(doc) if namer is not None else None
        return name if name else f"{word} {doc}"

    def model_set(self) -> ModelSet:
        rules = self.rules
        bases = rules.bases if rules else {}
        builder = Builder(self.walker.nodes, bases)
        elements = {ident: builder.element(node) for ident, node in self.walker.nodes.items()}
        return ModelSet(elements)


def _reserved(dtmi: str) -> bool:
    return dtmi.startswith(("dtmi:dtdl:", "dtmi:standard:", "dtmi:iotcentral:"))


def _execute(texts: Sequence[str], options: ParseOptions | None) -> tuple[_Run, list[Diagnostic]]:
    # A run allocates many small, acyclic-until-the-end containers; the cyclic garbage
    # collector would rescan them again and again (about 3/4 of the run time on large
    # sets), so it pauses for the run and resumes, with its previous setting, after it.
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        return _execute_run(texts, options)
    finally:
        if paused:
            gc.enable()


def _execute_run(
    texts: Sequence[str], options: ParseOptions | None
) -> tuple[_Run, list[Diagnostic]]:
    run = _Run(texts, options or ParseOptions())
    try:
        run.run()
        return run, run.diagnostics()
    except Exception as exc:
        run.report("internalError", value=f"{type(exc).__name__}: {exc}")
        try:
            return run, run.diagnostics()
        except Exception:
            cause, action = render("internalError", {"value": type(exc).__name__})
            return run, [
                Diagnostic(
                    PREFIX + "internalError",
                    None,
                    None,
                    None,
                    json.dumps(str(exc))[:200],
                    None,
                    None,
                    None,
                    cause,
                    action,
                )
            ]


def validate(texts: Sequence[str], *, options: ParseOptions | None = None) -> list[Diagnostic]:
    """Every error and warning about the model set ``texts``; never raises for a bad model."""
    if isinstance(texts, str):
        texts = [texts]
    return _execute(texts, options)[1]


def parse(texts: Sequence[str], *, options: ParseOptions | None = None) -> ModelSet:
    """The typed ModelSet of ``texts``.

    Raises :class:`ResolutionError` when DTMIs are referenced but defined nowhere, and
    :class:`ParsingError` for any other error (warnings do not fail a parse).
    """
    if isinstance(texts, str):
        texts = [texts]
    run, diagnostics = _execute(texts, options)
    errors = [d for d in diagnostics if d.severity == "error"]
    unresolved = [d for d in errors if d.validation_id == UNRESOLVED]
    if unresolved and len(unresolved) == len(errors):
        raise ResolutionError(errors, [d.primary_id or "" for d in unresolved])
    if errors:
        raise ParsingError(errors)
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        return run.model_set()
    finally:
        if paused:
            gc.enable()
