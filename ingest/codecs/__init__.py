"""Codecs: raw records -> Frame columns, with every refused record or sample given a reason."""

from ingest.codecs._json import JsonCodec
from ingest.codecs._record import Codec, CodecLimits, Decoded, RawRecord
from ingest.codecs._topic import SPARKPLUG_PREFIX, TopicCodec

__all__ = [
    "SPARKPLUG_PREFIX",
    "Codec",
    "CodecLimits",
    "Decoded",
    "JsonCodec",
    "RawRecord",
    "TopicCodec",
]
