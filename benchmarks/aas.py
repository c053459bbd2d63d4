"""AAS export and the AAS HTTP API on synthetic plants, each figure beside a baseline.

    python -m benchmarks.aas [--twins 10000] [--page-twins 100000] [--requests 2000] [--runs 3]
                             [--only export|latency|paging] [--clock wall|cpu]

Prints (all warm: the plant is loaded and one untimed pass runs first):

1. JSON export of ``--twins`` twins (``Exporter.write_json``: read the store,
   map, serialise, stream) beside three baselines doing the same output from
   objects built beforehand: basyx-python-sdk's own JSON serializer, and
   ``json.dumps`` and ``orjson.dumps`` of the prebuilt dicts (the floor: no
   reading, no mapping). Ours must equal both dumps byte for byte; basyx's
   (parsed) must hold the same ids.
2. GET shell by id and GET submodel ``$value`` under 32 concurrent clients
   against a live uvicorn server in another process (p50 / p99 per request),
   beside GET ``/healthz`` of the same server (the framework's floor). Every
   answer is compared with what the mapping gives for that twin. Then the
   same GETs straight into the ASGI app in this process, one at a time: the
   CPU per request of the server's own work, whatever else the machine runs.
3. Paging through ``--page-twins`` shells (``limit=100``): the time per page
   at offsets from the first to the last page (stable cursors: a cursor names
   the last twin id, so any offset costs the same), beside the store's own
   ``list_twins`` page at the same offsets. Each page's ids are checked
   against the store's.

Runs each measurement ``--runs`` times and prints min and median. Exits 1
when any answer differs.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import httpx
import orjson

import aas
import ontology
from benchmarks._http_load import get_many
from loaders import generate_plant

WHO = "benchmark"
CONCURRENCY = 32
PAGE = 100


def _plant(twins: int) -> ontology.MemoryStore:
    plant = generate_plant(twins)
    store = ontology.MemoryStore()
    store.add_models(plant.models, principal=WHO)
    store.upsert_twins(plant.twins, principal=WHO)
    store.add_edges(plant.edges, principal=WHO)
    return store


_clock: Callable[[], float] = time.perf_counter
"""What ``_runs`` times: wall seconds, or this process's CPU seconds (``--clock cpu``)."""


def _runs(work: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    times: list[float] = []
    result: Any = None
    for _ in range(runs):
        start = _clock()
        result = work()
        times.append(_clock() - start)
    return times, result


def _fmt(times: list[float], unit: str = "s", scale: float = 1.0) -> str:
    return (
        f"min {min(times) * scale:.3f} {unit}, median {statistics.median(times) * scale:.3f} {unit}"
    )


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


# ------------------------------------------------------------------ 1. export
def bench_export(twins: int, runs: int) -> bool:
    from aas_core3_1 import jsonization
    from basyx.aas.adapter.json import read_aas_json_file, write_aas_json_file

    store = _plant(twins)
    exporter = aas.Exporter(store, aas.TwinMapper(store.model_set()))
    ids = exporter.twin_ids()

    def ours() -> bytes:
        out = io.BytesIO()
        exporter.write_json(ids, out)
        return out.getvalue()

    ours()  # warm
    ours_times, text = _runs(ours, runs)
    env = exporter.environment(ids)
    dicts = jsonization.to_jsonable(env)
    plain_times, plain = _runs(
        lambda: json.dumps(dicts, ensure_ascii=False, separators=(",", ":")), runs
    )
    objects = read_aas_json_file(io.StringIO(plain), failsafe=False)

    def basyx() -> str:
        out = io.StringIO()
        write_aas_json_file(out, objects)
        return out.getvalue()

    fast_times, fast = _runs(lambda: orjson.dumps(dicts), runs)
    basyx_times, basyx_text = _runs(basyx, max(1, runs))
    mine = json.loads(text)
    same_as_dicts = text == plain.encode("utf-8") == fast
    theirs = json.loads(basyx_text)

    def ids_of(doc: Any) -> list[str]:
        return sorted(
            o["id"]
            for key in ("assetAdministrationShells", "submodels", "conceptDescriptions")
            for o in doc.get(key, [])
        )

    same_ids = ids_of(mine) == ids_of(theirs)
    clock = "CPU" if _clock is time.process_time else "wall"
    print(
        f"1. JSON export of {twins:,} twins ({len(text) / 1e6:.0f} MB), warm, {runs} runs, {clock}"
    )
    print(f"   ours (store -> mapping -> streamed JSON)    {_fmt(ours_times)}")
    print(f"   basyx write_aas_json_file, prebuilt objects {_fmt(basyx_times)}")
    print(f"   json.dumps of prebuilt dicts                {_fmt(plain_times)}")
    print(f"   orjson.dumps of prebuilt dicts              {_fmt(fast_times)}")
    print(f"   answers: ours == dicts byte for byte: {same_as_dicts}; basyx same ids: {same_ids}")
    return same_as_dicts and same_ids


# ------------------------------------------------------------------ 2. latency
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def serve(twins: int, port: int) -> None:
    """The child process: a plant behind uvicorn."""
    import uvicorn

    from server import ServerSettings, create_app

    store = _plant(twins)
    app = create_app(ServerSettings(version="bench"), store=store)
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        timeout_keep_alive=120,  # a loaded machine can leave a connection idle for seconds
    )


async def _load(port: int, paths: list[str], expected: dict[str, Any]) -> tuple[list[float], bool]:
    """GET ``paths`` with ``CONCURRENCY`` keep-alive connections of the lean client; whether
    every answer was 200, each path's body always the same, and equal to ``expected``."""
    got = await get_many("127.0.0.1", port, paths, CONCURRENCY)
    ok = got.same_bodies and set(got.statuses) == {200}
    for path, body in got.first_body.items():
        if path in expected and orjson.loads(body) != expected[path]:
            ok = False
    return got.latencies, ok


async def _asgi(app: Any, paths: list[str], expected: dict[str, Any]) -> bool:
    """GET each path by calling the ASGI app directly (no sockets, no HTTP client)."""
    ok = True
    for path in paths:
        scope = {
            "type": "http",
            "http_version": "1.1",
            "method": "GET",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "scheme": "http",
            "query_string": b"",
            "headers": [(b"host", b"bench")],
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
        }
        sent: list[Any] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Any) -> None:
            sent.append(message)  # noqa: B023  # awaited before the loop moves on

        await app(scope, receive, send)
        body = b"".join(m.get("body", b"") for m in sent[1:])
        if sent[0]["status"] != 200 or (path in expected and json.loads(body) != expected[path]):
            ok = False
    return ok


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def bench_latency(twins: int, requests: int, runs: int) -> bool:
    from aas_core3_1 import jsonization

    from server import ServerSettings, create_app

    port = _free_port()
    child = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.aas", "--serve", str(port), "--twins", str(twins)],
        env=os.environ.copy(),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or child.poll() is not None:
                    print("   the server did not start")
                    return False
                time.sleep(0.5)
        store = _plant(twins)
        mapper = aas.TwinMapper(store.model_set())
        reader = aas.TwinReader(store, mapper.ids)
        sample = [t.id for t in store.list_twins(first=200).items]
        shells: dict[str, Any] = {}
        values: dict[str, Any] = {}
        for view in reader.views(sample):
            assert view is not None
            twin = view.twin.id
            shells[f"/aas/api/v3.1/shells/{_b64(mapper.ids.shell(twin))}"] = (
                jsonization.to_jsonable(mapper.shell(view))
            )
            sm_id = mapper.ids.submodel(twin, aas.MODEL)
            values[f"/aas/api/v3.1/submodels/{_b64(sm_id)}/$value"] = None
        ok = True
        print(
            f"2. {CONCURRENCY} concurrent clients (keep-alive connections of a lean HTTP/1.1 "
            f"client, benchmarks/_http_load.py), {requests} GETs per run, warm, uvicorn in a "
            "child process"
        )
        for name, table in (
            ("GET shell by id", shells),
            ("GET submodel $value", values),
            ("GET /healthz (floor)", {"/healthz": None}),
        ):
            paths = [list(table)[i % len(table)] for i in range(requests)]
            expected = {k: v for k, v in table.items() if v is not None}
            asyncio.run(_load(port, paths[: min(200, requests)], expected))  # warm
            p50s: list[float] = []
            p99s: list[float] = []
            for _ in range(runs):
                latencies, good = asyncio.run(_load(port, paths, expected))
                ok = ok and good
                p50s.append(_p(latencies, 0.50))
                p99s.append(_p(latencies, 0.99))
            print(f"   {name:24} p50 {_fmt(p50s, 'ms', 1000)}; p99 {_fmt(p99s, 'ms', 1000)}")
        print(f"   answers equal to the mapping's: {ok}")
        print("   the same GETs in this process straight into the ASGI app, CPU per request:")
        app = create_app(ServerSettings(version="bench"), store=store)
        for name, table in (
            ("GET shell by id", shells),
            ("GET submodel $value", values),
            ("GET /healthz (floor)", {"/healthz": None}),
        ):
            paths = [list(table)[i % len(table)] for i in range(requests)]
            expected = {k: v for k, v in table.items() if v is not None}
            good = asyncio.run(_asgi(app, paths[:200], expected))  # warm
            cpu: list[float] = []
            for _ in range(runs):
                start = time.process_time()
                good = asyncio.run(_asgi(app, paths, expected)) and good
                cpu.append((time.process_time() - start) / len(paths))
            ok = ok and good
            print(f"   {name:24} {_fmt(cpu, 'ms', 1000)}")
        print(f"   answers equal to the mapping's: {ok}")
        return ok
    finally:
        child.terminate()
        child.wait(timeout=30)


# ------------------------------------------------------------------ 3. paging
def bench_paging(twins: int, runs: int) -> bool:
    from starlette.testclient import TestClient

    from server import ServerSettings, create_app

    store = _plant(twins)
    client = TestClient(create_app(ServerSettings(version="bench"), store=store))
    order: list[str] = []
    after: str | None = None
    while True:
        page = store.list_twins(first=ontology.MAX_PAGE, after=after)
        order.extend(t.id for t in page.items)
        if page.next_cursor is None:
            break
        after = page.next_cursor
    ok = True
    print(
        f"3. paging {twins:,} shells, limit={PAGE}, in-process ASGI client, warm, "
        f"{runs} runs per offset"
    )
    for share in (0.0, 0.25, 0.5, 0.75, 0.999):
        offset = int(share * (len(order) - PAGE))
        cursor = None
        if offset > 0:
            cursor = (
                base64.urlsafe_b64encode(json.dumps([order[offset], 0]).encode())
                .decode()
                .rstrip("=")
            )
        params: dict[str, Any] = {"limit": PAGE}
        if cursor:
            params["cursor"] = cursor
        client.get("/aas/api/v3.1/shells", params=params)  # warm

        def api_page(query: dict[str, Any] = params) -> Any:
            return client.get("/aas/api/v3.1/shells", params=query).json()

        api_times, body = _runs(api_page, runs)
        got = [s["id"] for s in body["result"]]
        want = [f"urn:twinweave:aas:{i}" for i in order[offset : offset + PAGE]]
        ok = ok and got == want
        base_after = order[offset - 1] if offset > 0 else None

        def store_page(after: str | None = base_after) -> Any:
            return store.list_twins(first=PAGE, after=after)

        store_times, _ = _runs(store_page, runs)
        print(
            f"   offset {offset:>7,}: API page {_fmt(api_times, 'ms', 1000)}; "
            f"store list_twins {_fmt(store_times, 'ms', 1000)}"
        )
    print(f"   page ids equal to the store's order: {ok}")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.aas", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--twins", type=int, default=10_000, help="twins for export and latency (10000)"
    )
    parser.add_argument(
        "--page-twins", type=int, default=100_000, help="twins to page through (100000)"
    )
    parser.add_argument("--requests", type=int, default=2000, help="GETs per latency run (2000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (3)")
    parser.add_argument("--only", choices=("export", "latency", "paging"), help="one part only")
    parser.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="export and paging timed in wall or this process's CPU seconds (wall); "
        "cpu says what the work costs on a machine busy with other work",
    )
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    global _clock  # set once, before any measurement
    _clock = time.process_time if args.clock == "cpu" else time.perf_counter
    if min(args.twins, args.page_twins) < PAGE + 1 or args.requests < 1 or args.runs < 1:
        parser.error(f"--twins and --page-twins must be over {PAGE}; --requests, --runs 1 or more")
    if args.serve is not None:
        serve(args.twins, args.serve)
        return 0
    ok = True
    if args.only in (None, "export"):
        ok = bench_export(args.twins, args.runs) and ok
    if args.only in (None, "latency"):
        ok = bench_latency(args.twins, args.requests, args.runs) and ok
    if args.only in (None, "paging"):
        ok = bench_paging(args.page_twins, args.runs) and ok
    if not ok:
        print("ANSWERS DIFFER", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
