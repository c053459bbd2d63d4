"""Mosquitto 2 (the Debian package) with its own config: anonymous, no persistence."""

from __future__ import annotations

import shutil
import struct
from pathlib import Path
from typing import ClassVar

from devtools.services._context import HOST, Context, ServiceError
from devtools.services._install import apt_install
from devtools.services._process import exchange
from devtools.services._service import Launch, Port, Service


def _binary() -> str | None:
    for candidate in ("/usr/sbin/mosquitto", shutil.which("mosquitto")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


class Mosquitto(Service):
    name = "mosquitto"
    marker = "mosquitto"
    ports: ClassVar[tuple[Port, ...]] = (Port("mosquitto", 18830, "Mosquitto MQTT port"),)
    ready_timeout = 30.0

    def prepare(self, ctx: Context) -> None:
        if _binary() is None:
            apt_install(ctx, "mosquitto")
        if _binary() is None:
            msg = "mosquitto binary not found after installing the mosquitto package"
            raise ServiceError(msg)

    def command(self, ctx: Context) -> Launch:
        conf = ctx.path("mosquitto", "mosquitto.conf")
        conf.parent.mkdir(parents=True, exist_ok=True)
        conf.write_text(
            "# Written by scripts/services on every start; edits are lost.\n"
            f"listener {self.port(ctx)} {HOST}\n"
            "allow_anonymous true\n"
            "persistence false\n"
            "log_dest stderr\n"
            "log_type error\nlog_type warning\nlog_type notice\nlog_type information\n"
        )
        binary = _binary()
        if binary is None:
            msg = "mosquitto binary not found; run 'scripts/services up mosquitto' as root once"
            raise ServiceError(msg)
        return Launch([binary, "-c", str(conf)], cwd=ctx.path("mosquitto"))

    def probe(self, ctx: Context) -> bool:
        client = b"tw-readiness"
        variable = b"\x00\x04MQTT\x04\x02\x00\x3c" + struct.pack(">H", len(client)) + client
        connect = bytes([0x10, len(variable)]) + variable
        try:
            answer = exchange(self.port(ctx), connect, 4)
        except OSError:
            return False
        return answer == b"\x20\x02\x00\x00"
