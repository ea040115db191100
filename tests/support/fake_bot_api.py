"""A Bot API server on localhost, enough for `pbbot run` to poll it and answer through it."""

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class FakeBotApi:
    """Answers getMe, getUpdates (from a queue), sendMessage and the rest; records every call.
    With `refuse_token`, every call gets 401 Unauthorized, as Telegram gives a revoked token."""

    refuse_token: bool = False
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    updates: "asyncio.Queue[dict[str, Any]]" = field(default_factory=asyncio.Queue)
    message_ids: int = 0

    def app(self) -> web.Application:
        application = web.Application()
        application.router.add_post("/bot{token}/{method}", self.handle)
        return application

    async def start(self) -> tuple[web.AppRunner, str]:
        runner = web.AppRunner(self.app())
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return runner, f"http://127.0.0.1:{port}"

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = {key: str(value) for key, value in (await request.post()).items()}
        self.calls.append((method, params))
        if self.refuse_token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        return web.json_response({"ok": True, "result": await self.result(method, params)})

    async def result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {"id": 123456, "is_bot": True, "first_name": "pbbot", "username": "test_pbbot"}
        if method == "getUpdates":
            try:
                return [await asyncio.wait_for(self.updates.get(), timeout=0.5)]
            except TimeoutError:
                return []
        if method == "sendMessage":
            self.message_ids += 1
            chat_id = int(params["chat_id"])
            return {
                "message_id": self.message_ids,
                "date": 0,
                "chat": {"id": chat_id, "type": "private"},
                "text": params.get("text", ""),
                "reply_markup": json.loads(params.get("reply_markup") or "null"),
            }
        return True

    def sent_texts(self, chat_id: int) -> list[str]:
        return [
            params["text"]
            for method, params in self.calls
            if method == "sendMessage" and int(params["chat_id"]) == chat_id
        ]
