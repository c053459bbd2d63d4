"""What ``twinweave demo`` prints once the server runs: the URLs and three example queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

MACHINE = "acme/jkt1/packaging/line1/filler1"

LIVE = """{ twin(id: "%(machine)s") {
       signals(names: ["speed", "power", "mode"]) { name value unit time batch } } }
   subscription { signalChanges(under: "acme/jkt1/packaging", signals: ["power"],
       minInterval: 2) { cursor changes { twin value time } } }"""

HISTORY = """{ twin(id: "%(machine)s") {
       history(signals: ["power"], from: "%(day_ago)s", to: "%(now)s",
               interval: 60, aggregates: [MEAN, MAX]) { signal timestamps values } } }"""

LINEAGE = """{ twin(id: "%(machine)s") { lineage(signal: "power") {
       value time batch receivedAt pipelineVersion principal
       sources { kind topic path firstOffset lastOffset } } } }"""


def banner(base: str) -> str:
    """The URLs and three queries: live state changing, a day of history, a value's lineage."""
    now = datetime.now(UTC).replace(microsecond=0)
    values = {
        "machine": MACHINE,
        "day_ago": (now - timedelta(days=1)).isoformat().replace("+00:00", "Z"),
        "now": (now + timedelta(hours=1)).isoformat().replace("+00:00", "Z"),
    }
    return "\n".join(
        [
            "",
            "twinweave demo is serving:",
            f"  twin explorer       {base}/   (open it in a browser)",
            f"  GraphQL + GraphiQL  {base}/graphql",
            f"  AAS Part 2 API      {base}/aas/api/v3.1/shells   (and /aas/api/v3.0)",
            f"  health              {base}/healthz",
            "",
            "1. Live state changing (run the query twice, or the subscription in GraphiQL):",
            "   " + LIVE % values,
            "",
            "2. A day of history in 1-minute buckets, returned as arrays:",
            "   " + HISTORY % values,
            "",
            "3. The lineage of a value (the batch that wrote it, its source, pipeline, principal):",
            "   " + LINEAGE % values,
            "",
        ]
    )
