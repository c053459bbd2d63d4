"""The fields the explorer asks for: ``twins(filter: {root})`` and ``Twin.allowedTransitions``.

Both run on every graph store of the suite and go through the one Authorizer: a hidden
parent does not keep a twin from being a root of what the principal sees, and a twin the
principal may read but not change has no transitions to offer.
"""

from __future__ import annotations

from collections.abc import Sequence

import ontology
from ontology.access import Action, Principal
from tests.server.graphql.conftest import MACHINE_MODEL, HideSubtree, data, make_client, run

SITE = "acme/jkt1"
CELL = "acme/jkt1/machining/cell1"
FILLER = "acme/jkt1/packaging/line1/filler1"
LIFE = "test/lifecycle-moves"

ROOTS = """query($root: Boolean!, $first: Int) {
  twins(filter: {root: $root}, first: $first) {
    totalCount pageInfo { hasNextPage } nodes { id parents { id } } } }"""


def _all_twins(store: ontology.GraphStore) -> list[ontology.Twin]:
    page = store.list_twins(first=ontology.MAX_PAGE)
    found = list(page.items)
    while page.next_cursor is not None:
        page = store.list_twins(first=ontology.MAX_PAGE, after=page.next_cursor)
        found.extend(page.items)
    return found


def test_root_filter_lists_exactly_the_twins_without_parents(plant: ontology.GraphStore) -> None:
    client = make_client(plant)
    every = [t.id for t in _all_twins(plant)]
    parents = dict(zip(every, plant.parents_of(every), strict=True))
    expected_roots = sorted(t for t in every if not parents[t])
    roots = data(client, ROOTS, {"root": True, "first": 1000})["twins"]
    assert [n["id"] for n in roots["nodes"]] == expected_roots
    assert roots["totalCount"] == len(expected_roots)
    assert SITE in expected_roots and all(n["parents"] == [] for n in roots["nodes"])
    others = data(client, ROOTS, {"root": False, "first": 1000})["twins"]
    assert others["totalCount"] == len(every) - len(expected_roots)
    assert all(n["parents"] for n in others["nodes"])


def test_root_filter_pages_and_combines_with_other_conditions(
    plant: ontology.GraphStore,
) -> None:
    client = make_client(plant)
    total = data(client, ROOTS, {"root": False, "first": 1000})["twins"]["totalCount"]
    page = data(client, ROOTS, {"root": False, "first": 2})["twins"]
    assert len(page["nodes"]) == 2 and page["pageInfo"]["hasNextPage"] is (total > 2)
    under = data(
        client,
        """{ twins(filter: {under: "acme/jkt1", root: true}) { totalCount } }""",
    )
    assert under["twins"]["totalCount"] == 0  # everything under a twin has a parent


def test_a_twin_whose_parents_are_hidden_is_a_root_of_what_the_principal_sees(
    plant: ontology.GraphStore,
) -> None:
    client = make_client(plant, authorizer=HideSubtree(plant, "acme/jkt1/packaging"))
    roots = data(client, ROOTS, {"root": True, "first": 1000})["twins"]["nodes"]
    ids = [n["id"] for n in roots]
    assert SITE in ids and CELL not in ids  # cell1's parent (machining) is still visible
    assert not any(i.startswith("acme/jkt1/packaging") for i in ids)
    # hide the site itself: its children become the tops of what remains visible
    client = make_client(plant, authorizer=_HideOnly({SITE}))
    ids = [n["id"] for n in data(client, ROOTS, {"root": True, "first": 1000})["twins"]["nodes"]]
    assert SITE not in ids and "acme/jkt1/machining" in ids


class _HideOnly:
    """Hides exactly these twins (not their descendants)."""

    def __init__(self, hidden: set[str]) -> None:
        self.hidden = frozenset(hidden)

    def allowed(
        self, principal: Principal, action: Action, twin_ids: Sequence[str]
    ) -> tuple[bool, ...]:
        return tuple(t not in self.hidden for t in twin_ids)


class _ReadOnly:
    """Every twin may be read; none may be changed."""

    def allowed(
        self, principal: Principal, action: Action, twin_ids: Sequence[str]
    ) -> tuple[bool, ...]:
        return tuple(action is Action.READ for _ in twin_ids)


TRANSITIONS = """query($id: ID!) { twin(id: $id) { lifecycle allowedTransitions } }"""
SET = """mutation($id: ID!, $to: Lifecycle!) { setLifecycle(id: $id, to: $to) { lifecycle } }"""


def test_allowed_transitions_follow_the_store_rules_and_setlifecycle_accepts_them(
    plant: ontology.GraphStore,
) -> None:
    client = make_client(plant)
    spec = ontology.TwinSpec(LIFE, MACHINE_MODEL, {})
    plant.create_twin(spec, principal="tester")
    try:
        seen: dict[str, list[str]] = {}
        for state in ("provisioned", "active", "passive", "retired"):
            if state != "provisioned":
                data(client, SET, {"id": LIFE, "to": state.upper()})
            got = data(client, TRANSITIONS, {"id": LIFE})["twin"]
            assert got["lifecycle"] == state.upper()
            seen[state] = got["allowedTransitions"]
        assert seen == {
            "provisioned": ["ACTIVE", "RETIRED"],
            "active": ["PASSIVE", "RETIRED"],
            "passive": ["ACTIVE", "RETIRED"],
            "retired": [],
        }
        for state, offered in seen.items():
            expected = ontology.LIFECYCLE_TRANSITIONS[ontology.Lifecycle(state)]
            assert {ontology.Lifecycle(o.lower()) for o in offered} == expected
        # a state not offered is refused by the mutation, by the same rules
        refused = run(client, SET, {"id": LIFE, "to": "ACTIVE"})
        assert "it cannot become active" in refused["errors"][0]["message"]
    finally:
        plant.delete_twin(LIFE, etag=None, principal="tester")


def test_a_principal_that_may_not_change_the_twin_is_offered_no_transitions(
    plant: ontology.GraphStore,
) -> None:
    got = data(make_client(plant, authorizer=_ReadOnly()), TRANSITIONS, {"id": FILLER})["twin"]
    assert got["lifecycle"] == plant.get_twin(FILLER).lifecycle.name
    assert got["allowedTransitions"] == []
    assert data(make_client(plant), TRANSITIONS, {"id": FILLER})["twin"]["allowedTransitions"]
    hidden = make_client(plant, authorizer=HideSubtree(plant, FILLER))
    assert data(hidden, TRANSITIONS, {"id": FILLER}) == {"twin": None}
