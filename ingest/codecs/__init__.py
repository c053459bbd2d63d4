"""Codecs: raw records -> Frame columns, with every refused record or sample given a reason."""

from ingest.codecs._columnar import ARROW_STREAM, ColumnarCodec
from ingest.codecs._columnar_write import columnar_record
from ingest.codecs._content import ContentTypeCodec
from ingest.codecs._json import JsonCodec
from ingest.codecs._record import Codec, CodecLimits, Decoded, RawRecord
from ingest.codecs._topic import SPARKPLUG_PREFIX, TopicCodec

__all__ = [
    "ARROW_STREAM",
    "SPARKPLUG_PREFIX",
    "Codec",
    "CodecLimits",
    "ColumnarCodec",
    "ContentTypeCodec",
    "Decoded",
    "JsonCodec",
    "RawRecord",
    "TopicCodec",
    "columnar_record",
]
