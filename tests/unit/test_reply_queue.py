"""Telegram's refusals, met in one place."""

from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter
from aiogram.methods import AnswerCallbackQuery, SendMessage, TelegramMethod

from bot.rehearsal.simulator import OFFLINE_TOKEN, OfflineSession
from bot.runtime.reply_queue import ReplyQueue


class RefusingSession(OfflineSession):
    """Answers 429 (retry after 0 s) to the first call, 403 for chat 13."""

    def __init__(self) -> None:
        super().__init__()
        self.refused = False
        self.blocked_calls = 0

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: int | None = None,  # noqa: ASYNC109 - BaseSession's signature
    ) -> Any:
        if isinstance(method, SendMessage) and method.chat_id == 13:
            self.blocked_calls += 1
            raise TelegramForbiddenError(
                method=method, message="Forbidden: bot was blocked by the user"
            )
        if not self.refused:
            self.refused = True
            raise TelegramRetryAfter(method=method, message="Too Many Requests", retry_after=0)
        return await super().make_request(bot, method, timeout)


async def test_a_429_is_waited_out_and_retried_and_a_403_is_not_retried() -> None:
    session = RefusingSession()
    bot = Bot(OFFLINE_TOKEN, session=session)
    replies = ReplyQueue()
    replies.add(SendMessage(chat_id=1, text="hello"), SendMessage(chat_id=13, text="blocked"))
    replies.add(AnswerCallbackQuery(callback_query_id="q"))
    await replies.flush(bot)
    delivered = [type(m).__name__ for m in session.requests]
    assert delivered == ["AnswerCallbackQuery", "SendMessage"], "the pop-up goes first"
    assert session.blocked_calls == 1, "a blocked chat is not asked again"
    assert replies.methods == []
