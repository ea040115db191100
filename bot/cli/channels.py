"""`pbbot link`: the link, and its QR code, that brings citizens to the bot from one channel (a
poster, a flyer, an ad, a letter), so that staff later see which channel brought whom.

The bot reads `/start SOURCE` and keeps the source on the citizen it welcomes (see
`budget/channels.py`); a link carries it as `https://t.me/<bot>?start=<source>`."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.support import bot_token, fail, load_settings
from budget.channels import IDEA_PREFIX, SHARED_IDEA_PREFIX, SOURCE_LENGTH, clean_source

# Telegram's usernames: 5 to 32 letters, digits and underscores, beginning with a letter.
USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{4,31}")
# A module of 12 pixels at 300 dpi, a module of 1 mm in SVG: about 4 cm for a link, the size a
# phone reads from arm's length on a poster, and more when the file is scaled up.
PNG_SCALE, PNG_DPI = 12, 300
QR_KINDS = {".png": "png", ".svg": "svg"}


def link(
    source: Annotated[
        str,
        typer.Argument(
            help="The channel, e.g. poster_dinant: letters, digits, _ and -, at most 32."
        ),
    ],
    qr: Annotated[
        Path | None,
        typer.Option("--qr", help="Draw the link's QR code into this file (.png or .svg)."),
    ] = None,
    bot_username: Annotated[
        str | None,
        typer.Option(
            "--bot-username", help="The bot's username; else Telegram is asked with BOT_TOKEN."
        ),
    ] = None,
) -> None:
    """Print the deep link of one channel (a poster, a flyer, an ad, the mayor's letter) and
    draw its QR code: citizens who come through it are counted under that source."""
    kind = QR_KINDS.get(qr.suffix.lower()) if qr is not None else None
    if qr is not None and kind is None:
        raise fail(f"--qr {qr}: the file must end in .png or .svg")
    kept = clean_source(source)
    if not source:
        raise fail("the source is empty: name the channel, e.g. poster_dinant")
    if kept != source:
        raise fail(
            f"source {source!r} would be kept as {kept!r} by the bot (letters, digits, _ and -, "
            f"at most {SOURCE_LENGTH} characters)"
        )
    if source.startswith((IDEA_PREFIX, SHARED_IDEA_PREFIX)):
        raise fail(
            f"sources beginning with {IDEA_PREFIX!r} or {SHARED_IDEA_PREFIX!r} are kept for "
            "links to ideas"
        )
    deep_link = _deep_link(source, bot_username)
    typer.echo(deep_link)
    if qr is not None and kind is not None:
        _draw(deep_link, qr, kind)
        typer.echo(f"QR code written to {qr}.")


def _deep_link(source: str, bot_username: str | None) -> str:
    from aiogram.utils.deep_linking import create_deep_link

    if bot_username is not None:
        username = bot_username.removeprefix("@")
        if not USERNAME.fullmatch(username):
            raise fail(f"--bot-username {bot_username!r} is not a Telegram username")
        return create_deep_link(username, "start", source)
    settings = load_settings()
    token = bot_token(settings)
    if token is None:
        raise fail(
            "no bot username: set BOT_TOKEN (Telegram then says it) or give --bot-username NAME"
        )
    return asyncio.run(_ask_telegram(token, settings.bot_api_url, source))


async def _ask_telegram(token: str, api_url: str | None, source: str) -> str:
    from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError
    from aiogram.utils.deep_linking import create_start_link

    from bot.runtime.dispatcher import create_bot

    bot = create_bot(token, api_url)
    try:
        return await create_start_link(bot, source)
    except TelegramUnauthorizedError:
        raise fail("Telegram refused BOT_TOKEN (Unauthorized): check it with @BotFather") from None
    except TelegramNetworkError as error:
        raise fail(
            f"cannot reach Telegram ({error.message}): give --bot-username NAME instead"
        ) from None
    finally:
        await bot.session.close()


def _draw(deep_link: str, path: Path, kind: str) -> None:
    import segno

    # Never a Micro QR code, which many phones' cameras do not read; error correction M at
    # least, more where it costs no extra size.
    code = segno.make_qr(deep_link, error="m")
    try:
        if kind == "png":
            code.save(str(path), kind="png", scale=PNG_SCALE, dpi=PNG_DPI)
        else:
            code.save(str(path), kind="svg", unit="mm", title=deep_link)
    except OSError as error:
        raise fail(f"cannot write {path}: {error.strerror}") from None
