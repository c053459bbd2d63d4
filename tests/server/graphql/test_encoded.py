"""A list whose JSON is written once (``EncodedList``) and the server's JSON writer.

The writer copies an ``EncodedList``'s bytes, and writes everything else as orjson
writes it without that option: subclasses of built-in types, enums, and values
orjson refuses (the standard library's fallback).
"""

from __future__ import annotations

import enum
import json

import numpy as np
import orjson

from ontology.history import Agg, Series, SeriesKey
from server.graphql._encoded import EncodedList
from server.graphql._http import encode
from server.graphql._series_json import series_lists


class Mode(str, enum.Enum):  # noqa: UP042 (str() of this kind is not its value)
    RUN = "run"


class Level(enum.IntEnum):
    HIGH = 3


class Text(str):
    pass


class Mapping(dict[str, int]):
    pass


class Items(list[int]):
    pass


def test_an_encoded_list_is_its_items_and_carries_their_json() -> None:
    items = [1.5, None, 2.0, "RUN", 10**12]
    held = EncodedList(items)
    assert held == items
    assert bytes(encode({"v": held, "w": [held]})) == orjson.dumps({"v": items, "w": [items]})


def test_subclasses_and_enums_are_written_as_before() -> None:
    value = {
        "mode": Mode.RUN,
        "level": Level.HIGH,
        "text": Text("x"),
        "map": Mapping(a=1),
        "items": Items([1, 2]),
        "flag": True,
    }
    assert encode(value) == orjson.dumps(value)
    assert json.loads(encode(value)) == {
        "mode": "run",
        "level": 3,
        "text": "x",
        "map": {"a": 1},
        "items": [1, 2],
        "flag": True,
    }


def test_what_orjson_refuses_falls_back_to_the_standard_library() -> None:
    value = {"big": 2**70, "v": EncodedList([1.0])}
    assert encode(value) == b'{"big":1180591620717411303424,"v":[1.0]}'


def test_a_series_lists_carry_the_json_of_their_numbers() -> None:
    start = np.datetime64("2026-06-01T00:00:00", "us") + np.arange(3).astype("timedelta64[m]")
    series = Series(SeriesKey("m1", "power"), start, {Agg.MEAN: np.array([1.25, np.nan, 3.0])})
    starts, columns = series_lists(series, [Agg.MEAN])
    assert type(starts) is EncodedList
    assert type(columns["mean"]) is EncodedList
    assert encode({"t": starts, "v": columns}) == orjson.dumps(
        {"t": list(starts), "v": {"mean": [1.25, None, 3.0]}}
    )
