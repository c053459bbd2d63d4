"""The peers of ``benchmarks/ingest.py`` and its Neo4j + QuestDB run (sections (c) and (e)).

- ``faust_agent``: the per-event agent of background article 001, written with
  faust-streaming as the article sketches it;
- ``quix_job``: the same job written idiomatically with quixstreams;
- ``_ours``: our worker over the same topic, timed the same way;
- ``_runner``: the sections, which run every implementation on the same records
  into the same kind of stores and fail unless all read back the same state
  and history.

The peers run as subprocesses in ``.venv-peers`` (see ``_venv``).
"""

from benchmarks._ingest_peers._options import add_options, run_sections

__all__ = ["add_options", "run_sections"]
