"""Neo4j Community 5.26, embedded in ``java/neo4j-launcher``: Bolt only, auth off."""

from __future__ import annotations

import os
from typing import ClassVar

from devtools.services._context import HOST, REPO, Context, say
from devtools.services._install import java_env, java_home, maven_lib
from devtools.services._process import exchange, run_logged
from devtools.services._service import Launch, Port, Service

JVM_FLAGS = (
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
    "-Dio.netty.tryReflectionSetAccessible=true",
)
READY_LINE = "twinweave-neo4j: ready"
# Bolt handshake: magic, then four proposals (5.0-5.8 as a range, 4.4).
BOLT_HELLO = b"\x60\x60\xb0\x17" + b"\x00\x08\x08\x05" + b"\x00\x00\x04\x04" + b"\x00" * 8


class Neo4j(Service):
    name = "neo4j"
    marker = "Launcher"
    ports: ClassVar[tuple[Port, ...]] = (Port("neo4j", 17687, "Neo4j Bolt port"),)
    ready_timeout = 240.0
    project = REPO / "java" / "neo4j-launcher"

    def prepare(self, ctx: Context) -> None:
        source = self.project / "src" / "main" / "java" / "Launcher.java"
        lib = ctx.path("neo4j", "lib")
        classes = ctx.path("neo4j", "classes")
        built = maven_lib(ctx, self.name, self.project / "pom.xml", lib, (source,))
        if built or not (classes / "Launcher.class").exists():
            classes.mkdir(parents=True, exist_ok=True)
            javac = str(java_home(ctx) / "bin" / "javac")
            cmd = [javac, "-d", str(classes), "-cp", f"{lib}/*", str(source)]
            say("neo4j: compiling Launcher.java")
            run_logged(self.name, "javac", cmd, ctx.log("neo4j-build"), env=java_env(ctx))

    def command(self, ctx: Context) -> Launch:
        home = ctx.path("neo4j", "home")
        home.mkdir(parents=True, exist_ok=True)
        java = str(java_home(ctx) / "bin" / "java")
        classpath = f"{ctx.path('neo4j', 'classes')}:{ctx.path('neo4j', 'lib')}/*"
        heap = os.environ.get("TWINWEAVE_SERVICES_NEO4J_HEAP", "768m")
        pagecache_mb = os.environ.get("TWINWEAVE_SERVICES_NEO4J_PAGECACHE_MB", "128")
        cmd = [java, *JVM_FLAGS, f"-Xmx{heap}", "-Xms128m", "-XX:+UseSerialGC"]
        cmd += ["-cp", classpath, "Launcher", str(home), HOST, str(self.port(ctx)), pagecache_mb]
        return Launch(cmd, cwd=ctx.path("neo4j"), env=java_env(ctx))

    def ready(self, ctx: Context) -> bool:
        try:
            if READY_LINE not in ctx.log(self.name).read_text(errors="replace"):
                return False
        except OSError:
            return False
        return self.probe(ctx)

    def probe(self, ctx: Context) -> bool:
        try:
            answer = exchange(self.port(ctx), BOLT_HELLO, 4)
        except OSError:
            return False
        return len(answer) == 4 and answer != b"\x00" * 4
