"""``changes(since, under)``: what changed under a subtree, for a shift handover.

Two sources, merged into one time-ordered, paged list of ``TwinEvent``:

- the history store's events (mode changes, faults, lifecycle and threshold
  events the ingest worker wrote), when the server has a history store;
- the graph store's audit trail: structure edits (twins created or deleted,
  edges, aliases), property edits, lifecycle transitions and model uploads,
  each with its principal and the values before and after.

An audit record is listed when it names a twin of the subtree (an edge: either
end; a model: a model some twin of the subtree uses) and the principal may read
every twin it names. A twin deleted since is no longer in the subtree, so its
own ``twin.delete`` record is not listed; the removal of its edges to a parent
that still is in the subtree is.

The cursor records how far each source was read. A page may be short when the
audit trail holds many records outside the subtree: follow ``nextCursor`` until
it is null.
"""

from __future__ import annotations

import base64
import binascii
import heapq
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import strawberry

import ontology
from ontology.graph import MAX_PAGE
from server.graphql import _scan as scan
from server.graphql._context import Context
from server.graphql._errors import GraphQLInputError, LimitError
from server.graphql._history import MAX_EVENTS_PAGE, EventPage, TwinEvent, event_type, utc
from server.graphql._threads import in_thread
from server.graphql._typing import as_json

HISTORY_KINDS = ("mode", "fault", "lifecycle", "threshold")
AUDIT_KINDS = ("structure", "properties", "lifecycle", "model")
CHANGE_KINDS = tuple(dict.fromkeys((*HISTORY_KINDS, *AUDIT_KINDS)))
MAX_CURSOR_CHARS = 512
AUDIT_READ_PER_PAGE = 20_000
"""Audit records one page reads at most (a bulk load writes many outside any subtree)."""

_KIND_OF_ACTION = {
    "twin.create": "structure",
    "twin.delete": "structure",
    "edge.add": "structure",
    "edge.update": "structure",
    "edge.remove": "structure",
    "alias.add": "structure",
    "alias.remove": "structure",
    "twin.update": "properties",
    "twin.lifecycle": "lifecycle",
    "model.add": "model",
    "model.delete": "model",
}
_CURSOR_PREFIX = "chg1."


@dataclass(frozen=True, slots=True)
class _Cursor:
    history: str | None  # the history store's cursor, None: from the start
    history_done: bool
    audit: int  # the last audit seq read

    def text(self) -> str:
        body = json.dumps([self.history, self.history_done, self.audit], separators=(",", ":"))
        return _CURSOR_PREFIX + base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")


def _read_cursor(after: str | None) -> _Cursor:
    if after is None:
        return _Cursor(history=None, history_done=False, audit=0)
    problem = f"after: {after[:60]!r} is not a cursor this field returned; expected nextCursor"
    if len(after) > MAX_CURSOR_CHARS or not after.startswith(_CURSOR_PREFIX):
        raise GraphQLInputError(problem)
    encoded = after.removeprefix(_CURSOR_PREFIX)
    try:
        body = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    except (ValueError, binascii.Error):
        raise GraphQLInputError(problem) from None
    match body:
        case [str() | None as history, bool(done), int(audit)] if audit >= 0:
            return _Cursor(history=history, history_done=done, audit=audit)
    raise GraphQLInputError(problem)


@dataclass(frozen=True, slots=True)
class _Audited:
    record: ontology.AuditRecord
    twin: str
    named: tuple[str, ...]  # every twin the record names


def _named_twins(record: ontology.AuditRecord) -> tuple[str, ...]:
    if record.action.startswith("edge."):
        ends = record.after if isinstance(record.after, dict) else record.before
        if isinstance(ends, dict):
            return (str(ends.get("source")), str(ends.get("target")))
        return ()
    if record.action.startswith(("twin.", "alias.")):
        return (record.key,)
    return ()


@dataclass(frozen=True, slots=True)
class _AuditRead:
    found: list[_Audited]
    last_seq: int  # the last record read (found or passed over)
    last_at: datetime | None
    done: bool  # read to the end of the trail


async def _audit_items(
    ctx: Context, start: datetime, after: int, under: set[str], kinds: set[str], want: int
) -> _AuditRead:
    """Up to ``want`` audit records of the subtree, of ``kinds``, after seq ``after``.

    Reads at most ``AUDIT_READ_PER_PAGE`` records; a record not read is later than every one
    read.
    """
    found: list[_Audited] = []
    last, last_at, budget = after, None, min(AUDIT_READ_PER_PAGE, ctx.limits.max_scan)
    models: set[str] | None = None
    while budget > 0:
        page = await in_thread(
            ctx.store.audit, since=start, first=min(MAX_PAGE, budget), after=last
        )
        budget -= len(page.items)
        for record in page.items:
            kind = _KIND_OF_ACTION.get(record.action)
            named = _named_twins(record)
            if kind not in kinds:
                relevant = False
            elif kind == "model":
                if models is None:  # read once, only when a model record is in the window
                    twins = await ctx.loaders.twin.load_many(sorted(under))
                    models = {t.model for t in twins if t is not None}
                relevant = record.key in models
            else:
                relevant = any(t in under for t in named)
            if relevant and len(await ctx.loaders.only_visible(list(named))) == len(named):
                if len(found) == want:
                    return _AuditRead(found, last, last_at, done=False)
                found.append(_Audited(record, named[0] if named else record.key, named))
            last, last_at = record.seq, record.at
        if page.next_cursor is None:
            return _AuditRead(found, last, last_at, done=True)
    return _AuditRead(found, last, last_at, done=False)


def _audit_event(item: _Audited) -> TwinEvent:
    record = item.record
    kind = _KIND_OF_ACTION[record.action]
    return TwinEvent(
        twin=strawberry.ID(item.twin),
        time=record.at,
        kind=kind,
        code=record.action,
        message=f"{record.action} {record.key} by {record.principal}",
        data=as_json(
            {
                "principal": record.principal,
                "key": record.key,
                "seq": record.seq,
                "before": record.before,
                "after": record.after,
            }
        ),
        batch=None,
    )


def _kinds(kinds: list[str] | None) -> tuple[list[str], list[str]]:
    """The kinds asked of the history store and of the audit trail (default: every kind of
    change; other event kinds, e.g. ``feed``, are asked of history when named)."""
    chosen = list(CHANGE_KINDS) if kinds is None else list(dict.fromkeys(kinds))
    audit = [k for k in chosen if k in AUDIT_KINDS]
    return [k for k in chosen if k in HISTORY_KINDS or k not in AUDIT_KINDS], audit


def _merge(
    events: Sequence[ontology.history.Event], audited: Sequence[_Audited], first: int
) -> tuple[int, int]:
    """How many of each (both in time order) make the first ``first`` of the merged list."""
    tagged: Iterable[tuple[datetime, int]] = heapq.merge(
        ((e.time, 0) for e in events),
        ((a.record.at, 1) for a in audited),
        key=lambda pair: pair,
    )
    taken = [0, 0]
    for _, source in tagged:
        if sum(taken) == first:
            break
        taken[source] += 1
    return taken[0], taken[1]


async def changes_under(
    ctx: Context,
    since: datetime,
    under: str,
    kinds: list[str] | None,
    first: int,
    after: str | None,
) -> EventPage:
    """What changed under ``under`` (and every twin below it the principal may read) since
    ``since``: history events and graph audit records, merged in time order."""
    start = utc("since", since)
    end = datetime.now(UTC)
    if start >= end:
        msg = f"since: {start.isoformat()} is not in the past"
        raise GraphQLInputError(msg)
    if not 0 < first <= MAX_EVENTS_PAGE:
        msg = f"first: {first}; expected 1 to {MAX_EVENTS_PAGE}"
        raise LimitError(msg)
    history_kinds, audit_kinds = _kinds(kinds)
    cursor = _read_cursor(after)
    below = await in_thread(scan.descendants, ctx.store, under, cap=ctx.limits.max_scan)
    twins = await ctx.loaders.only_visible([under, *below])
    if not twins or twins[0] != under:
        return EventPage(items=[], next_cursor=None)

    history = ctx.history_loaders.history if ctx.history_loaders is not None else None
    events: tuple[ontology.history.Event, ...] = ()
    history_next, history_done = cursor.history, True
    if history is not None and history_kinds and not cursor.history_done:
        page = await in_thread(
            history.events, twins, start, end, kinds=history_kinds, first=first,
            after=cursor.history,
        )  # fmt: skip
        events, history_next, history_done = page.items, page.next_cursor, page.next_cursor is None

    read_events = events
    audited: list[_Audited] = []
    audit_last, audit_done = cursor.audit, True
    if audit_kinds:
        read = await _audit_items(ctx, start, cursor.audit, set(twins), set(audit_kinds), first)
        audited, audit_last, audit_done = read.found, read.last_seq, read.done
        if not read.done:  # the trail goes on: nothing later than its last record read
            boundary = read.last_at
            events = tuple(e for e in events if boundary is not None and e.time <= boundary)

    take_events, take_audit = _merge(events, audited, first)
    if take_events < len(read_events):  # the history page was not used up: resume inside it
        history_done = False
        if take_events == 0:
            history_next = cursor.history
        else:
            again = await in_thread(
                history.events, twins, start, end,  # type: ignore[union-attr]
                kinds=history_kinds, first=take_events, after=cursor.history,
            )  # fmt: skip
            history_next = again.next_cursor
    if take_audit < len(audited):
        audit_last, audit_done = audited[take_audit].record.seq - 1, False
    items = sorted(
        [event_type(e) for e in events[:take_events]]
        + [_audit_event(a) for a in audited[:take_audit]],
        key=lambda item: item.time,
    )
    done = history_done and audit_done
    next_cursor = None if done else _Cursor(history_next, history_done, audit_last).text()
    return EventPage(items=items, next_cursor=next_cursor)
