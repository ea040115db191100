"""What Telegram answers a campaign message, as the delivery engine understands it: the
answers go through aiogram's own reading of a Bot API response."""

import json
from collections.abc import AsyncGenerator
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Message
from aiohttp import ClientConnectorError, ServerDisconnectedError
from aiohttp.client_reqrep import ConnectionKey

from bot.jobs.campaign_sending import telegram_send
from broadcast.delivery import Blocked, Delivery, RetryAfter, SendFailed

DELIVERY = Delivery(id=1, run_id=1, citizen_id=1, chat_id=42, language="fr", attempts=1)


class AnsweringSession(BaseSession):
    """Answers every call with one HTTP status and body, or raises `error`."""

    def __init__(self, status: int, body: dict[str, Any], error: Exception | None = None):
        super().__init__()
        self.status, self.body, self.error = status, body, error

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - aiogram's signature
    ) -> TelegramType:
        if self.error is not None:
            raise self.error
        response = self.check_response(bot, method, self.status, json.dumps(self.body))
        return response.result  # type: ignore[return-value]

    async def stream_content(self, *args: Any, **kwargs: Any) -> AsyncGenerator[bytes, None]:
        yield b""

    async def close(self) -> None:
        pass


async def compose(delivery: Delivery) -> TelegramMethod[Message]:
    return SendMessage(chat_id=delivery.chat_id, text="Votez !")


async def send_with(status: int, body: dict[str, Any], error: Exception | None = None) -> int:
    bot = Bot("123456789:AAE-test", session=AnsweringSession(status, body, error))
    return await telegram_send(bot, compose)(DELIVERY)


def refusal(status: int, description: str, **parameters: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return body


async def test_an_accepted_message_gives_telegrams_message_id() -> None:
    message = {"message_id": 77, "date": 0, "chat": {"id": 42, "type": "private"}, "text": "x"}
    assert await send_with(200, {"ok": True, "result": message}) == 77


async def test_flood_control_asks_to_wait_its_retry_after() -> None:
    with pytest.raises(RetryAfter) as raised:
        await send_with(429, refusal(429, "Too Many Requests: retry after 7", retry_after=7))
    assert raised.value.seconds == 7


@pytest.mark.parametrize(
    ("status", "description"),
    [
        (403, "Forbidden: bot was blocked by the user"),
        (403, "Forbidden: user is deactivated"),
        (400, "Bad Request: chat not found"),
        (400, "Bad Request: user is deactivated"),
    ],
)
async def test_a_citizen_who_blocked_the_bot_or_left_is_blocked(
    status: int, description: str
) -> None:
    with pytest.raises(Blocked):
        await send_with(status, refusal(status, description))


async def test_a_message_telegram_refuses_as_it_is_fails_at_once() -> None:
    with pytest.raises(SendFailed) as raised:
        await send_with(400, refusal(400, "Bad Request: wrong file identifier/HTTP URL"))
    assert raised.value.permanent


@pytest.mark.parametrize("status", [500, 502])
async def test_a_server_error_is_tried_again(status: int) -> None:
    with pytest.raises(SendFailed) as raised:
        await send_with(status, refusal(status, "Internal Server Error"))
    assert not raised.value.permanent


async def test_a_message_whose_answer_was_lost_is_never_sent_again() -> None:
    method = SendMessage(chat_id=42, text="x")
    timeout = TelegramNetworkError(method, "Request timeout error")
    timeout.__cause__ = TimeoutError()
    cut = TelegramNetworkError(method, "ServerDisconnectedError: Server disconnected")
    cut.__cause__ = ServerDisconnectedError()
    for error in (timeout, cut, TimeoutError()):
        with pytest.raises(SendFailed) as raised:
            await send_with(0, {}, error)
        assert raised.value.permanent, "Telegram may have delivered it"


async def test_a_connection_that_could_not_be_made_is_tried_again() -> None:
    error = TelegramNetworkError(SendMessage(chat_id=42, text="x"), "ClientConnectorError")
    error.__cause__ = ClientConnectorError(
        ConnectionKey("api.telegram.org", 443, True, True, None, None, None), OSError(111, "no")
    )
    with pytest.raises(SendFailed) as raised:
        await send_with(0, {}, error)
    assert not raised.value.permanent
