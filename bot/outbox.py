"""Messages wait in an outbox until the update's unit of work has committed, so that no
transaction is held open across a network call and nothing is announced that was not saved."""

import logging
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.methods import AnswerCallbackQuery, TelegramMethod

logger = logging.getLogger(__name__)


class Outbox:
    def __init__(self) -> None:
        self.methods: list[TelegramMethod[Any]] = []

    def add(self, *methods: TelegramMethod[Any]) -> None:
        self.methods.extend(methods)

    @property
    def answers_callback(self) -> bool:
        return any(isinstance(method, AnswerCallbackQuery) for method in self.methods)

    async def flush(self, bot: Bot) -> None:
        # The pop-up answer first: Telegram shows a spinner on the button until it arrives.
        pending = sorted(self.methods, key=lambda m: not isinstance(m, AnswerCallbackQuery))
        self.methods = []
        for method in pending:
            try:
                await bot(method)
            except TelegramForbiddenError:
                logger.info("chat %s blocked the bot", getattr(method, "chat_id", "?"))
            except TelegramAPIError:
                logger.exception("could not deliver %s", type(method).__name__)
