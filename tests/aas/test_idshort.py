from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from aas import IdShortScope, id_short

BOTH_METAMODELS = re.compile(r"^[A-Za-z][A-Za-z0-9_]{1,127}$")


def test_a_valid_name_is_kept() -> None:
    assert id_short("ratedPower") == "ratedPower"


def test_characters_outside_the_set_become_underscores_and_a_letter_leads() -> None:
    assert id_short("rated-power.kW") == "rated_power_kW"
    assert id_short("2ndStage") == "x2ndStage"
    assert id_short("_private") == "x_private"


def test_a_one_character_name_gets_a_second_character() -> None:
    assert id_short("a") == "a_"


def test_long_names_are_cut_with_a_hash_so_shared_prefixes_stay_apart() -> None:
    first, second = "p" * 300 + "A", "p" * 300 + "B"
    assert len(id_short(first)) == 128
    assert id_short(first) != id_short(second)
    assert id_short(first) == id_short(first)


def test_collisions_get_numbered_suffixes_case_insensitively() -> None:
    scope = IdShortScope(("Time",))
    assert [scope.claim(n) for n in ("time", "a-b", "a_b", "A_B", "other")] == [
        "time_2",
        "a_b",
        "a_b_2",
        "A_B_3",
        "other",
    ]


def test_a_suffix_on_a_128_character_idshort_stays_within_the_limit() -> None:
    scope = IdShortScope()
    name = "n" * 128
    assert scope.claim(name) == name
    again = scope.claim(name)
    assert len(again) == 128
    assert again.endswith("_2")


@given(st.lists(st.text(min_size=1, max_size=600), min_size=1, max_size=20))
def test_every_claim_is_valid_under_both_metamodels_and_unique(names: list[str]) -> None:
    scope = IdShortScope()
    claimed = [scope.claim(n) for n in names]
    assert all(BOTH_METAMODELS.match(c) for c in claimed), claimed
    assert len({c.casefold() for c in claimed}) == len(claimed)
