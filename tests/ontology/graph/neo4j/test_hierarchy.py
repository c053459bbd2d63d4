"""The Neo4j store's kept hierarchy: descendants and levels of children (``children_below``)
answered from it equal Neo4j's own answers,
and a change of the hierarchy shows at once (the contract suite covers the answers in
general; here both paths are compared on the same graph)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from ontology import CONTAINS, Edge, Neo4jStore, Neo4jStoreSettings, NotFoundError, TwinSpec

pytestmark = pytest.mark.neo4j

MODEL = json.dumps(
    {"@context": "dtmi:dtdl:context;3", "@id": "dtmi:test:Node;1", "@type": "Interface"}
)
NODE = "dtmi:test:Node;1"
WHO = "tester"
TREE = (
    ("r", "a"),
    ("r", "b"),
    ("a", "a1"),
    ("a", "a2"),
    ("b", "a2"),  # a2 under two parents: counted once
    ("b", "b1"),
    ("a2", "x"),
    ("b1", "x"),  # x reached by three paths
    ("x", "y"),
)


def _open(uri: str, namespace: str, *, kept: bool) -> Neo4jStore:
    # exists_stale_ms 0: every call checks the counter, so another store's write shows at
    # once (the bounded check is tested in test_kept_existence.py)
    settings = Neo4jStoreSettings(
        uri=uri, namespace=namespace, hierarchy_cache=kept, exists_stale_ms=0
    )
    return Neo4jStore(settings)


@pytest.fixture
def stores(neo4j_uri: str, neo4j_namespace: str) -> Iterator[tuple[Neo4jStore, Neo4jStore]]:
    """A store keeping the hierarchy and one asking Neo4j every time, on the same graph."""
    kept = _open(neo4j_uri, neo4j_namespace, kept=True)
    plain = _open(neo4j_uri, neo4j_namespace, kept=False)
    kept.add_models([MODEL], principal=WHO)
    twins = sorted({t for edge in TREE for t in edge})
    kept.upsert_twins([TwinSpec(t, NODE) for t in twins], principal=WHO)
    kept.add_edges([Edge(p, CONTAINS, c) for p, c in TREE], principal=WHO)
    yield kept, plain
    kept.close()
    plain.close()


def _settle(store: Neo4jStore, before: int | None) -> int:
    """Ask until the store keeps a hierarchy newer than ``before``; its counter."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        store.count_descendants("r")  # finds it stale: reads it again in the background
        store._hierarchy.wait()
        version = store._hierarchy.version
        if version is not None and version != before:
            return version
        time.sleep(0.01)  # the spacing between two reads
    raise AssertionError("the hierarchy was not read again within 10 s")


def _answers(store: Neo4jStore) -> list[object]:
    out: list[object] = []
    for twin in ("r", "a", "b", "a2", "b1", "x", "y"):
        for depth in (None, 1, 2):
            out.append(store.count_descendants(twin, max_depth=depth))
            out.append(store.descendants(twin, max_depth=depth).items)
            pages: list[str] = []
            cursor = None
            while True:
                page = store.descendants(twin, max_depth=depth, first=2, after=cursor)
                pages += page.items
                cursor = page.next_cursor
                if cursor is None:
                    break
            out.append(tuple(pages))
    for roots in (["r"], ["a", "b"], ["b", "nope", "a2", "b"], ["x"], ["nope"]):
        for depth in (1, 2, 3, 8):
            for limit in (1, 3, 4, 10_000):
                out.append(dict(store.children_below(roots, depth, limit=limit)))
    return out


def test_the_kept_hierarchy_answers_as_neo4j_does(stores: tuple[Neo4jStore, Neo4jStore]) -> None:
    kept, plain = stores
    _settle(kept, None)
    assert kept.count_descendants("r") == 7  # a, b, a1, a2, b1, x, y: each once
    assert kept.descendants("b", max_depth=2).items == ("a2", "b1", "x")
    assert dict(kept.children_below(["b", "a"], 2, limit=6)) == {
        "a": ("a1", "a2"),
        "b": ("a2", "b1"),
        "a1": (),
        "a2": ("x",),
        "b1": ("x",),
    }
    assert dict(kept.children_below(["b", "a"], 2, limit=4)) == {
        "a": ("a1", "a2"),
        "b": ("a2", "b1"),
    }  # the second level (a1, a2, b1) would make 5 twins
    assert _answers(kept) == _answers(plain)
    assert plain._hierarchy.version is None  # hierarchy_cache=False: never kept


def test_a_change_shows_at_once_then_from_the_kept_hierarchy(
    stores: tuple[Neo4jStore, Neo4jStore],
) -> None:
    kept, plain = stores
    first = _settle(kept, None)
    plain.upsert_twins([TwinSpec("z", NODE)], principal=WHO)  # another store writes
    plain.add_edges([Edge("y", CONTAINS, "z"), Edge("a1", CONTAINS, "z")], principal=WHO)
    assert kept.count_descendants("r") == 8  # the counter moved: Neo4j counts
    assert kept.descendants("a").items == ("a1", "a2", "x", "y", "z")
    assert kept.children_below(["a1"], 2)["a1"] == ("z",)  # not from the older hierarchy
    assert kept.count_descendants("y", max_depth=1) == 1
    assert _settle(kept, first) > first
    assert kept.count_descendants("r") == 8  # now from the kept hierarchy
    assert _answers(kept) == _answers(plain)
    plain.remove_edge("a1", CONTAINS, "z", principal=WHO)
    plain.delete_twin("y", etag=None, principal=WHO)
    assert kept.count_descendants("r") == 6  # y deleted with its edges: z is under nothing
    assert kept.descendants("x").items == ()


def test_an_unknown_twin_is_not_found_with_a_kept_hierarchy(
    stores: tuple[Neo4jStore, Neo4jStore],
) -> None:
    kept, _ = stores
    _settle(kept, None)
    with pytest.raises(NotFoundError):
        kept.count_descendants("nope")
    with pytest.raises(NotFoundError):
        kept.descendants("nope", max_depth=2)


def _version(store: Neo4jStore) -> int | None:
    return store._hierarchy.version


def test_the_first_count_waits_for_the_first_read_of_the_hierarchy(
    stores: tuple[Neo4jStore, Neo4jStore],
) -> None:
    kept, plain = stores
    assert _version(kept) is None  # nothing asked yet
    assert kept.count_descendants("r") == 7
    assert _version(kept) is not None  # read before the count was answered
    assert plain.count_descendants("r") == 7
    assert _version(plain) is None  # hierarchy_cache=False: never read
