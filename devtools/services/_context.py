"""The scratch dir, the chosen ports and the one error type of ``scripts/services``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
PROGRESS_EVERY = 15.0  # seconds between "still running" lines on long steps


class ServiceError(Exception):
    """A service could not be installed, started or stopped."""


def say(message: str) -> None:
    print(message, flush=True)


@dataclass
class Context:
    """Where one ``scripts/services`` run keeps its files, and the ports it uses.

    ``ports`` maps a port key (``neo4j``, ``kafka_controller``, ``questdb_pg`` ...)
    to the port; the apt and Java fields cache look-ups within one run.
    """

    scratch: Path
    ports: dict[str, int]
    lib_cache: Path | None = None
    """Another scratch dir whose built libraries may be reused (``_private``)."""
    apt_updated: bool = False
    java_home: Path | None = None

    def path(self, *parts: str) -> Path:
        return self.scratch.joinpath(*parts)

    def log(self, name: str) -> Path:
        return self.path("logs", f"{name}.log")

    def pidfile(self, name: str) -> Path:
        return self.path("run", f"{name}.pid")
