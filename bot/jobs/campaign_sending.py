"""Campaign messages through aiogram: what Telegram answers, in the words of the delivery
engine (`broadcast.delivery`), which decides what to do about it."""

from collections.abc import Awaitable, Callable

from aiogram import Bot
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import TelegramMethod
from aiogram.types import Message
from aiohttp import ClientConnectorError

from bot.runtime.metrics import DELIVERIES, FLOOD_CONTROL
from broadcast.delivery import Blocked, Delivery, RetryAfter, Send, SendFailed

Compose = Callable[[Delivery], Awaitable[TelegramMethod[Message]]]

# Bad requests that mean the citizen can no longer be written to: as good as a block.
CHAT_GONE = (
    "chat not found",
    "user is deactivated",
    "user not found",
    "peer_id_invalid",
    "bot was blocked",
    "bot was kicked",
)


def telegram_send(bot: Bot, compose: Compose) -> Send:
    """A `Send` that sends what `compose` builds for each delivery (a SendMessage or a
    SendPhoto) through `bot`."""

    async def send(delivery: Delivery) -> int:
        try:
            message_id = await send_once(delivery)
        except RetryAfter:
            DELIVERIES.labels("retry").inc()
            FLOOD_CONTROL.labels("campaigns").inc()
            raise
        except Blocked:
            DELIVERIES.labels("blocked").inc()
            raise
        except SendFailed:
            DELIVERIES.labels("failed").inc()
            raise
        DELIVERIES.labels("sent").inc()
        return message_id

    async def send_once(delivery: Delivery) -> int:
        method = await compose(delivery)
        try:
            message = await bot(method)
        except TelegramRetryAfter as error:
            raise RetryAfter(error.retry_after) from error
        except TelegramForbiddenError as error:
            raise Blocked(error.message) from error
        except TelegramBadRequest as error:
            if any(words in error.message.lower() for words in CHAT_GONE):
                raise Blocked(error.message) from error
            # Telegram refuses the message as it is (an image it cannot fetch, bad HTML):
            # sending it again would be refused again.
            raise SendFailed(error.message, permanent=True) from error
        except (TelegramEntityTooLarge, TelegramMigrateToChat, TelegramNotFound) as error:
            raise SendFailed(error.message, permanent=True) from error
        except TelegramServerError as error:
            raise SendFailed(str(error) or type(error).__name__) from error
        except (TelegramNetworkError, TimeoutError) as error:
            reason = str(error) or type(error).__name__
            if isinstance(error.__cause__, ClientConnectorError):
                # No connection was made: Telegram never saw the message.
                raise SendFailed(reason) from error
            # The request may have reached Telegram and the message gone out before the
            # answer was lost: sending it again could give the citizen the campaign twice.
            raise SendFailed(f"no answer, perhaps delivered: {reason}", permanent=True) from error
        except (TelegramAPIError, ClientDecodeError) as error:
            # A proxy's HTML error page, a conflict, a revoked token: perhaps better later.
            raise SendFailed(str(error)) from error
        return message.message_id

    return send
