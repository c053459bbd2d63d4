"""``scripts/services``: start, stop and inspect the local services tests and dev runs use.

One module per service (``_neo4j``, ``_kafka``, ``_mosquitto``, ``_questdb``), each a
:class:`~devtools.services._service.Service`; ``_commands`` runs ``up``, ``down`` and
``status`` over them; ``_cli`` parses the command line. Python standard library only.
See docs/services.md.
"""

from __future__ import annotations

from devtools.services._cli import main

__all__ = ["main"]
