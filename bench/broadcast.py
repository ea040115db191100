"""How close a campaign run comes to the rate Telegram allows, and whether it ever sends a
citizen the message twice or loses one.

N citizens get one message each, through the real sender (claims, rate limiter, aiogram) and
a local fake Bot API server, in a process of its own, that enforces the same rate as Telegram
does (a bucket of one second's worth, 429 above it). The sender's limiter is set to that rate
too: sent evenly, the messages should all be accepted, none refused with a 429.

    python -m bench.broadcast                          # 10 000 citizens on SQLite at 500/s
    python -m bench.broadcast --citizens 300 --rate 5000   # a quick check
    python -m bench.broadcast --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/test
    python -m bench.broadcast --limit 1000             # a paid broadcast at up to 1 000/s

With `--limit N`, the campaign is a paid broadcast: every message carries allow_paid_broadcast,
the server lets those through at N a second (and all others at Telegram's free 30), and the
sender's limiter is set to N, as the bot does for a paid campaign.

The last line of output is one JSON object with the figures.
"""

import argparse
import asyncio
import json
import logging
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.types import Message

from bench.flow import fresh_database
from bot.jobs.campaign_sending import telegram_send
from broadcast.delivery import Delivery, Sender
from broadcast.limiter import RateLimiter
from tests.support.broadcast_bot import bot_on, compose
from tests.support.deliveries import delivery_states, seed_run

ROOT = Path(__file__).resolve().parent.parent
# Telegram's rate for messages that are not paid broadcasts.
FREE_PER_SECOND = 30.0


@dataclass(frozen=True)
class Figures:
    backend: str
    citizens: int
    limit_per_s: float
    seconds: float
    accepted: int
    http_429: int
    duplicates: int
    lost: int
    states: dict[str, int]
    paid: int = 0

    @property
    def achieved_per_s(self) -> float:
        return self.accepted / self.seconds

    @property
    def rate_fraction(self) -> float:
        return self.achieved_per_s / self.limit_per_s


@asynccontextmanager
async def fake_bot_api(rate: float, paid_rate: float | None = None) -> AsyncIterator[str]:
    """The fake Bot API server in a process of its own; yields its URL."""
    paid = ["--paid-per-second", str(paid_rate)] if paid_rate else []
    server = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.support.fake_bot_api",
        "--per-second",
        str(rate),
        *paid,
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert server.stdin is not None and server.stdout is not None
    try:
        url = (await asyncio.wait_for(server.stdout.readline(), timeout=60)).decode().strip()
        if not url.startswith("http"):
            raise RuntimeError("the fake Bot API server did not start")
        yield url
    finally:
        server.stdin.close()
        try:
            await asyncio.wait_for(server.wait(), timeout=10)
        except TimeoutError:
            server.kill()
            await server.wait()


async def server_stats(url: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http, http.get(f"{url}/stats") as answer:
        stats: dict[str, Any] = await answer.json()
    return stats


async def paid_compose(delivery: Delivery) -> TelegramMethod[Message]:
    method = await compose(delivery)
    assert isinstance(method, SendMessage)
    return method.model_copy(update={"allow_paid_broadcast": True})


async def benchmark(
    citizens: int, rate: float, postgres: str | None, paid: bool = False
) -> Figures:
    """`paid`: a paid broadcast at `rate`, the server's free rate staying at Telegram's 30."""
    free_rate = FREE_PER_SECOND if paid else rate
    with tempfile.TemporaryDirectory(prefix="pbbot-bench-") as directory:
        async with (
            fresh_database(postgres, Path(directory)) as sessionmaker,
            fake_bot_api(free_rate, rate if paid else None) as url,
        ):
            seeded = await seed_run(sessionmaker, citizens)
            bot = bot_on(url)
            try:
                send = telegram_send(bot, paid_compose if paid else compose)
                sender = Sender(sessionmaker, send, RateLimiter(rate))
                started = time.perf_counter()
                counts = await sender.run(seeded.run_id)
                seconds = time.perf_counter() - started
            finally:
                await bot.session.close()
            stats = await server_stats(url)
            states = await delivery_states(sessionmaker, seeded.run_id)
    received = {int(chat): count for chat, count in stats["received"].items()}
    sent = {chat for chat, state in states.items() if state == "sent"}
    return Figures(
        backend="sqlite" if postgres is None else "postgresql",
        citizens=citizens,
        limit_per_s=rate,
        seconds=seconds,
        accepted=stats["accepted"],
        http_429=stats["too_many_requests"],
        duplicates=sum(count - 1 for count in received.values()),
        # A citizen who did not get the message, or whose delivery does not say it went.
        lost=len(set(seeded.chat_ids) - (set(received) & sent)),
        states=counts,
        paid=stats.get("paid", 0),
    )


def report(figures: Figures) -> str:
    states = ", ".join(f"{state} {count}" for state, count in figures.states.items() if count)
    kind = (
        f"a paid broadcast ({figures.paid} messages with allow_paid_broadcast; free ones "
        f"limited to {FREE_PER_SECOND:g}/s)"
        if figures.paid
        else "free messages"
    )
    rows = [
        f"{figures.citizens} citizens get one message each, on {figures.backend}; the fake Bot "
        f"API server and the sender's limiter both at {figures.limit_per_s:g} messages/s; "
        f"{kind}",
        "",
        f"{'seconds':>8} {'accepted':>9} {'msg/s':>8} {'of limit':>9} {'429s':>6} "
        f"{'twice':>6} {'lost':>5}",
        f"{figures.seconds:>8.2f} {figures.accepted:>9} {figures.achieved_per_s:>8.1f} "
        f"{figures.rate_fraction:>9.1%} {figures.http_429:>6} {figures.duplicates:>6} "
        f"{figures.lost:>5}",
        "",
        f"deliveries at the end: {states}",
    ]
    return "\n".join(rows)


def summary(figures: Figures) -> str:
    return json.dumps(
        {
            "citizens": figures.citizens,
            "limit_per_s": figures.limit_per_s,
            "achieved_per_s": round(figures.achieved_per_s, 1),
            "rate_fraction": round(figures.rate_fraction, 4),
            "http_429": figures.http_429,
            "duplicates": figures.duplicates,
            "lost": figures.lost,
            "seconds": round(figures.seconds, 3),
            "backend": figures.backend,
            "paid_messages": figures.paid,
        }
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.broadcast",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    parser.add_argument("--citizens", type=int, default=10_000, help="default 10000")
    parser.add_argument(
        "--rate", type=float, default=500.0, help="messages per second allowed (default 500)"
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="run on this PostgreSQL server (a database of its own is created and dropped), "
        "e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test",
    )
    parser.add_argument(
        "--limit",
        type=float,
        metavar="N",
        help="send as a paid broadcast (allow_paid_broadcast) at up to N messages per second, "
        "e.g. 1000; the server keeps the free ones at 30/s",
    )
    args = parser.parse_args(argv)
    if args.limit is not None and not 0 < args.limit <= 1000:
        parser.error("--limit: Telegram's paid broadcasts go up to 1000 messages per second")
    if args.citizens < 1:
        parser.error("--citizens must be at least 1")
    if args.rate <= 0:
        parser.error("--rate must be more than zero")
    for name in ("aiogram", "aiogram.event", "aiohttp.access"):
        logging.getLogger(name).setLevel(logging.WARNING)
    paid = args.limit is not None
    rate = args.limit if paid else args.rate
    figures = asyncio.run(benchmark(args.citizens, rate, args.postgres, paid=paid))
    print(report(figures), flush=True)
    print(summary(figures), flush=True)
    if figures.duplicates or figures.lost:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
