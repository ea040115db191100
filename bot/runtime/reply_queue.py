"""Replies wait in a queue until the update's unit of work has committed, so that no
transaction is held open across a network call and nothing is announced that was not saved.

This is also where Telegram's refusals are met: a 429 is waited out and retried, a 403 (the
citizen blocked the bot) is noted and never retried. A reply that cannot reach Telegram at all
(the network or Telegram's servers failing) is not dropped: `ReplyNotSent` leaves the update
unconfirmed, Telegram delivers it again, and its recorded answer is sent then."""

import asyncio
import logging
from typing import Any

from aiogram import Bot
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageCaption,
    EditMessageText,
    SendMessage,
    TelegramMethod,
)
from aiogram.types import InlineKeyboardMarkup, LinkPreviewOptions

from bot.runtime.metrics import FLOOD_CONTROL

logger = logging.getLogger(__name__)

RETRIES = 3
# Between two tries when Telegram could not be reached.
PAUSE_SECONDS = 0.5


class ReplyNotSent(ConnectionError):
    """Telegram could not be reached for a reply, however many times it was tried."""


class ReplyQueue:
    def __init__(self) -> None:
        self.methods: list[TelegramMethod[Any]] = []
        # The chats Telegram refused to write to (403: blocked, or never opened the bot).
        self.refused: list[int] = []

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
            if not await deliver(bot, method):
                chat_id = getattr(method, "chat_id", None)
                if isinstance(chat_id, int) and chat_id not in self.refused:
                    self.refused.append(chat_id)


async def deliver(bot: Bot, method: TelegramMethod[Any]) -> bool:
    """Send `method`. False when Telegram will not write to the chat: blocked, never opened
    (403), or no such chat; True otherwise (sent, or given up on and logged)."""
    for attempt in range(1, RETRIES + 1):
        try:
            await bot(method)
            return True
        except TelegramRetryAfter as error:
            FLOOD_CONTROL.labels("replies").inc()
            if attempt == RETRIES:
                logger.warning("gave up on %s after %s tries", type(method).__name__, RETRIES)
                return True
            await asyncio.sleep(error.retry_after)
        except TelegramForbiddenError:
            logger.info("chat %s blocked the bot", getattr(method, "chat_id", "?"))
            return False
        except (TelegramNetworkError, TelegramServerError) as error:
            if attempt == RETRIES:
                raise ReplyNotSent(type(method).__name__) from error
            await asyncio.sleep(PAUSE_SECONDS * attempt)
        except TelegramBadRequest as error:
            if isinstance(method, EditMessageText | EditMessageCaption):
                # A double tap shows the same screen twice ("message is not modified"): fine.
                # A message that can no longer be edited: show the screen anew instead (a
                # card's text without its photo, which the edit does not carry).
                if "not modified" not in error.message:
                    method = _resent(method)
                    continue
                return True
            if "chat not found" in error.message.lower():
                logger.info("chat %s not found", getattr(method, "chat_id", "?"))
                return False
            logger.exception("could not deliver %s", type(method).__name__)
            return True
        except TelegramAPIError:
            logger.exception("could not deliver %s", type(method).__name__)
            return True
    return True


def _resent(edit: EditMessageText | EditMessageCaption) -> SendMessage:
    markup = edit.reply_markup if isinstance(edit.reply_markup, InlineKeyboardMarkup) else None
    text = edit.text if isinstance(edit, EditMessageText) else edit.caption
    return SendMessage(
        chat_id=edit.chat_id or 0,
        text=text or "",
        parse_mode=ParseMode.HTML,
        reply_markup=markup,
        link_preview_options=edit.link_preview_options
        if isinstance(edit, EditMessageText)
        else LinkPreviewOptions(is_disabled=True),
    )
