"""The Frame: samples as numpy columns (see ``_frame``), a builder for codecs, reject reasons."""

from ingest.frame._builder import FrameBuilder
from ingest.frame._frame import Frame, Kind, concat_frames, empty_frame
from ingest.frame._rejects import RecordReject, RejectReason

__all__ = [
    "Frame",
    "FrameBuilder",
    "Kind",
    "RecordReject",
    "RejectReason",
    "concat_frames",
    "empty_frame",
]
