"""A process that sends one campaign run and nothing else, for the tests that kill it midway:

    python -m tests.support.delivery_worker DATABASE_URL RUN_ID API_URL PER_SECOND

It posts to the Bot API server with aiohttp alone: aiogram would take seconds to import, and
what is tested is what the sender leaves in the database when it is killed."""

import asyncio
import sys

import aiohttp

from broadcast.delivery import Delivery, Sender, SendFailed
from broadcast.limiter import RateLimiter
from storage.database import create_engine, create_sessionmaker
from storage.liveness import Liveness
from tests.support.deliveries import TOKEN, text_for


async def main(database_url: str, run_id: int, api_url: str, per_second: float) -> None:
    engine = create_engine(database_url)
    try:
        async with aiohttp.ClientSession() as http:

            async def send(delivery: Delivery) -> int:
                form = {"chat_id": str(delivery.chat_id), "text": text_for(delivery)}
                async with http.post(f"{api_url}/bot{TOKEN}/sendMessage", data=form) as answer:
                    body = await answer.json()
                if not body["ok"]:
                    raise SendFailed(body["description"])
                return int(body["result"]["message_id"])

            liveness = Liveness()
            claimer = await liveness.hold(engine) if engine.dialect.name == "postgresql" else None
            sender = Sender(
                create_sessionmaker(engine), send, RateLimiter(per_second), claimer=claimer
            )
            await sender.run(run_id)
    finally:
        await engine.dispose()


if __name__ == "__main__":
    url, run, api, rate = sys.argv[1:5]
    asyncio.run(main(url, int(run), api, float(rate)))
