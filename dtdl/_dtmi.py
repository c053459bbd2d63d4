"""Digital Twin Model Identifiers: syntax per DTDL version and automatic ids."""

from __future__ import annotations

import functools
import re

_SEG = r"[A-Za-z](?:[A-Za-z0-9_]*[A-Za-z0-9])?"
_SYS_SEG = r"_*[A-Za-z0-9](?:[A-Za-z0-9_]*[A-Za-z0-9])?"
USER_V2 = re.compile(rf"^dtmi:{_SEG}(?::{_SEG})*;[1-9][0-9]{{0,8}}$")
USER_V3 = re.compile(rf"^dtmi:{_SEG}(?::{_SEG})*(?:;[1-9][0-9]{{0,8}}(?:\.[1-9][0-9]{{0,5}})?)?$")
# any syntactically valid DTMI, system segments included (the automatic ids)
ANY = re.compile(
    rf"^dtmi:{_SYS_SEG}(?::{_SYS_SEG})*(?:;[1-9][0-9]{{0,8}}(?:\.[1-9][0-9]{{0,5}})?)?$"
)
NAME = re.compile(r"^[A-Za-z](?:[A-Za-z0-9_]*[A-Za-z0-9])?$")
RESERVED_PREFIXES = ("dtmi:dtdl:", "dtmi:standard:")
MAX_LENGTH = 2048
MAX_INTERFACE_LENGTH = 128


@functools.lru_cache(maxsize=65536)
def valid_name(name: str) -> bool:
    """Whether ``name`` is a valid DTDL ``name`` (cached: names repeat a lot)."""
    return NAME.match(name) is not None


def is_user_dtmi(value: str, version: int) -> bool:
    """Whether ``value`` is a user DTMI valid in DTDL ``version``."""
    pattern = USER_V2 if version == 2 else USER_V3
    return pattern.match(value) is not None


def looks_like_dtmi(value: str) -> bool:
    return value.startswith("dtmi:")


def is_iri(value: str) -> bool:
    """A string with a scheme (``http://x``, ``urn:x``): an IRI but maybe not a DTMI."""
    head, sep, _ = value.partition(":")
    return bool(sep) and bool(re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*$", head))


def is_reserved(value: str) -> bool:
    return value.startswith(RESERVED_PREFIXES)


def child_id(parent: str, prop: str, name: str | None = None) -> str:
    """The automatic id of a child without ``@id`` (spec: Automatic Identifier Assignment)."""
    base, sep, version = parent.partition(";")
    base += f":_{prop}"
    if name is not None:
        base += f":__{name}"
    return f"{base}{sep}{version}"


def version_of(dtmi: str) -> str:
    return dtmi.partition(";")[2]
