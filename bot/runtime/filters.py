"""Filters the bot applies before any handler.

aiogram runs a filter that is a plain function in a worker thread; these are coroutines so that
they cost no more than the comparison they make."""

from aiogram.enums import ChatType
from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message


class PrivateChat(Filter):
    """The bot talks in private chats only; in a group it stays silent."""

    async def __call__(self, event: Message | CallbackQuery) -> bool:
        message = event.message if isinstance(event, CallbackQuery) else event
        return message is not None and message.chat.type == ChatType.PRIVATE


class NotACommand(Filter):
    """Text that is not a /command, or anything that is not text."""

    async def __call__(self, message: Message) -> bool:
        return not (message.text or "").startswith("/")


class SharesContact(Filter):
    """A contact card: the phone number shared through Telegram's button."""

    async def __call__(self, message: Message) -> bool:
        return message.contact is not None
