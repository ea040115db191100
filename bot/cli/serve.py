"""`pbbot run`: serve the edition on Telegram, by long polling or behind a webhook, in one
process or several."""

from typing import Annotated

import typer

from bot.cli.support import bot_token, fail, load_settings


def run(
    webhook: Annotated[
        str | None,
        typer.Option(
            "--webhook",
            help="Serve Telegram's webhook at this public https address (setting WEBHOOK_URL); "
            "long polling without it.",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers", min=1, help="Processes serving the webhook (PostgreSQL; WORKERS)."
        ),
    ] = None,
    api_url: Annotated[
        str | None,
        typer.Option("--api-url", help="Another Bot API server (setting BOT_API_URL)."),
    ] = None,
) -> None:
    """Start the bot. On SQLite the database schema is brought up to date first; on
    PostgreSQL run `pbbot migrate` once before starting the processes."""
    from bot.runtime.serving import StartupError
    from bot.runtime.serving import run as serve

    overrides: dict[str, object] = {}
    if webhook is not None:
        overrides["webhook_url"] = webhook
    if workers is not None:
        overrides["workers"] = workers
    if api_url is not None:
        overrides["bot_api_url"] = api_url
    settings = load_settings(**overrides)
    if bot_token(settings) is None:
        raise fail("BOT_TOKEN is not set: ask @BotFather for one and put it in .env")
    try:
        serve(settings)
    except StartupError as error:
        raise fail(str(error)) from None
    except KeyboardInterrupt:
        pass
