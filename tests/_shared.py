"""Where the tests find reference data that the repository does not ship.

The DTDL conformance cases, the Compose schema, AAS schemas and the like live
in the project's ``shared/`` folder beside the checkout (``../shared``), never
in the repository. ``TWINWEAVE_SHARED_DIR`` points elsewhere. Where the data is
absent (a user's clone) the test is skipped with a message saying how to get
it; under ``CI=true`` its absence fails the test instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def shared_dir() -> Path:
    return Path(os.environ.get("TWINWEAVE_SHARED_DIR", REPO.parent / "shared"))


def shared_file(relative: str, *, setting: str | None = None) -> Path:
    """The path of ``relative`` under the shared folder (or the value of ``setting``).

    Skips the calling test when the file is missing, or fails it when ``CI=true``.
    """
    path = (
        Path(os.environ[setting]) if setting and setting in os.environ else shared_dir() / relative
    )
    if not path.is_file():
        how = f"set {setting} or " if setting else ""
        msg = (
            f"reference data {path} is not here; {how}set TWINWEAVE_SHARED_DIR to a folder "
            f"holding {relative} (the project's shared/ folder beside the checkout)"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    return path
