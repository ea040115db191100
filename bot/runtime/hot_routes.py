"""The updates that come most (the idea form's buttons and answers, the vote's buttons) taken
straight to their handler by a table, looked up once per update, instead of through aiogram's
routers, which try each router's filters in turn until one takes the update.

The table holds only what the routers would choose anyway: a button of a CallbackData class
whose prefix no other handler's filter takes; a message, not a command, typed while a
conversation listens (bot.runtime.listening). Anything else, and a button whose data does not
unpack (forged, or from an older version of the bot), goes through the routers as before.
The table is the innermost of the update's middlewares, inside the unit of work, the chat's
lock and state and the turn, so a handler is given the same things either way."""

from collections.abc import Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.event.handler import CallableObject
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.state import State
from aiogram.types import TelegramObject, Update

from bot.runtime.filters import in_private_chat, may_be_a_command
from bot.runtime.turn import Handler

# What separates a button's fields, aiogram's default, which all of ours keep.
SEPARATOR = ":"


class HotRoutes(BaseMiddleware):
    def __init__(self) -> None:
        # A button's prefix: its class and its handler.
        self.buttons: dict[str, tuple[type[CallbackData], CallableObject]] = {}
        # The listening state: the handler of what is typed.
        self.listeners: dict[str, CallableObject] = {}

    def button(self, data: type[CallbackData], handler: Callable[..., Any]) -> None:
        """Buttons of `data`'s class go to `handler`, as `CallbackData.filter()` takes them."""
        assert data.__separator__ == SEPARATOR
        self.buttons[data.__prefix__] = (data, CallableObject(handler))

    def typed(self, listener: State, handler: Callable[..., Any]) -> None:
        """What is typed while `listener` listens goes to `handler`, as it is registered under
        that state with `NotACommand()`."""
        assert listener.state is not None
        self.listeners[listener.state] = CallableObject(handler)

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        route = self._route(event, data) if isinstance(event, Update) else None
        if route is None:
            return await handler(event, data)
        target, telegram_event = route
        return await target.call(telegram_event, **data)

    def _route(
        self, update: Update, data: dict[str, Any]
    ) -> tuple[CallableObject, TelegramObject] | None:
        query, message = update.callback_query, update.message
        if query is not None and query.data and in_private_chat(query.message):
            entry = self.buttons.get(query.data.split(SEPARATOR, 1)[0])
            if entry is None:
                return None
            data_class, target = entry
            try:
                data["callback_data"] = data_class.unpack(query.data)
            except (TypeError, ValueError):
                return None
            return target, query
        if message is not None and in_private_chat(message) and not may_be_a_command(message):
            listener = self.listeners.get(data.get("raw_state") or "")
            return (listener, message) if listener is not None else None
        return None
