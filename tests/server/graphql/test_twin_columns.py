"""A page of twins completed column by column (``_twin_columns``): graphql-core's answers.

``twins(...) { nodes { id signals(names: [...], at: $t) { ... } } }`` is
answered from the twins' ids and the page's one ``as_of`` read, without a
``Twin`` object per twin. Every query here runs three ways: as it is (the
columns), with the columns turned off (the direct completion twin by twin),
and with the direct completion turned off (graphql-core field by field);
the three bodies, errors included, must be equal.

Every twin under the Jakarta site has a ``power`` sample a minute for an hour
(its value tells the twin and the minute), but the first twin has none and
the second only after ``AT``; every third twin has a text ``mode``; every fifth
twin's ``power`` is BAD.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import numpy as np
import pytest
from graphql import GraphQLObjectType
from starlette.testclient import TestClient
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

import ontology
from ontology.history import (
    Batch,
    HistoryStore,
    Quality,
    Samples,
    SourceKind,
    SourcePosition,
)
from server import ServerSettings, create_app
from server.graphql._tree import TreeExecutionContext
from tests.server.graphql.conftest import (
    HISTORY_STORES,
    SITE,
    Counting,
    HideSubtree,
    close_history,
    open_history,
    run,
)

START = (datetime.now(UTC) - timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)
AT = START + timedelta(minutes=30, seconds=5)
EARLY = START + timedelta(minutes=2)
BEFORE = START - timedelta(minutes=1)
BATCH = "batch-columns"
MODES = ("RUNNING", "IDLE")
WAYS = ["columns", "twin by twin", "graphql-core"]


@pytest.fixture(scope="module")
def twins(plant: ontology.GraphStore) -> list[str]:
    return list(plant.descendants(SITE, first=ontology.MAX_PAGE).items)


def _samples(twins: list[str]) -> Samples:
    minutes = np.datetime64(START.replace(tzinfo=None), "us") + (np.arange(60) * 60).astype(
        "timedelta64[s]"
    )
    twin: list[str] = []
    signal: list[str] = []
    time: list[np.datetime64] = []
    value: list[float] = []
    text: list[str | None] = []
    quality: list[int] = []
    for i, name in enumerate(twins):
        if i == 0:
            continue  # no samples at all
        late = i == 1  # samples only after AT
        for minute, stamp in enumerate(minutes):
            if late and minute < 45:
                continue
            twin.append(name)
            signal.append("power")
            time.append(stamp)
            value.append(i * 1000.0 + minute)
            text.append(None)
            quality.append(Quality.BAD if i % 5 == 0 else Quality.GOOD)
            if i % 3 == 0:
                twin.append(name)
                signal.append("mode")
                time.append(stamp)
                value.append(float("nan"))
                text.append(MODES[minute % 2])
                quality.append(Quality.GOOD)
    return Samples(
        twin=np.array(twin, dtype=object),
        signal=np.array(signal, dtype=object),
        time=np.array(time, dtype="datetime64[us]"),
        value=np.array(value, dtype=np.float64),
        text=np.array(text, dtype=object),
        quality=np.array(quality, dtype=np.uint8),
    )


@pytest.fixture(scope="module", params=HISTORY_STORES)
def history(request: pytest.FixtureRequest, twins: list[str]) -> Iterator[HistoryStore]:
    store = open_history(request)
    samples = _samples(twins)
    source = (SourcePosition(SourceKind.FILE, path="test", first_offset=0, last_offset=0),)
    count = len(samples)
    store.write_batch(Batch(BATCH, source, START, "test", (), "tester", count, count), samples)
    yield store
    close_history(store)


@pytest.fixture
def columns_used(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each selection on a page's twins was compiled into columns (spied on)."""
    used: list[bool] = []
    compile_columns = TreeExecutionContext._compile_columns

    def spy(self: TreeExecutionContext, *args: Any) -> Any:
        compiled = compile_columns(self, *args)
        used.append(compiled is not None)
        return compiled

    monkeypatch.setattr(TreeExecutionContext, "_compile_columns", spy)
    return used


@pytest.fixture
def generic_pages(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The pages (``TwinConnection``) graphql-core completed field by field (spied on)."""
    pages: list[str] = []
    base = StrawberryGraphQLCoreExecutionContext
    complete = base.complete_object_value

    def spy(self: Any, kind: GraphQLObjectType, *args: Any) -> Any:
        if kind.name == "TwinConnection":
            pages.append(kind.name)
        return complete(self, kind, *args)

    monkeypatch.setattr(base, "complete_object_value", spy)
    return pages


def _ways(monkeypatch: pytest.MonkeyPatch, way: str) -> None:
    if way == "twin by twin":
        monkeypatch.setattr(TreeExecutionContext, "_twin_columns", lambda *_: None)
    elif way == "graphql-core":
        base = StrawberryGraphQLCoreExecutionContext
        monkeypatch.setattr(
            TreeExecutionContext, "complete_object_value", base.complete_object_value
        )
        monkeypatch.setattr(TreeExecutionContext, "complete_list_value", base.complete_list_value)


def _client(store: ontology.GraphStore, history: HistoryStore, **kwargs: Any) -> TestClient:
    app = create_app(ServerSettings(version="0"), store=store, history=history, **kwargs)
    return TestClient(app)


def _time(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


def _all_ways(client: TestClient, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    """The body of the query run every way (they must all be equal)."""
    with pytest.MonkeyPatch.context() as patch:
        bodies = []
        for way in WAYS:
            patch.undo()
            _ways(patch, way)
            bodies.append(run(client, query, variables))
    first = bodies[0]
    for way, body in zip(WAYS[1:], bodies[1:], strict=True):
        assert body == first, f"{way} differs from the columns"
    return first


FRAGMENT = '\nfragment Row on Twin { id signals(names: ["power"], at: $at) { batch value } }'


def _listing(node: str) -> str:
    """The listing of every twin under the site selecting ``node`` on each (the variables and
    the fragment it uses declared)."""
    fragment = FRAGMENT if "...Row" in node else ""
    times = [f"${v}: DateTime!" for v in ("at", "early") if f"${v}" in node + fragment]
    head = f"query({', '.join(['$first: Int', *times])})"
    listing = (
        f'twins(filter: {{under: "{SITE}"}}, first: $first) {{ totalCount nodes {{ {node} }} }}'
    )
    return f"{head} {{ {listing} }}{fragment}"


SELECTIONS = {
    "every field": 'id signals(names: ["power", "mode", "none"], at: $at) {'
    " __typename name value time quality batch }",
    "values alone, no id": 'signals(names: ["mode"], at: $at) { value }',
    "aliases, two times": 'key: id kind: __typename now: signals(names: ["power"], at: $at) {'
    ' v: value q: quality } then: signals(names: ["mode", "power"], at: $early) {'
    " when: time name v: value }",
    "one name twice": 'id signals(names: ["power", "power"], at: $at) { name value }',
    "no names": "id signals(names: [], at: $at) { value }",
    "ids alone": "id __typename",
    "a fragment": "...Row",
    "an inline fragment": '... on Twin { id s: signals(names: ["mode"], at: $early) { value } }',
}


@pytest.mark.parametrize("selection", sorted(SELECTIONS))
def test_each_selection_answers_as_graphql_core_does(
    plant: ontology.GraphStore,
    history: HistoryStore,
    twins: list[str],
    selection: str,
    columns_used: list[bool],
    generic_pages: list[str],
) -> None:
    client = _client(plant, history)
    query = _listing(SELECTIONS[selection])
    variables = {"at": _time(AT), "early": _time(EARLY), "first": 1000}
    columns = run(client, query, variables)
    assert columns_used == [True]  # compiled into columns, which answered the page:
    assert generic_pages == []  # graphql-core did not
    body = _all_ways(client, query, variables)
    assert body == columns
    assert "errors" not in body, body["errors"]
    assert len(body["data"]["twins"]["nodes"]) == len(twins)


def test_the_columns_hold_numbers_text_quality_and_twins_without_samples(
    plant: ontology.GraphStore, history: HistoryStore, twins: list[str], columns_used: list[bool]
) -> None:
    counted = Counting(cast(ontology.GraphStore, history))
    client = _client(plant, cast(HistoryStore, counted))
    query = _listing(SELECTIONS["every field"])
    body = run(client, query, {"at": _time(AT), "early": _time(EARLY), "first": 1000})
    assert columns_used == [True]
    assert counted.calls["as_of"] == 1
    got = {n["id"]: n["signals"] for n in body["data"]["twins"]["nodes"]}
    assert got[twins[0]] == [] and got[twins[1]] == []  # none at all; none by AT
    minute = 30
    for i, twin in enumerate(twins[2:], start=2):
        power = got[twin][0]
        assert (power["name"], power["value"]) == ("power", i * 1000.0 + minute)
        assert power["quality"] == ("BAD" if i % 5 == 0 else "GOOD")
        assert power["batch"] == BATCH
        assert datetime.fromisoformat(power["time"]) == START + timedelta(minutes=minute)
        modes = [s["value"] for s in got[twin] if s["name"] == "mode"]
        assert modes == ([MODES[minute % 2]] if i % 3 == 0 else [])


@pytest.mark.parametrize(
    ("at", "first"),
    [
        (BEFORE, 1000),  # before every sample: every list empty
        (AT, 3),  # a short page
        (AT, 1001),  # over the page cap: refused, as always
        (AT.replace(tzinfo=None), 1000),  # no zone: the field refuses it, as always
    ],
)
def test_edges_and_errors_answer_as_graphql_core_does(
    plant: ontology.GraphStore, history: HistoryStore, at: datetime, first: int
) -> None:
    client = _client(plant, history)
    query = _listing(SELECTIONS["every field"])
    at_text = at.isoformat().replace("+00:00", "Z")
    body = _all_ways(client, query, {"at": at_text, "early": _time(EARLY), "first": first})
    if first > 1000 or at.tzinfo is None:
        assert body["errors"]
    else:
        nodes = body["data"]["twins"]["nodes"]
        assert len(nodes) == min(first, body["data"]["twins"]["totalCount"])
        assert any(n["signals"] for n in nodes) is (at > START)


def test_a_hiding_policy_hides_the_same_twins_every_way(
    plant: ontology.GraphStore, history: HistoryStore, twins: list[str]
) -> None:
    policy = HideSubtree(plant, "acme/jkt1/machining")
    client = _client(plant, history, authorizer=policy)
    query = _listing(SELECTIONS["aliases, two times"])
    body = _all_ways(client, query, {"at": _time(AT), "early": _time(EARLY), "first": 1000})
    shown = [n["key"] for n in body["data"]["twins"]["nodes"]]
    assert shown == sorted(t for t in twins if t not in policy.hidden)


class Failing:
    """The history store, but every ``as_of`` fails."""

    def __init__(self, store: HistoryStore) -> None:
        self.store = store

    def as_of(self, *_: Any) -> None:
        msg = "as_of: the store is down"
        raise RuntimeError(msg)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


@pytest.mark.parametrize("shared", [True, False])
def test_a_failed_read_is_reported_as_graphql_core_reports_it(
    plant: ontology.GraphStore, history: HistoryStore, shared: bool
) -> None:
    app = create_app(
        ServerSettings(version="0", share_history_reads=shared),
        store=plant,
        history=cast(HistoryStore, Failing(history)),
    )
    query = _listing(SELECTIONS["every field"])
    variables = {"at": _time(AT), "early": _time(EARLY), "first": 1000}
    body = _all_ways(TestClient(app), query, variables)
    assert body["data"] is None
    assert [e["message"] for e in body["errors"]] == ["Internal server error."]


TWO_PAGES = """query($at: DateTime!) {
  small: twins(filter: {under: "acme/jkt1"}, first: 7) { nodes { id FIELDS } }
  big: twins(filter: {under: "acme/jkt1"}, first: 1000) { nodes { id FIELDS
    children { nodes { id FIELDS } } } }
  twin(id: "acme/jkt1") { children { nodes { id FIELDS } } } }"""
"""Three pages read at once, and pages of children whose twins the page above has read
(their columns from the rows of that page's read)."""


def test_pages_sharing_twins_in_one_request_answer_as_graphql_core_does(
    plant: ontology.GraphStore, history: HistoryStore, twins: list[str]
) -> None:
    fields = 'signals(names: ["power", "mode"], at: $at) { name value quality }'
    client = _client(plant, history)
    body = _all_ways(client, TWO_PAGES.replace("FIELDS", fields), {"at": _time(AT)})
    assert "errors" not in body, body["errors"]
    got = body["data"]
    assert len(got["big"]["nodes"]) == len(twins)
    big = {n["id"]: {k: v for k, v in n.items() if k != "children"} for n in got["big"]["nodes"]}
    assert got["small"]["nodes"] == [big[t] for t in twins[:7]]
    assert all(big[n["id"]] == n for n in got["twin"]["children"]["nodes"])
    below = [c for n in got["big"]["nodes"] for c in n["children"]["nodes"]]
    assert below and all(big[c["id"]] == c for c in below)


async def _asgi_post(app: Any, body: bytes) -> bytes:
    """``body`` POSTed to ``/graphql`` straight into the ASGI app (no client whose own
    objects could hold the request's), the response body returned."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 2),
    }
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[bytes] = []

    async def receive() -> dict[str, Any]:
        return messages.pop() if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            sent.append(message.get("body", b""))

    await app(scope, receive, send)
    return b"".join(sent)


REFCOUNTED = {
    "columns": SELECTIONS["every field"],
    # ``unit`` reads the twins' models: completed twin by twin (a kept ``signals(at:)`` step)
    "twin by twin": 'id signals(names: ["power", "mode"], at: $at) { name value unit }',
}


@pytest.mark.parametrize("way", sorted(REFCOUNTED))
def test_a_page_of_columns_leaves_its_request_to_refcounting(
    plant: ontology.GraphStore,
    history: HistoryStore,
    twins: list[str],
    monkeypatch: pytest.MonkeyPatch,
    way: str,
) -> None:
    """No reference cycle per request: with the collector off, the execution context (whose
    kept column and ``signals(at:)`` steps once held it) and the ``signals(at:)`` loader
    (whose DataLoader's batch function is its own method) are freed as the answer is sent.
    Under load each request's cycles held its 1,000-twin answer for the collector, whose
    passes (120-240 ms each, measured) stalled every request in flight."""
    import asyncio
    import gc
    import json
    import weakref

    from server.graphql._signals_at import SignalsAtLoader

    kept: list[weakref.ref[Any]] = []
    context_init = TreeExecutionContext.__init__
    loader_init = SignalsAtLoader.__init__

    def spy_context(self: TreeExecutionContext, *args: Any, **kwargs: Any) -> None:
        kept.append(weakref.ref(self))
        context_init(self, *args, **kwargs)

    def spy_loader(self: SignalsAtLoader, *args: Any) -> None:
        kept.append(weakref.ref(self))
        loader_init(self, *args)

    monkeypatch.setattr(TreeExecutionContext, "__init__", spy_context)
    monkeypatch.setattr(SignalsAtLoader, "__init__", spy_loader)
    app = create_app(ServerSettings(version="0"), store=plant, history=history)
    query = _listing(REFCOUNTED[way])
    body = json.dumps({"query": query, "variables": {"at": _time(AT), "first": 100}}).encode()

    async def answers() -> list[bytes]:
        first = await _asgi_post(app, body)  # the heap frozen, plans made
        kept.clear()
        gc.collect()
        gc.disable()
        try:
            return [first, await _asgi_post(app, body)]
        finally:
            gc.enable()

    was = gc.isenabled()
    try:
        first, second = asyncio.run(answers())
        alive = [type(ref()).__name__ for ref in kept if ref() is not None]
    finally:
        if not was:
            gc.disable()
    got = json.loads(second)
    assert "errors" not in got, got
    assert second == first
    assert len(got["data"]["twins"]["nodes"]) == len(twins)
    assert len(kept) == 2, "the spies saw the second request's context and loader"
    assert alive == [], f"still alive after the answer, held by a reference cycle: {alive}"
