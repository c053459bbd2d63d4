"""Several PostgreSQL-wire requests at once, each on a connection of its own
(``Wire.arrows_each``): answers in request order, a failure raised only after every
request ended, and every connection usable after it."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pyarrow as pa
import pytest

from ontology.history import HistoryInputError, HistoryUnavailableError
from ontology.history.questdb._wire import Request, Wire
from tests._services import QuestDBAddress, unique_name
from tests.ontology.history.conftest import questdb_history_settings

pytestmark = pytest.mark.questdb
ONE = pa.schema([("x", pa.int64())])


@pytest.fixture
def wire(questdb: QuestDBAddress) -> Iterator[Wire]:
    settings = questdb_history_settings(questdb, unique_name("w"))
    opened = Wire(dataclasses.replace(settings, read_requests=3))
    yield opened
    opened.close()


def _upto(n: int) -> Request:
    return [("SELECT x FROM long_sequence(200000) WHERE x <= $1", ONE)], [n]


def test_requests_at_once_answer_each_with_its_own_rows_in_order(wire: Wire) -> None:
    assert wire.parallel_reads == 3
    for sizes in ([5], [1, 70_000], [3, 200_000, 7]):
        answers = wire.arrows_each([_upto(n) for n in sizes])
        assert [a[0].column("x").to_pylist() for a in answers] == [
            list(range(1, n + 1)) for n in sizes
        ]


def test_a_refused_request_raises_after_the_others_and_every_connection_runs_again(
    wire: Wire,
) -> None:
    refused: Request = ([("SELECT nothing FROM no_such_table_here", ONE)], [])
    for requests in ([refused, _upto(100_000)], [_upto(100_000), refused, _upto(2)]):
        with pytest.raises(HistoryUnavailableError, match="refused a query"):
            wire.arrows_each(requests)
        again = wire.arrows_each([_upto(4), _upto(5), _upto(6)])
        assert [a[0].num_rows for a in again] == [4, 5, 6]


def test_more_requests_than_connections_are_refused_before_sending(wire: Wire) -> None:
    with pytest.raises(HistoryInputError, match="4 requests at once; expected at most 3"):
        wire.arrows_each([_upto(1)] * 4)
