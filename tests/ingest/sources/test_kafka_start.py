"""``start_kafka``: aiokafka's lines held while a client starts, told in the message if the
start fails, passed on if it succeeds; two starts at once in one process each keep their
own client's lines (aiokafka logs from the tasks a start makes)."""

from __future__ import annotations

import asyncio
import logging

import pytest
from aiokafka.errors import KafkaConnectionError

from ingest import IngestError
from ingest.sources import start_kafka

LOG = logging.getLogger("aiokafka.conn")


async def _fails(line: str, gate: asyncio.Event) -> None:
    async def connect() -> None:  # aiokafka logs from a task the start made
        LOG.error(line)

    await asyncio.create_task(connect())
    await gate.wait()
    raise KafkaConnectionError(line)


async def _starts(line: str, logged: asyncio.Event, gate: asyncio.Event) -> str:
    LOG.warning(line)
    logged.set()
    await gate.wait()
    return "started"


def test_two_starts_at_once_each_tell_their_own_lines(caplog: pytest.LogCaptureFixture) -> None:
    async def both() -> tuple[str | BaseException, BaseException | None]:
        logged, gate = asyncio.Event(), asyncio.Event()
        ok = asyncio.create_task(
            start_kafka(
                lambda: _starts("b: slow metadata", logged, gate),
                bootstrap="b:9092",
                doing="read b",
            )
        )
        await logged.wait()
        bad = asyncio.create_task(
            start_kafka(
                lambda: _fails("a: Unable connect", gate), bootstrap="a:9092", doing="read a"
            )
        )
        await asyncio.sleep(0.01)
        assert [r.getMessage() for r in caplog.records] == []  # both held
        gate.set()
        return await asyncio.gather(ok, bad, return_exceptions=True)

    with caplog.at_level(logging.WARNING, logger="aiokafka"):
        started, failed = asyncio.run(both())
    assert started == "started"
    assert isinstance(failed, IngestError)
    assert "to read a (aiokafka: a: Unable connect)" in str(failed)
    assert "b: slow metadata" not in str(failed)
    assert [r.getMessage() for r in caplog.records] == ["b: slow metadata"]


def test_a_started_clients_later_lines_pass_straight_on(caplog: pytest.LogCaptureFixture) -> None:
    async def run() -> None:
        later = asyncio.Event()

        async def background() -> None:  # made during the start, logs after it
            await later.wait()
            LOG.warning("heartbeat failed")

        tasks: list[asyncio.Task[None]] = []

        async def start() -> None:
            tasks.append(asyncio.create_task(background()))

        await start_kafka(start, bootstrap="c:9092", doing="read c")
        later.set()
        await tasks[0]

    with caplog.at_level(logging.WARNING, logger="aiokafka"):
        asyncio.run(run())
    assert [r.getMessage() for r in caplog.records] == ["heartbeat failed"]
