"""Waiting, in a test, for something another task or process brings about."""

import asyncio
from collections.abc import Callable


async def eventually(condition: Callable[[], object], seconds: float = 10.0) -> None:
    """Until `condition()` is true; fail after `seconds`."""
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110 - the condition belongs to another task
            await asyncio.sleep(0.01)
