"""Codecs: raw records -> Frame columns, with every refused record or sample given a reason."""

from ingest.codecs._json import JsonCodec
from ingest.codecs._record import CodecLimits, Decoded, RawRecord

__all__ = ["CodecLimits", "Decoded", "JsonCodec", "RawRecord"]
