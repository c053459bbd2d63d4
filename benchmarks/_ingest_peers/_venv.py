"""The peers' own venv: faust-streaming and quixstreams beside the project, not in its venv.

The peers are benchmark-only dependencies with their own pins (faust-streaming
brings its own Kafka client stack, quixstreams confluent-kafka and rocksdict),
so they live in ``.venv-peers`` at the repository root, made on first use::

    python3 -m venv .venv-peers
    .venv-peers/bin/pip install -e . -r benchmarks/_ingest_peers/requirements.txt

``--peers-python PATH`` names another interpreter that has them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".venv-peers"
REQUIREMENTS = Path(__file__).with_name("requirements.txt")
PROBE = "import faust, quixstreams, ontology, ingest.pipeline"


def peers_python(given: str | None) -> Path:
    """The interpreter to run the peers with: ``given``, or ``.venv-peers`` (made if missing,
    reinstalled once if it cannot import them: this project's dependencies may have grown)."""
    if given is not None:
        python = Path(given)
        probe = _probe(python)
    else:
        python = VENV / "bin" / "python"
        if not python.exists():
            print(f"  making {VENV.name} for the peers (once) ...", flush=True)
            subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
            _install(python)
        probe = _probe(python)
        if probe.returncode != 0:
            print(f"  {VENV.name} cannot import the peers: reinstalling ...", flush=True)
            _install(python)
            probe = _probe(python)
    if probe.returncode != 0:
        msg = (
            f"{python} cannot import the peers ({probe.stderr.strip().splitlines()[-1:]}); "
            f"expected faust-streaming and quixstreams from {REQUIREMENTS.name} and this project"
        )
        raise RuntimeError(msg)
    return python


def _install(python: Path) -> None:
    pip = [str(python), "-m", "pip", "install", "-q", "-e", str(ROOT)]
    subprocess.run([*pip, "-r", str(REQUIREMENTS)], check=True)


def _probe(python: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(python), "-c", PROBE], capture_output=True, text=True, check=False)
