"""The rate limiter, on a virtual clock: no test here really sleeps."""

import asyncio
import heapq
import itertools
from collections.abc import Awaitable, Callable

import pytest

from broadcast.limiter import RateLimiter


class VirtualTime:
    """A clock that moves only when every task is asleep, straight to the next wake-up."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        wake: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(0.0, seconds), next(self._order), wake))
        await wake

    async def run(self, *coroutines: Awaitable[object]) -> None:
        tasks = [asyncio.ensure_future(coroutine) for coroutine in coroutines]
        while not all(task.done() for task in tasks):
            for _ in range(10):
                await asyncio.sleep(0)  # let whatever can run, run
            if self._sleepers:
                when = self._sleepers[0][0]
                self.now = max(self.now, when)
                while self._sleepers and self._sleepers[0][0] <= self.now:
                    wake = heapq.heappop(self._sleepers)[2]
                    if not wake.done():  # not cancelled meanwhile
                        wake.set_result(None)
        for task in tasks:
            task.result()


def limiter_on(time: VirtualTime, per_second: float, per_chat: float = 1.0) -> RateLimiter:
    return RateLimiter(per_second, per_chat, clock=time.clock, sleep=time.sleep)


def sends_to(
    time: VirtualTime, limiter: RateLimiter, log: list[tuple[float, int]]
) -> Callable[[int], Awaitable[None]]:
    async def send(chat_id: int) -> None:
        await limiter.acquire(chat_id)
        log.append((time.now, chat_id))

    return send


async def test_messages_to_many_chats_go_out_evenly_spaced_never_in_a_burst() -> None:
    time = VirtualTime()
    limiter = limiter_on(time, per_second=30)
    log: list[tuple[float, int]] = []
    send = sends_to(time, limiter, log)
    await time.run(*(send(chat) for chat in range(90)))
    moments = [moment for moment, _ in log]
    assert len(moments) == 90
    gaps = [later - earlier for earlier, later in itertools.pairwise(moments)]
    assert min(gaps) == pytest.approx(1 / 30)
    # 90 messages at 30 a second: three seconds, less the first slot.
    assert moments[-1] == pytest.approx(89 / 30)


async def test_a_chat_gets_at_most_one_message_a_second_without_holding_up_the_others() -> None:
    time = VirtualTime()
    limiter = limiter_on(time, per_second=100)
    log: list[tuple[float, int]] = []
    send = sends_to(time, limiter, log)
    # Three messages to chat 1 among twenty to other chats.
    await time.run(send(1), send(1), send(1), *(send(chat) for chat in range(100, 120)))
    to_one = [moment for moment, chat in log if chat == 1]
    assert [round(moment, 6) for moment in to_one] == [0.0, 1.0, 2.0]
    others = [moment for moment, chat in log if chat != 1]
    # The other chats went on at the full rate meanwhile.
    assert max(others) < 0.25


async def test_a_429_pauses_all_sending_for_its_retry_after_then_resumes_evenly() -> None:
    time = VirtualTime()
    limiter = limiter_on(time, per_second=10)
    log: list[tuple[float, int]] = []
    send = sends_to(time, limiter, log)

    async def flood_control() -> None:
        await time.sleep(0.25)
        limiter.pause(3)

    await time.run(flood_control(), *(send(chat) for chat in range(10)))
    moments = [round(moment, 6) for moment, _ in log]
    # Three went before the 429 (at 0, 0.1, 0.2); nothing during the pause; then 10 a second.
    assert moments[:3] == [0.0, 0.1, 0.2]
    assert moments[3:] == [round(3.25 + index / 10, 6) for index in range(7)]
    assert limiter.paused_for == 0


async def test_a_shorter_pause_never_cuts_a_longer_one_short() -> None:
    time = VirtualTime()
    limiter = limiter_on(time, per_second=10)
    limiter.pause(5)
    limiter.pause(1)
    assert limiter.paused_for == 5
    log: list[tuple[float, int]] = []
    await time.run(sends_to(time, limiter, log)(1))
    assert log == [(5.0, 1)]


async def test_a_sender_that_fell_behind_does_not_catch_up_with_a_burst() -> None:
    time = VirtualTime()
    limiter = limiter_on(time, per_second=10)
    log: list[tuple[float, int]] = []
    send = sends_to(time, limiter, log)
    await time.run(send(1))
    time.now = 10.0  # the sender was busy elsewhere for ten seconds
    await time.run(*(send(chat) for chat in range(2, 6)))
    assert [round(moment, 6) for moment, _ in log[1:]] == [10.0, 10.1, 10.2, 10.3]


async def test_a_message_given_up_while_waiting_leaves_its_chat_free() -> None:
    time = VirtualTime()
    limiter = limiter_on(time, per_second=10)
    log: list[tuple[float, int]] = []
    send = sends_to(time, limiter, log)
    await time.run(*(send(chat) for chat in range(5)))  # slots up to 0.4
    given_up = asyncio.ensure_future(send(99))  # its slot would be at 0.5
    await asyncio.sleep(0)
    given_up.cancel()
    await time.run(send(99))
    # Chat 99 got nothing yet, so it may have a message at once, as the rate allows.
    moment, chat = log[-1]
    assert chat == 99 and moment == pytest.approx(0.6)


def test_a_rate_of_zero_is_refused() -> None:
    with pytest.raises(ValueError, match="per_second"):
        RateLimiter(0)
