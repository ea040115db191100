"""Citizens as Telegram sees them from outside the bot: each update is delivered as Telegram
delivers it (posted to the webhook, or queued for getUpdates), and what the bot answered is
read from the fake Bot API server, as a phone would show it."""

import itertools
import json
from collections.abc import Awaitable, Callable
from typing import Any

from tests.support.fake_bot_api import FakeBotApi
from tests.support.waiting import eventually

Deliver = Callable[[dict[str, Any]], Awaitable[int]]


class TelegramClient:
    def __init__(self, api: FakeBotApi, deliver: Deliver, first_update_id: int = 1) -> None:
        self.api = api
        self.deliver = deliver
        self._update_ids = itertools.count(first_update_id)
        self._message_ids = itertools.count(1_000_000)
        self.last_update: dict[str, Any] = {}

    def message(self, chat_id: int, text: str, language: str = "en") -> dict[str, Any]:
        return {
            "update_id": next(self._update_ids),
            "message": {
                "message_id": next(self._message_ids),
                "date": 0,
                "chat": {"id": chat_id, "type": "private"},
                "from": {
                    "id": chat_id,
                    "is_bot": False,
                    "first_name": "Ana",
                    "language_code": language,
                },
                "text": text,
            },
        }

    def press(self, chat_id: int, label: str) -> dict[str, Any]:
        """The update a press on the button labelled `label` makes, under the newest message
        of the chat that has one."""
        for message in reversed(self.api.chat(chat_id)):
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if button.get("text") == label and button.get("callback_data"):
                        return self._callback(chat_id, message, button["callback_data"])
        raise LookupError(f"no button {label!r} in chat {chat_id}")

    def _callback(self, chat_id: int, message: dict[str, Any], data: str) -> dict[str, Any]:
        user = {"id": chat_id, "is_bot": False, "first_name": "Ana", "language_code": "en"}
        shown: dict[str, Any] = {
            key: message[key] for key in ("message_id", "date", "chat") if key in message
        }
        shown["text"] = message.get("text") or message.get("caption") or "-"
        return {
            "update_id": next(self._update_ids),
            "callback_query": {
                "id": str(next(self._message_ids)),
                "from": user,
                "chat_instance": str(chat_id),
                "data": data,
                "message": shown,
            },
        }

    async def send(self, chat_id: int, text: str) -> int:
        return await self.post(self.message(chat_id, text))

    async def click(self, chat_id: int, label: str) -> int:
        return await self.post(self.press(chat_id, label))

    async def post(self, update: dict[str, Any]) -> int:
        self.last_update = update
        return await self.deliver(update)

    def texts(self, chat_id: int) -> list[str]:
        return [m.get("text") or m.get("caption") or "" for m in self.api.chat(chat_id)]


def webhook_delivery(url: str, secret: str) -> Deliver:
    """Post each update to the webhook as Telegram does, with its secret header; the HTTP
    status comes back (0 when the bot could not be reached)."""
    import aiohttp

    async def deliver(update: dict[str, Any]) -> int:
        headers = {
            "X-Telegram-Bot-Api-Secret-Token": secret,
            "Content-Type": "application/json",
        }
        try:
            async with (
                aiohttp.ClientSession() as session,
                session.post(url, data=json.dumps(update), headers=headers) as response,
            ):
                return response.status
        except aiohttp.ClientError:
            return 0

    return deliver


def polling_delivery(api: FakeBotApi, seconds: float = 30.0) -> Deliver:
    """Queue each update for getUpdates, and wait until the bot confirms it (200), as a
    webhook request waits for its answer; 0 if it is not confirmed in time."""

    async def deliver(update: dict[str, Any]) -> int:
        api.updates.put_nowait(update)

        def confirmed() -> bool:
            pending = {u["update_id"] for u in api.unconfirmed}
            return api.updates.empty() and update["update_id"] not in pending

        try:
            await eventually(confirmed, seconds)
        except TimeoutError:
            return 0
        return 200

    return deliver
