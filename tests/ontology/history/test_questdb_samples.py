"""QuestDB reads (``_samples``): key filters split to the server's bind parameter limit."""

from __future__ import annotations

from ontology.history import SeriesKey
from ontology.history.questdb._fetch import MAX_PARAMETERS
from ontology.history.questdb._samples import key_filters


def _pairs(where_params: tuple[str, list[object]]) -> set[tuple[object, object]]:
    where, params = where_params
    twins = where.split(" AND ")[0].count("%s")
    return {(t, s) for t in params[:twins] for s in params[twins:]}


def test_few_keys_make_one_filter() -> None:
    keys = [SeriesKey("b", "x"), SeriesKey("a", "y"), SeriesKey("a", "x")]
    (where, params), *rest = key_filters(keys, fixed=3)
    assert rest == []
    assert where == "twin IN (%s, %s) AND signal IN (%s, %s)"
    assert params == ["a", "b", "x", "y"]


def test_many_keys_split_by_twin_within_the_limit_selecting_every_pair_once() -> None:
    keys = [SeriesKey(f"plant/t{i}", "power") for i in range(70_000)]
    keys += [SeriesKey("plant/wide", f"s{i}") for i in range(40_000)]  # one twin, many signals
    keys += [SeriesKey("plant/t5", "speed"), SeriesKey("plant/t5", "power")]  # asked twice
    parts = key_filters(keys, fixed=3)
    assert len(parts) >= 4
    selected: list[tuple[object, object]] = []
    for part in parts:
        assert len(part[1]) + 3 <= MAX_PARAMETERS
        selected += _pairs(part)
    wanted = {(k.twin, k.signal) for k in keys}
    assert wanted <= set(selected)
    # a pair the filters select beyond the keys comes from one part only, like every key
    assert len(selected) == len(set(selected))
