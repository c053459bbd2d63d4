"""Apache Kafka 3.9 from ``java/kafka``: one KRaft node, broker and controller."""

from __future__ import annotations

import base64
import os
import struct
from pathlib import Path
from typing import ClassVar

from devtools.services._context import HOST, REPO, Context, say
from devtools.services._install import java_env, java_home, maven_lib
from devtools.services._process import exchange, run_logged
from devtools.services._service import Launch, Port, Service


class Kafka(Service):
    name = "kafka"
    marker = "kafka.Kafka"
    ports: ClassVar[tuple[Port, ...]] = (
        Port("kafka", 19092, "Kafka broker port"),
        Port("kafka_controller", 19093, "Kafka KRaft controller port"),
    )
    ready_timeout = 180.0
    project = REPO / "java" / "kafka"

    def prepare(self, ctx: Context) -> None:
        lib = ctx.path("kafka", "lib")
        maven_lib(ctx, self.name, self.project / "pom.xml", lib, ())
        props = self._write_properties(ctx)
        data = ctx.path("kafka", "data")
        if (data / "meta.properties").exists():
            return
        java = str(java_home(ctx) / "bin" / "java")
        cp = ["-cp", f"{lib}/*", *self._log_flags()]
        cluster_id = self._cluster_id(ctx)
        say(f"kafka: formatting KRaft storage in {data} (cluster id {cluster_id})")
        cmd = [java, *cp, "kafka.tools.StorageTool", "format", "-t", cluster_id]
        cmd += ["-c", str(props), "--ignore-formatted"]
        run_logged(self.name, "StorageTool format", cmd, ctx.log("kafka-build"), env=java_env(ctx))

    def _cluster_id(self, ctx: Context) -> str:
        """A KRaft cluster id (what ``StorageTool random-uuid`` prints: 16 random bytes,
        URL-safe base64 without padding), made once per scratch dir without starting a JVM."""
        id_file = ctx.path("kafka", "cluster-id")
        if not id_file.exists():
            cluster_id = "-"
            while cluster_id.startswith("-"):  # Kafka's own rule: never a leading dash
                cluster_id = base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("=")
            id_file.write_text(cluster_id + "\n")
        return id_file.read_text().strip()

    def _log_flags(self) -> list[str]:
        return [f"-Dlog4j.configuration=file:{self.project / 'log4j.properties'}"]

    def _write_properties(self, ctx: Context) -> Path:
        port, controller = self.port(ctx), ctx.ports["kafka_controller"]
        lines = [
            "# Written by scripts/services on every start; edits are lost.",
            "process.roles=broker,controller",
            "node.id=1",
            f"controller.quorum.voters=1@{HOST}:{controller}",
            f"listeners=PLAINTEXT://{HOST}:{port},CONTROLLER://{HOST}:{controller}",
            f"advertised.listeners=PLAINTEXT://{HOST}:{port}",
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=PLAINTEXT",
            "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            f"log.dirs={ctx.path('kafka', 'data')}",
            "num.partitions=1",
            "default.replication.factor=1",
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=4",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "transaction.state.log.num.partitions=4",
            "group.initial.rebalance.delay.ms=0",
            "auto.create.topics.enable=true",
            "delete.topic.enable=true",
            "log.retention.hours=24",
            "log.segment.bytes=67108864",
        ]
        path = ctx.path("kafka", "server.properties")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n")
        return path

    def command(self, ctx: Context) -> Launch:
        props = self._write_properties(ctx)
        java = str(java_home(ctx) / "bin" / "java")
        heap = os.environ.get("TWINWEAVE_SERVICES_KAFKA_HEAP", "512m")
        cmd = [java, f"-Xmx{heap}", "-Xms256m", "-XX:+UseSerialGC", *self._log_flags()]
        cmd += ["-cp", f"{ctx.path('kafka', 'lib')}/*", "kafka.Kafka", str(props)]
        return Launch(cmd, cwd=ctx.path("kafka"), env=java_env(ctx))

    def probe(self, ctx: Context) -> bool:
        """Metadata v1 lists at least one broker: the node is up and unfenced."""
        client = b"\x00\x0ctw-readiness"
        body = struct.pack(">hhi", 3, 1, 7) + client + struct.pack(">i", -1)
        try:
            answer = exchange(self.port(ctx), struct.pack(">i", len(body)) + body, 12)
        except OSError:
            return False
        if len(answer) < 12:
            return False
        _size, correlation, brokers = struct.unpack(">iii", answer[:12])
        return int(correlation) == 7 and int(brokers) >= 1
