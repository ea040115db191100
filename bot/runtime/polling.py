"""Long polling that confirms an update to Telegram only once it is handled.

getUpdates hands out the same updates until a later call's offset confirms them; aiogram's own
polling moves the offset as soon as it has read an update, so an update under way when the
process dies is lost. Here the offset never passes an update still being handled (or waiting
to be tried again): after a crash Telegram hands it out again, and the record of handled
updates keeps it from being applied twice."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from aiogram import Bot
from aiogram.exceptions import TelegramNetworkError, TelegramServerError
from aiogram.methods import GetUpdates
from aiogram.types import Update

from bot.runtime.handling import Outcome

logger = logging.getLogger("pbbot.polling")

Handle = Callable[[Update], Awaitable[Outcome]]

LONG_POLL_SECONDS = 25
# Updates handled at once; beyond, reading waits for some to finish.
MAX_IN_FLIGHT = 256
RETRY_PAUSES = (0.5, 1, 2, 5, 10, 30)


class ConfirmingPolling:
    def __init__(self, bot: Bot, handle: Handle, allowed_updates: list[str]) -> None:
        self.bot = bot
        self.handle = handle
        self.allowed_updates = allowed_updates
        self.in_flight: dict[int, asyncio.Task[None]] = {}
        # Updates given up on when stopping: they stay unconfirmed, for the next start.
        self.left: set[int] = set()
        # The first update id not read yet; None before the first read.
        self.next_offset: int | None = None
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        self._stopping.set()

    @property
    def confirmed_up_to(self) -> int | None:
        """The offset to give Telegram: every update before it is handled."""
        pending = self.in_flight.keys() | self.left
        return min(pending) if pending else self.next_offset

    async def run(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            if len(self.in_flight) >= MAX_IN_FLIGHT:
                await self._some_finish()
                continue
            try:
                updates = await self._read(self.confirmed_up_to, wait=not self.in_flight)
            except (TelegramNetworkError, TelegramServerError) as error:
                pause = RETRY_PAUSES[min(failures, len(RETRY_PAUSES) - 1)]
                failures += 1
                logger.warning("Telegram unreachable (%s); reading again in %s s", error, pause)
                await self._wait(pause)
                continue
            failures = 0
            fresh = [
                u for u in updates if self.next_offset is None or u.update_id >= self.next_offset
            ]
            for update in fresh:
                self.in_flight[update.update_id] = asyncio.create_task(self._handle(update))
                self.next_offset = update.update_id + 1
            if self.in_flight and not fresh:
                # What Telegram has is all under way: wait for some of it rather than ask again.
                await self._some_finish()
        await self._finish()

    async def _read(self, offset: int | None, wait: bool) -> list[Update]:
        timeout = LONG_POLL_SECONDS if wait else 0
        request = GetUpdates(offset=offset, timeout=timeout, allowed_updates=self.allowed_updates)
        reading = asyncio.ensure_future(self.bot(request, request_timeout=timeout + 10))
        stopping = asyncio.ensure_future(self._stopping.wait())
        done, _ = await asyncio.wait({reading, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if reading not in done:
            reading.cancel()
            return []
        return list(reading.result())

    async def _handle(self, update: Update) -> None:
        """Until it goes through: the offset stays before it meanwhile (the database may be
        back in a minute; nothing is confirmed that was not kept)."""
        failures = 0
        try:
            while not (await self.handle(update)).confirmed:
                pause = RETRY_PAUSES[min(failures, len(RETRY_PAUSES) - 1)]
                failures += 1
                if await self._wait(pause):
                    self.left.add(update.update_id)
                    return
        finally:
            self.in_flight.pop(update.update_id, None)

    async def _some_finish(self) -> None:
        await asyncio.wait(
            list(self.in_flight.values()), timeout=1, return_when=asyncio.FIRST_COMPLETED
        )

    async def _wait(self, seconds: float) -> bool:
        """Wait `seconds`, or less if asked to stop; say whether it was."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)
        return self._stopping.is_set()

    async def _finish(self) -> None:
        """Let the updates under way end, then confirm them to Telegram."""
        if self.in_flight:
            await asyncio.wait(list(self.in_flight.values()), timeout=20)
        offset = self.confirmed_up_to
        if offset is not None:
            try:
                await self.bot(GetUpdates(offset=offset, limit=1, timeout=0))
            except (TelegramNetworkError, TelegramServerError):
                logger.warning("could not confirm the last updates; Telegram sends them again")
