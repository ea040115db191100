"""One update from Telegram, handled whichever way it came (webhook or long polling): its
outcome says whether Telegram may consider it delivered."""

import logging
import time
from enum import StrEnum

from aiogram import Bot, Dispatcher
from aiogram.types import Update

from bot.runtime.failures import is_transient
from bot.runtime.logs import chat_id_var, update_id_var
from bot.runtime.metrics import ERRORS, IN_FLIGHT, UPDATE_SECONDS, UPDATES

logger = logging.getLogger("pbbot.updates")


class Outcome(StrEnum):
    HANDLED = "handled"
    # A fault of the code: the citizen was told something went wrong; delivering it again
    # would fail the same way.
    FAILED = "failed"
    # The database, Redis or Telegram out of reach: nothing was kept, try again later.
    RETRY = "retry"

    @property
    def confirmed(self) -> bool:
        return self is not Outcome.RETRY


async def handle_update(dispatcher: Dispatcher, bot: Bot, update: Update) -> Outcome:
    kind = update.event_type if _known(update) else "unknown"
    update_token = update_id_var.set(update.update_id)
    chat_token = chat_id_var.set(_chat_id(update))
    started = time.perf_counter()
    IN_FLIGHT.inc()
    try:
        await dispatcher.feed_update(bot, update)
    except Exception as error:
        if is_transient(error):
            outcome = Outcome.RETRY
            logger.warning("update not handled, to be tried again: %s", type(error).__name__)
        else:
            outcome = Outcome.FAILED
            ERRORS.labels("update").inc()
            logger.exception("update failed")
    else:
        outcome = Outcome.HANDLED
    finally:
        IN_FLIGHT.dec()
        update_id_var.reset(update_token)
        chat_id_var.reset(chat_token)
    UPDATES.labels(kind, outcome.value).inc()
    UPDATE_SECONDS.labels(kind).observe(time.perf_counter() - started)
    return outcome


def _known(update: Update) -> bool:
    try:
        update.event_type  # noqa: B018 - raises for update types this aiogram does not know
    except Exception:
        return False
    return True


def _chat_id(update: Update) -> int | None:
    if update.message is not None:
        return update.message.chat.id
    if update.callback_query is not None:
        return update.callback_query.from_user.id
    return None
