"""What names things in the graph: twin ids, aliases, edge and signal names, entity kinds.

Each ``check_*`` returns a reason (plain words naming the value received and
what was expected) or ``None``; ``aliases_ok`` is the fast path of
``check_aliases`` for a batch. ``alias_text`` and ``edge_key`` are how an
alias and an edge are named in messages and audit keys, in both stores.
"""

from __future__ import annotations

import re

from dtdl import with_article
from ontology.graph._limits import MAX_ALIAS_VALUE, MAX_ALIASES, MAX_TWIN_ID, show
from ontology.graph._values import Alias, Edge

TWIN_ID_PATTERN = r"[A-Za-z0-9_][A-Za-z0-9_.:@~+\-]*(?:/[A-Za-z0-9_][A-Za-z0-9_.:@~+\-]*)*"
"""Path-like: ``plant/jkt1/packaging/line3``; segments never start with ``.``."""
ALIAS_NAMESPACE_PATTERN = r"[A-Za-z][A-Za-z0-9_.\-]{0,63}"
NAME_PATTERN = r"[A-Za-z](?:[A-Za-z0-9_]*[A-Za-z0-9])?"
"""DTDL ``name`` syntax: relationship (edge) names."""
SIGNAL_PATTERN = r"[A-Za-z][A-Za-z0-9_.:\-]{0,255}"

twin_id_match = re.compile(TWIN_ID_PATTERN).fullmatch
namespace_match = re.compile(ALIAS_NAMESPACE_PATTERN).fullmatch
name_match = re.compile(NAME_PATTERN).fullmatch
signal_match = re.compile(SIGNAL_PATTERN).fullmatch
control_search = re.compile(r"[\x00-\x1f\x7f]").search

# ---------------------------------------- entity kinds (NotFoundError etc.)
KIND_MODEL = "model"
KIND_TWIN = "twin"
KIND_EDGE = "edge"
KIND_ALIAS = "alias"


def alias_text(alias: Alias) -> str:
    """``namespace:value``: an alias in messages and audit keys (a namespace has no ``:``)."""
    return f"{alias.namespace}:{alias.value}"


def edge_key(edge: Edge) -> str:
    """``source -[name]-> target``: an edge in messages and audit keys."""
    return f"{edge.source} -[{edge.name}]-> {edge.target}"


def check_twin_id(twin_id: object) -> str | None:
    if not isinstance(twin_id, str):
        return (
            f"twin id {show(twin_id)} is {with_article(type(twin_id).__name__)}; expected a string"
        )
    if len(twin_id) > MAX_TWIN_ID:
        return f"twin id {show(twin_id)} has {len(twin_id)} characters; at most {MAX_TWIN_ID}"
    if twin_id_match(twin_id) is None:
        return (
            f"twin id {show(twin_id)} is not path-like; expected segments of letters, digits "
            "and _.:@~+- separated by '/', none empty or starting with '.'"
        )
    return None


def check_alias(alias: object) -> str | None:
    if not isinstance(alias, Alias):
        return (
            f"alias {show(alias)} is {with_article(type(alias).__name__)}; "
            "expected Alias(namespace, value)"
        )
    ns, value = alias.namespace, alias.value
    if not isinstance(ns, str) or namespace_match(ns) is None:
        return (
            f"alias namespace {show(ns)} is not valid; expected a letter then up to 63 "
            "letters, digits or _.-"
        )
    if not isinstance(value, str) or not value or len(value) > MAX_ALIAS_VALUE:
        return (
            f"alias value {show(value)} in namespace {ns!r} is not valid; expected a "
            f"non-empty string of at most {MAX_ALIAS_VALUE} characters"
        )
    if control_search(value) is not None:
        return f"alias value {show(value)} in namespace {ns!r} contains control characters"
    return None


def is_signal_name(name: object) -> bool:
    return isinstance(name, str) and signal_match(name) is not None


def check_aliases(twin_id: str, aliases: object) -> list[str]:
    if not isinstance(aliases, tuple | list):
        return [
            f"aliases of twin {twin_id!r} are {with_article(type(aliases).__name__)}; "
            "expected a tuple"
        ]
    if len(aliases) > MAX_ALIASES:
        return [f"twin {twin_id!r} has {len(aliases)} aliases; at most {MAX_ALIASES}"]
    reasons = [r for r in map(check_alias, aliases) if r is not None]
    if not reasons and len(set(aliases)) != len(aliases):
        reasons.append(f"twin {twin_id!r} lists the same alias twice")
    return reasons


good_namespaces: set[str] = set()
"""Alias namespaces seen valid (bounded), so a batch checks each namespace once."""


def aliases_ok(aliases: object) -> bool:
    """The fast path of ``check_aliases``: True when there is nothing to report."""
    if type(aliases) is not tuple or len(aliases) > MAX_ALIASES:
        return False
    for alias in aliases:
        if type(alias) is not Alias:
            return False
        namespace, value = alias.namespace, alias.value
        if namespace not in good_namespaces:
            if check_alias(alias) is not None:
                return False
            if len(good_namespaces) < 4096:
                good_namespaces.add(namespace)
        if (
            type(value) is not str
            or not 0 < len(value) <= MAX_ALIAS_VALUE
            or (not value.isprintable() and control_search(value) is not None)
        ):
            return False
    return len(aliases) < 2 or len(set(aliases)) == len(aliases)
