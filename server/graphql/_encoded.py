"""A list whose JSON is written once, for every response that holds it.

A kept history series' columns (``_series_json``) go into the responses of many
requests; orjson wrote their 1,440 numbers again for each (floats cost most). An
:class:`EncodedList` is a plain ``list`` to every reader, and carries the bytes orjson
wrote for it when it was made: the server's JSON writer (``_http.encode``, with
:func:`json_default`) copies those bytes instead of writing the numbers again. The
list is never changed after it is made (its readers only read it).
"""

from __future__ import annotations

import enum
from typing import Any

import orjson

__all__ = ["OPTIONS", "EncodedList", "json_default"]

OPTIONS = orjson.OPT_PASSTHROUGH_SUBCLASS
"""orjson's options for :func:`json_default`: subclasses of ``list``, ``dict``, ``str`` and
``int`` are handed to it."""


class EncodedList(list[Any]):
    """A list and its JSON, as orjson writes it, made once (read it only)."""

    __slots__ = ("json",)

    def __init__(self, items: list[Any]) -> None:
        super().__init__(items)
        self.json = orjson.Fragment(orjson.dumps(items))


def json_default(value: object) -> object:
    """orjson's ``default`` under :data:`OPTIONS`: an :class:`EncodedList` as its bytes; any
    other subclass of a built-in type as orjson writes it without the option (an enum as
    its value, the others as the built-in type). Anything else is refused, as before."""
    if type(value) is EncodedList:
        return value.json
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return list(value)
    msg = f"Type is not JSON serializable: {type(value).__name__}"
    raise TypeError(msg)
