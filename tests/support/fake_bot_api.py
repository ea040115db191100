"""A Bot API server on localhost, enough for `pbbot run` to poll it and answer through it, and
for campaign runs to be sent to it: with Telegram's flood control (a token bucket answering
429 with retry_after), citizens who blocked the bot (403) and random server errors (500, 502).

It runs inside the test's event loop, or as a process of its own (as the benchmark uses it, so
that it does not take the sender's CPU), saying where it listens on its first line of output:

    python -m tests.support.fake_bot_api --per-second 500
"""

import argparse
import asyncio
import contextlib
import json
import math
import random
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass(frozen=True)
class Accepted:
    """A message the server took: it reached the citizen's chat."""

    chat_id: int
    text: str
    message_id: int


@dataclass
class FakeBotApi:
    """Answers getMe, getUpdates (from a queue), sendMessage, sendPhoto and the rest; records
    every call. With `refuse_token`, every call gets 401 Unauthorized, as Telegram gives a
    revoked token.

    `per_second` enforces a rate on the sending methods as Telegram does: a bucket that holds
    one second's worth of messages and fills at that rate; a call that finds it empty gets 429
    with the whole seconds until a message fits again. `blocked` chats get 403. Each sending
    call fails with 500 or 502 with probability `error_rate` (random, seeded by `seed`); a
    failed or refused call delivers nothing.

    With `paid_per_second`, a message that carries allow_paid_broadcast draws from a bucket of
    its own at that rate (Telegram's paid broadcasts, up to 1 000 a second), the others from
    the `per_second` one; `paid` counts the accepted paid ones."""

    refuse_token: bool = False
    per_second: float | None = None
    paid_per_second: float | None = None
    paid: int = 0
    blocked: frozenset[int] = frozenset()
    error_rate: float = 0.0
    seed: int = 0
    # Keep every call's parameters in `calls` (the benchmark turns it off).
    record_calls: bool = True
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    # Updates to hand out through getUpdates: each stays until an offset past it confirms it,
    # as Telegram does.
    updates: "asyncio.Queue[dict[str, Any]]" = field(default_factory=asyncio.Queue)
    unconfirmed: list[dict[str, Any]] = field(default_factory=list)
    # Chats whose messages hang (no answer) while their event is not set: a bot process can be
    # caught, and killed, between its commit and its reply.
    held: dict[int, asyncio.Event] = field(default_factory=dict)
    # Every message as its chat shows it now (edits included): chat -> message id -> message.
    shown: dict[int, dict[int, dict[str, Any]]] = field(default_factory=dict)
    message_ids: int = 0
    accepted: list[Accepted] = field(default_factory=list)
    too_many_requests: int = 0
    server_errors: int = 0
    forbidden: int = 0
    # Where it listens, once started.
    url: str = ""

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)
        self._tokens = self.per_second or 0.0
        self._filled_at = time.monotonic()
        self._paid_tokens = self.paid_per_second or 0.0
        self._paid_filled_at = self._filled_at

    def app(self) -> web.Application:
        application = web.Application()
        application.router.add_post("/bot{token}/{method}", self.handle)
        application.router.add_get("/stats", self.stats)
        return application

    async def start(self) -> tuple[web.AppRunner, str]:
        runner = web.AppRunner(self.app(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return runner, self.url

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = {key: str(value) for key, value in (await request.post()).items()}
        if self.record_calls:
            self.calls.append((method, params))
        if self.refuse_token:
            return _error(401, "Unauthorized")
        if method in ("sendMessage", "sendPhoto", "editMessageText"):
            chat = int(params.get("chat_id") or 0)
            if chat in self.held:
                await self.held[chat].wait()
                if request.transport is None or request.transport.is_closing():
                    # The bot that asked is gone: the message never reached the chat.
                    return web.Response(status=499)
        if method in ("sendMessage", "sendPhoto"):
            paid = params.get("allow_paid_broadcast", "").lower() in ("true", "1")
            # A Response is a mapping, falsy when empty: compared with None, not as a truth.
            refusal = self.paid_refusal() if paid and self.paid_per_second else None
            if refusal is None:
                refusal = self.refusal(int(params["chat_id"]), bucket=not paid)
            if refusal is not None:
                return refusal
            self.paid += paid
        return web.json_response({"ok": True, "result": await self.result(method, params)})

    async def stats(self, request: web.Request) -> web.Response:
        """What the server saw, for a test or a benchmark in another process."""
        return web.json_response(
            {
                "accepted": len(self.accepted),
                "received": {str(chat): count for chat, count in self.received().items()},
                "too_many_requests": self.too_many_requests,
                "server_errors": self.server_errors,
                "forbidden": self.forbidden,
                "paid": self.paid,
            }
        )

    def paid_refusal(self) -> web.Response | None:
        """The paid broadcasts' own flood control."""
        assert self.paid_per_second is not None
        now = time.monotonic()
        self._paid_tokens = min(
            self.paid_per_second,
            self._paid_tokens + (now - self._paid_filled_at) * self.paid_per_second,
        )
        self._paid_filled_at = now
        if self._paid_tokens < 1:
            self.too_many_requests += 1
            retry_after = max(1, math.ceil((1 - self._paid_tokens) / self.paid_per_second))
            return _error(
                429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
            )
        self._paid_tokens -= 1
        return None

    def refusal(self, chat_id: int, bucket: bool = True) -> web.Response | None:
        """Flood control first (every call counts against it, as on Telegram, unless it was a
        paid broadcast's), then the blocked chats, then the server's bad moments."""
        if self.per_second is not None and (bucket or self.paid_per_second is None):
            now = time.monotonic()
            self._tokens = min(
                self.per_second, self._tokens + (now - self._filled_at) * self.per_second
            )
            self._filled_at = now
            if self._tokens < 1:
                self.too_many_requests += 1
                retry_after = max(1, math.ceil((1 - self._tokens) / self.per_second))
                return _error(
                    429,
                    f"Too Many Requests: retry after {retry_after}",
                    {"retry_after": retry_after},
                )
            self._tokens -= 1
        if chat_id in self.blocked:
            self.forbidden += 1
            return _error(403, "Forbidden: bot was blocked by the user")
        if self.error_rate and self._random.random() < self.error_rate:
            self.server_errors += 1
            if self._random.random() < 0.5:
                return _error(500, "Internal Server Error")
            return _error(502, "Bad Gateway")
        return None

    async def result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {"id": 123456, "is_bot": True, "first_name": "pbbot", "username": "test_pbbot"}
        if method == "getUpdates":
            return await self.get_updates(params)
        if method in ("sendMessage", "sendPhoto"):
            self.message_ids += 1
            chat_id = int(params["chat_id"])
            text = params.get("text", params.get("caption", ""))
            self.accepted.append(Accepted(chat_id, text, self.message_ids))
            message: dict[str, Any] = {
                "message_id": self.message_ids,
                "date": 0,
                "chat": {"id": chat_id, "type": "private"},
                "reply_markup": json.loads(params.get("reply_markup") or "null"),
            }
            if method == "sendPhoto":
                message["photo"] = [
                    {"file_id": "photo", "file_unique_id": "photo", "width": 1, "height": 1}
                ]
                message["caption"] = text
            else:
                message["text"] = text
            self.shown.setdefault(chat_id, {})[self.message_ids] = message
            return message
        if method in ("editMessageText", "editMessageCaption"):
            messages = self.shown.get(int(params.get("chat_id") or 0), {})
            edited = messages.get(int(params.get("message_id") or 0))
            if edited is None:
                return True
            edited["text" if method == "editMessageText" else "caption"] = params.get(
                "text", params.get("caption", "")
            )
            edited["reply_markup"] = json.loads(params.get("reply_markup") or "null")
            return edited
        return True

    async def get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        if not self.unconfirmed and self.updates.empty():
            with contextlib.suppress(TimeoutError):
                self.unconfirmed.append(await asyncio.wait_for(self.updates.get(), timeout=0.5))
        while not self.updates.empty():
            self.unconfirmed.append(self.updates.get_nowait())
        if offset:
            self.unconfirmed = [u for u in self.unconfirmed if u["update_id"] >= offset]
        return self.unconfirmed[: int(params.get("limit") or 100)]

    def chat(self, chat_id: int) -> list[dict[str, Any]]:
        """The messages of a chat as it shows them now, oldest first."""
        return list(self.shown.get(chat_id, {}).values())

    def sent_texts(self, chat_id: int) -> list[str]:
        return [
            params["text"]
            for method, params in self.calls
            if method == "sendMessage" and int(params["chat_id"]) == chat_id
        ]

    def received(self) -> dict[int, int]:
        """How many messages each chat received."""
        counts: dict[int, int] = {}
        for message in self.accepted:
            counts[message.chat_id] = counts.get(message.chat_id, 0) + 1
        return counts


def _error(status: int, description: str, parameters: dict[str, Any] | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)


async def serve(api: FakeBotApi) -> None:
    """Serve until stdin is closed (the parent process ended or let go of it)."""
    runner, url = await api.start()
    print(url, flush=True)
    loop = asyncio.get_running_loop()
    try:
        await loop.run_in_executor(None, sys.stdin.read)
    finally:
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.support.fake_bot_api")
    parser.add_argument("--per-second", type=float, default=None)
    parser.add_argument("--paid-per-second", type=float, default=None)
    parser.add_argument("--error-rate", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    api = FakeBotApi(
        per_second=args.per_second,
        paid_per_second=args.paid_per_second,
        error_rate=args.error_rate,
        seed=args.seed,
        record_calls=False,
    )
    asyncio.run(serve(api))


if __name__ == "__main__":
    main()
