"""The ``twinweave`` command line."""

from twinweave.cli._main import main

__all__ = ["main"]
