"""One rate limiter for everything a process sends to Telegram in bulk.

Sends are spaced evenly (one every 1/per_second seconds) rather than let through in bursts: a
server that enforces the same rate with a small bucket then never has a reason to answer 429.
Each send reserves the next free slot on a timeline; a sender that falls behind (a busy event
loop) resumes from now and does not catch up with a burst. A chat gets at most one message per
`per_chat_seconds`, without holding up the other chats. A 429 pauses everything for its
retry_after: the slots reserved inside the pause are given up and taken again after it."""

import asyncio
import math
import time
from collections.abc import Awaitable, Callable

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class RateLimiter:
    def __init__(
        self,
        per_second: float,
        per_chat_seconds: float = 1.0,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if per_second <= 0:
            raise ValueError("per_second must be more than zero")
        self.per_second = per_second
        self.per_chat_seconds = per_chat_seconds
        self._interval = 1.0 / per_second
        self._clock = clock
        self._sleep = sleep
        self._next_slot = -math.inf
        self._paused_until = -math.inf
        # When each chat was last given a slot; forgotten once that no longer holds it back.
        self._chat_slots: dict[int, float] = {}

    @property
    def paused_for(self) -> float:
        """Seconds left of the current pause (0 when sending goes on)."""
        return max(0.0, self._paused_until - self._clock())

    def pause(self, seconds: float) -> None:
        """Stop all sending for `seconds` (Telegram's retry_after); a longer pause already
        under way is kept."""
        until = self._clock() + max(0.0, seconds)
        if until > self._paused_until:
            self._paused_until = until
            self._next_slot = max(self._next_slot, until)

    async def acquire(self, chat_id: int) -> None:
        """Wait for this chat's turn: returns when one message to `chat_id` may go."""
        while True:
            now = self._clock()
            chat_free = self._chat_slots.get(chat_id, -math.inf) + self.per_chat_seconds
            if chat_free > now:
                # Wait outside the timeline, so that the other chats keep their slots.
                await self._sleep(chat_free - now)
                continue
            slot = max(self._next_slot, self._paused_until, now)
            self._next_slot = slot + self._interval
            self._chat_slots[chat_id] = slot
            if len(self._chat_slots) > 4096:
                self._forget_chats(now)
            if slot > now:
                try:
                    await self._sleep(slot - now)
                except asyncio.CancelledError:
                    # Given up before sending: the chat may have its next message at once.
                    if self._chat_slots.get(chat_id) == slot:
                        del self._chat_slots[chat_id]
                    raise
            # A 429 that came while this one waited covers its slot: take a new one after it.
            if self._paused_until > slot:
                self._chat_slots.pop(chat_id, None)
                continue
            return

    def _forget_chats(self, now: float) -> None:
        horizon = now - self.per_chat_seconds
        self._chat_slots = {chat: slot for chat, slot in self._chat_slots.items() if slot > horizon}
