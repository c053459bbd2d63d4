"""A codec per record by its media type (a Kafka ``content-type`` header), else a default."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ingest.codecs._record import Codec, Decoded, RawRecord
from ingest.frame import concat_frames


class ContentTypeCodec:
    """Records whose ``content_type`` is a key of ``codecs`` go to that codec; the others
    (no content type, or one not listed) to ``default``."""

    def __init__(self, codecs: Mapping[str, Codec], default: Codec) -> None:
        self._codecs = dict(codecs)
        self._default = default

    def decode(self, records: Sequence[RawRecord]) -> Decoded:
        parts: dict[int, tuple[Codec, list[RawRecord]]] = {}
        for record in records:
            codec = self._codecs.get(record.content_type or "", self._default)
            parts.setdefault(id(codec), (codec, []))[1].append(record)
        if len(parts) == 1:
            codec, _ = next(iter(parts.values()))
            return codec.decode(records)
        decoded = [codec.decode(mine) for codec, mine in parts.values()]
        rejects = tuple(r for d in decoded for r in d.rejects)
        return Decoded(concat_frames([d.frame for d in decoded]), rejects)
