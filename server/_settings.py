"""Typed settings of the HTTP server; built by the CLI, never from the environment here."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """What :func:`server.create_app` needs to know."""

    version: str
    graph_store: str = "memory"
    history_store: str = "duckdb"
    max_body_bytes: int = 4 * 1024 * 1024
    missing: tuple[str, ...] = field(default_factory=tuple)
