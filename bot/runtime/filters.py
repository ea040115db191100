"""Filters the bot applies before any handler.

aiogram runs a filter that is a plain function in a worker thread; these are coroutines so that
they cost no more than the comparison they make."""

from aiogram.enums import ChatType
from aiogram.filters import Filter
from aiogram.types import CallbackQuery, InaccessibleMessage, Message


class PrivateChat(Filter):
    """The bot talks in private chats only; in a group it stays silent."""

    async def __call__(self, event: Message | CallbackQuery) -> bool:
        return in_private_chat(event.message if isinstance(event, CallbackQuery) else event)


def in_private_chat(message: Message | InaccessibleMessage | None) -> bool:
    return message is not None and message.chat.type == ChatType.PRIVATE


class NotACommand(Filter):
    """Text that is not a /command, or anything that is not text."""

    async def __call__(self, message: Message) -> bool:
        return not (message.text or "").startswith("/")


def may_be_a_command(message: Message) -> bool:
    """Whether aiogram's `Command` filters could take this message: they read a photo's or a
    document's caption too, and ignore the spaces before the command."""
    return (message.text or message.caption or "").lstrip().startswith("/")


class SharesContact(Filter):
    """A contact card: the phone number shared through Telegram's button."""

    async def __call__(self, message: Message) -> bool:
        return message.contact is not None
