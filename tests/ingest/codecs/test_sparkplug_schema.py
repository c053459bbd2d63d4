"""The committed Sparkplug B module is what protoc makes of the committed .proto today."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests._shared import REPO

SPARKPLUG = REPO / "ingest" / "codecs" / "sparkplug"


def test_the_committed_generated_module_equals_a_fresh_compile(tmp_path: Path) -> None:
    protoc = pytest.importorskip("grpc_tools.protoc", reason="grpcio-tools is a dev dependency")
    code = protoc.main(
        [
            "protoc",
            f"--proto_path={SPARKPLUG}",
            f"--python_out={tmp_path}",
            f"--pyi_out={tmp_path}",
            str(SPARKPLUG / "sparkplug_b.proto"),
        ]
    )
    assert code == 0
    for name in ("sparkplug_b_pb2.py", "sparkplug_b_pb2.pyi"):
        fresh = (tmp_path / name).read_text(encoding="utf-8")
        committed = (SPARKPLUG / name).read_text(encoding="utf-8")
        assert committed == fresh, f"{name} is stale: run scripts/compile-protos and commit it"
