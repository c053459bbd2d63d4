"""Twins from CSV: one twin per record, columns named by a header row.

Columns: ``id``; ``model``; ``parent`` (``;`` between several parents: the DAG);
``lifecycle``; ``alias:<namespace>`` (e.g. ``alias:erp``, ``alias:mac``);
``rel:<name>`` (targets of an outgoing relationship, ``;`` between several);
every other column is a Property, ``component.property`` a Property of a
Component. Empty cells are left out. Values are text, converted by the
model's schema when the twin's model is known. A record without ``id`` is
matched to a twin by its aliases (identity harmonisation).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from loaders import _fields
from loaders._errors import LoaderError
from loaders._files import read_text, too_many_rows
from loaders._limits import LoadLimits
from loaders._rows import Link, Parsed, TwinRow, Where
from ontology import CONTAINS, Alias

_RESERVED = ("id", "model", "parent", "parents", "lifecycle")


def _check_header(path: Path, header: list[str]) -> None:
    seen: set[str] = set()
    for column in header:
        if not column:
            msg = f"CSV {str(path)!r}: the header has an empty column name; name every column"
            raise LoaderError(msg)
        if column in seen:
            msg = f"CSV {str(path)!r}: column {column!r} appears twice in the header"
            raise LoaderError(msg)
        seen.add(column)
        prefix, colon, rest = column.partition(":")
        if colon and not rest:
            msg = (
                f"CSV {str(path)!r}: column {column!r} names no {prefix}; expected e.g. "
                "alias:erp or rel:feeds"
            )
            raise LoaderError(msg)
        if rest and f"{prefix}:" not in (_fields.ALIAS_PREFIX, _fields.REL_PREFIX):
            msg = (
                f"CSV {str(path)!r}: column {column!r} is not understood; expected "
                "alias:<namespace>, rel:<relationship> or a property name"
            )
            raise LoaderError(msg)
    if "id" not in seen and not any(c.startswith(_fields.ALIAS_PREFIX) for c in seen):
        msg = (
            f"CSV {str(path)!r}: the header {header!r} has neither an 'id' column nor an "
            "'alias:<namespace>' column; expected one of them to say which twin a row is"
        )
        raise LoaderError(msg)


def read_csv(path: Path, limits: LoadLimits) -> Parsed:
    text = read_text(path, limits)
    out = Parsed(files=[str(path)])
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    file = str(path)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        msg = f"CSV {file!r} is empty; expected a header row"
        raise LoaderError(msg) from None
    except csv.Error as err:
        msg = f"CSV {file!r}: the header row is malformed: {err}"
        raise LoaderError(msg) from err
    _check_header(path, header)
    last_line = reader.line_num
    while True:
        start = last_line + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as err:
            out.rows += 1
            out.rejections.append(Where(file, start).reject(f"malformed CSV record: {err}"))
            last_line = reader.line_num
            continue
        last_line = reader.line_num
        if not record or all(not cell.strip() for cell in record):
            continue
        out.rows += 1
        if out.rows > limits.max_rows:
            raise too_many_rows(path, limits)
        where = Where(file, start)
        if sum(len(cell) for cell in record) > limits.max_line_bytes:
            out.rejections.append(
                where.reject(f"record is longer than {limits.max_line_bytes:,} characters")
            )
            continue
        if len(record) != len(header):
            out.rejections.append(
                where.reject(
                    f"record has {len(record)} fields; the header has {len(header)} "
                    f"({', '.join(header)})"
                )
            )
            continue
        row, reason = _row(where, header, record)
        if reason is not None:
            out.rejections.append(where.reject(reason))
        elif row is not None:
            out.twins.append(row)
    return out


def _row(where: Where, header: list[str], record: list[str]) -> tuple[TwinRow | None, str | None]:
    cells = {column: cell.strip() for column, cell in zip(header, record, strict=True)}
    aliases: list[Alias] = []
    links: list[Link] = []
    properties: dict[str, object] = {}
    for column, cell in cells.items():
        if not cell or column in _RESERVED:
            continue
        if column.startswith(_fields.ALIAS_PREFIX):
            aliases.append(Alias(column[len(_fields.ALIAS_PREFIX) :], cell))
        elif column.startswith(_fields.REL_PREFIX):
            name = column[len(_fields.REL_PREFIX) :]
            targets, reason = _fields.id_list(cell, f"rel:{name}")
            if reason is not None:
                return None, reason
            links.extend(Link(name, target, incoming=False) for target in targets)
        else:
            properties[column] = cell
    parents, reason = _fields.id_list(cells.get("parent") or cells.get("parents"), "parent")
    if reason is not None:
        return None, reason
    links[:0] = [Link(CONTAINS, parent, incoming=True) for parent in parents]
    lifecycle, reason = _fields.lifecycle(cells.get("lifecycle"))
    if reason is not None:
        return None, reason
    twin_id = cells.get("id") or None
    if twin_id is None and not aliases:
        return None, "record has no id and no alias; expected one of them to name the twin"
    return (
        TwinRow(
            where=where,
            id=twin_id,
            model=cells.get("model") or None,
            properties=properties,
            aliases=tuple(aliases),
            links=tuple(links),
            lifecycle=lifecycle,
            textual=True,
        ),
        None,
    )
