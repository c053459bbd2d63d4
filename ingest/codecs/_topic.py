"""A codec per record by its MQTT topic: Sparkplug B topics to one codec, the rest to another."""

from __future__ import annotations

from collections.abc import Sequence

from ingest.codecs._record import Codec, Decoded, RawRecord
from ingest.frame import concat_frames

SPARKPLUG_PREFIX = "spBv1.0/"


class TopicCodec:
    """Records whose topic starts with ``spBv1.0/`` go to ``sparkplug``, the others to ``other``."""

    def __init__(self, sparkplug: Codec, other: Codec) -> None:
        self._sparkplug = sparkplug
        self._other = other

    def decode(self, records: Sequence[RawRecord]) -> Decoded:
        spb = [r for r in records if (r.topic or "").startswith(SPARKPLUG_PREFIX)]
        if not spb:
            return self._other.decode(records)
        rest = [r for r in records if not (r.topic or "").startswith(SPARKPLUG_PREFIX)]
        if not rest:
            return self._sparkplug.decode(records)
        a, b = self._sparkplug.decode(spb), self._other.decode(rest)
        return Decoded(concat_frames([a.frame, b.frame]), a.rejects + b.rejects)
