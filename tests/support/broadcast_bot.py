"""A campaign run's sender on aiogram, pointed at the fake Bot API server."""

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.types import Message

from bot.jobs.campaign_sending import telegram_send
from bot.runtime.dispatcher import create_bot
from broadcast.delivery import Delivery, Sender
from broadcast.limiter import RateLimiter
from tests.support.deliveries import TOKEN, Sessionmaker, text_for


class LocalSession(AiohttpSession):
    """aiogram's session, closed without its quarter-second wait for TLS connections to
    wind down: there are none on localhost."""

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


def bot_on(api_url: str) -> Bot:
    session = LocalSession()
    session.api = TelegramAPIServer.from_base(api_url)
    return create_bot(TOKEN, session=session)


async def compose(delivery: Delivery) -> TelegramMethod[Message]:
    return SendMessage(chat_id=delivery.chat_id, text=text_for(delivery))


def sender_on(
    sessionmaker: Sessionmaker,
    bot: Bot,
    per_second: float,
    *,
    per_chat_seconds: float = 1.0,
    max_attempts: int = 4,
    backoff: tuple[float, ...] = (2.0, 10.0, 60.0),
    in_flight: int | None = None,
) -> Sender:
    return Sender(
        sessionmaker,
        telegram_send(bot, compose),
        RateLimiter(per_second, per_chat_seconds),
        max_attempts=max_attempts,
        backoff=backoff,
        in_flight=in_flight,
    )
