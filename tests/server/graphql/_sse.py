"""Read a GraphQL-over-SSE response: the ``data`` of each ``next`` event."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx


def next_events(response: httpx.Response) -> Iterator[dict[str, Any]]:
    """The ``data`` object of every ``next`` event, in order, until the stream ends."""
    event = None
    for line in response.iter_lines():
        if line.startswith("event: "):
            event = line.removeprefix("event: ")
        elif line.startswith("data: ") and event == "next":
            data: dict[str, Any] = json.loads(line.removeprefix("data: "))["data"]
            yield data
