"""Helpers for the Kafka tests: produce records, run a worker until a condition holds."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from aiokafka import AIOKafkaProducer

from ingest.worker import Worker

WAIT_S = 60.0  # a guard against hanging, not a timing assertion


async def produce(bootstrap: str, topic: str, records: Sequence[tuple[str, bytes]]) -> None:
    """Send ``(key, payload)`` records and wait until the broker has them all."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    await producer.start()
    try:
        sends = [await producer.send(topic, value, key=key.encode()) for key, value in records]
        await asyncio.gather(*sends)
    finally:
        await producer.stop()


async def run_until(worker: Worker, done: Callable[[], bool]) -> None:
    """Run ``worker`` until ``done()``, then stop it gracefully."""
    running = asyncio.ensure_future(worker.run())
    try:
        async with asyncio.timeout(WAIT_S):
            while not done():
                if running.done():
                    running.result()
                    msg = "the worker stopped before the condition held"
                    raise AssertionError(msg)
                await asyncio.sleep(0.05)
    finally:
        worker.stop()
        await asyncio.wait_for(running, WAIT_S)
