"""Installing what a service needs: apt packages, a JDK 17/21, Maven, Maven artifacts."""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from pathlib import Path

from devtools.services._context import Context, ServiceError, say
from devtools.services._process import run_logged

JVM_DIR = Path("/usr/lib/jvm")


def apt_install(ctx: Context, package: str) -> None:
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        msg = f"{package} is missing and this script can only install it as root with apt-get"
        raise ServiceError(msg)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    log = ctx.log("apt")
    if not ctx.apt_updated:
        say("apt: apt-get update")
        run_logged("apt", "apt-get update", ["apt-get", "update"], log, env=env)
        ctx.apt_updated = True
    say(f"apt: apt-get install -y {package}")
    cmd = ["apt-get", "install", "-y", "--no-install-recommends", package]
    run_logged("apt", f"installing {package}", cmd, log, env=env)


def _java_release(home: Path) -> str:
    try:
        for line in (home / "release").read_text().splitlines():
            if line.startswith("JAVA_VERSION="):
                return line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return ""


def java_home(ctx: Context) -> Path:
    """A JDK 17 (or 21) home: Neo4j 5.26 runs on those two only, QuestDB 9 on 17+."""
    if ctx.java_home is not None:
        return ctx.java_home
    candidates: list[Path] = []
    for var in ("TWINWEAVE_SERVICES_JAVA_HOME", "JAVA_HOME"):
        if os.environ.get(var):
            candidates.append(Path(os.environ[var]))
    on_path = shutil.which("javac")
    if on_path:
        candidates.append(Path(on_path).resolve().parent.parent)
    if JVM_DIR.is_dir():
        for version in ("17", "21"):
            candidates.extend(
                sorted(p for p in JVM_DIR.iterdir() if p.is_dir() and version in p.name)
            )
    for home in candidates:
        major = _java_release(home).split(".", 1)[0]
        if major in ("17", "21") and (home / "bin" / "javac").exists():
            ctx.java_home = home
            return home
    apt_install(ctx, "openjdk-17-jdk-headless")
    home = JVM_DIR / "java-17-openjdk-amd64"
    if not (home / "bin" / "javac").exists():
        found = sorted(JVM_DIR.glob("java-17-openjdk-*"))
        if not found:
            msg = f"no JDK 17 found after installing openjdk-17-jdk-headless (looked in {JVM_DIR})"
            raise ServiceError(msg)
        home = found[0]
    ctx.java_home = home
    return home


def java_env(ctx: Context) -> dict[str, str]:
    home = java_home(ctx)
    return {**os.environ, "JAVA_HOME": str(home), "PATH": f"{home / 'bin'}:{os.environ['PATH']}"}


def maven(ctx: Context) -> str:
    mvn = shutil.which("mvn")
    if mvn is None:
        apt_install(ctx, "maven")
        mvn = shutil.which("mvn")
    if mvn is None:
        msg = "mvn not found on PATH after installing maven"
        raise ServiceError(msg)
    return mvn


def _downloads(log: Path) -> str:
    try:
        got = log.read_text(errors="replace").count("Downloaded from")
    except OSError:
        got = 0
    return f"{got} artifacts downloaded so far"


def _fingerprint(*paths: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def maven_lib(ctx: Context, name: str, pom: Path, lib: Path, inputs: tuple[Path, ...]) -> bool:
    """Copy the runtime dependencies of ``pom`` into ``lib`` unless already done for it.

    Returns True when something was built.
    """
    stamp = lib.parent / f"{lib.name}.stamp"
    wanted = _fingerprint(pom, *inputs)
    if lib.is_dir() and stamp.exists() and stamp.read_text().strip() == wanted:
        return False
    if lib.is_symlink():
        lib.unlink()
    elif lib.exists():
        shutil.rmtree(lib)
    stamp.unlink(missing_ok=True)
    if ctx.lib_cache is not None:
        cached = ctx.lib_cache / lib.relative_to(ctx.scratch)
        cached_stamp = cached.parent / f"{cached.name}.stamp"
        if cached.is_dir() and cached_stamp.exists() and cached_stamp.read_text().strip() == wanted:
            lib.parent.mkdir(parents=True, exist_ok=True)
            lib.symlink_to(cached, target_is_directory=True)
            stamp.write_text(wanted + "\n")
            return True
    mvn = maven(ctx)
    log = ctx.log(f"{name}-build")
    log.unlink(missing_ok=True)
    say(f"{name}: resolving dependencies with Maven (first run downloads them into ~/.m2)")
    cmd = [mvn, "-B", "-f", str(pom), "dependency:copy-dependencies", "-DincludeScope=runtime"]
    cmd.append(f"-DoutputDirectory={lib}")
    started = time.monotonic()
    run_logged(
        name,
        "mvn dependency:copy-dependencies",
        cmd,
        log,
        env=java_env(ctx),
        progress=lambda: _downloads(log),
    )
    jars = len(list(lib.glob("*.jar")))
    say(f"{name}: {jars} jars in {lib} ({time.monotonic() - started:.1f} s, {_downloads(log)})")
    stamp.write_text(wanted + "\n")
    return True


def maven_artifact(ctx: Context, name: str, group: str, artifact: str, version: str) -> Path:
    """The jar of ``group:artifact:version`` in the local Maven repository, fetched if missing.

    Runs ``mvn dependency:get -Dtransitive=false`` with the repository given
    explicitly, so the jar lands where this function looks for it.
    """
    repo = Path(os.environ.get("TWINWEAVE_SERVICES_M2_REPO", Path.home() / ".m2" / "repository"))
    jar = repo.joinpath(*group.split("."), artifact, version, f"{artifact}-{version}.jar")
    if jar.is_file():
        return jar
    mvn = maven(ctx)
    log = ctx.log(f"{name}-build")
    coordinates = f"{group}:{artifact}:{version}"
    say(f"{name}: fetching {coordinates} with Maven into {repo}")
    cmd = [mvn, "-B", "dependency:get", f"-Dartifact={coordinates}", "-Dtransitive=false"]
    cmd.append(f"-Dmaven.repo.local={repo}")
    started = time.monotonic()
    run_logged(
        name, "mvn dependency:get", cmd, log, env=java_env(ctx), progress=lambda: _downloads(log)
    )
    if not jar.is_file():
        msg = f"{name}: mvn dependency:get {coordinates} finished but {jar} is missing"
        raise ServiceError(msg)
    say(f"{name}: {jar.name} fetched ({time.monotonic() - started:.1f} s)")
    return jar
