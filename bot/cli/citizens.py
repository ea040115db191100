"""`pbbot citizen export|forget ID` and `pbbot purge`: citizens' rights over their personal
data, and its retention period. What is kept, why and for how long: README, "Personal data"."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.cli.support import fail, load_settings, prepared_engine

if TYPE_CHECKING:
    from bot.runtime.settings import Settings
    from storage.unit_of_work import UnitOfWork

citizen_app = typer.Typer(
    help="A citizen's personal data: what is kept, erasing it.", no_args_is_help=True
)

TelegramId = Annotated[int, typer.Argument(help="The citizen's Telegram id.")]


async def _in_unit_of_work(settings: Settings, work: Any) -> Any:
    from storage.database import create_sessionmaker
    from storage.unit_of_work import UnitOfWork

    engine = await prepared_engine(settings)
    try:
        async with UnitOfWork(create_sessionmaker(engine)) as uow:
            result = await work(uow)
            await uow.commit()
            return result
    finally:
        await engine.dispose()


@citizen_app.command("export")
def export_citizen(
    telegram_id: TelegramId,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the JSON there rather than print it.")
    ] = None,
) -> None:
    """Everything kept about one citizen, as JSON (their ballot is said to be cast, never
    what it holds)."""

    async def read(uow: UnitOfWork) -> dict[str, Any] | None:
        return await uow.personal_data.of(telegram_id)

    data = asyncio.run(_in_unit_of_work(load_settings(), read))
    if data is None:
        raise fail(f"nothing is kept about the Telegram account {telegram_id}")
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if out is None:
        typer.echo(text)
        return
    try:
        out.write_text(text + "\n", encoding="utf-8")
    except OSError as error:
        raise fail(f"cannot write {out}: {error.strerror}") from None
    typer.echo(f"Written to {out}.")


@citizen_app.command("forget")
def forget_citizen(
    telegram_id: TelegramId,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase a citizen's personal data: a cast ballot stays counted, anonymous; published
    ideas stay, without their author."""
    if not yes and not typer.confirm(f"Erase what is kept about {telegram_id}?"):
        raise fail("nothing was erased")

    async def erase(uow: UnitOfWork) -> Any:
        return await uow.personal_data.forget(telegram_id, datetime.now(UTC))

    erased = asyncio.run(_in_unit_of_work(load_settings(), erase))
    if erased is None:
        raise fail(f"nothing is kept about the Telegram account {telegram_id}")
    typer.echo(
        f"Erased. Ideas deleted (not published): {erased.ideas_deleted}; published ideas kept "
        f"without their author: {erased.ideas_kept_without_author}; conversations erased: "
        f"{erased.states_deleted}. A cast ballot, if any, stays counted, anonymous."
    )


def purge() -> None:
    """Erase what the retention period (RETENTION_DAYS) has ended; the bot does it daily."""
    from bot.jobs.retention import purge as purge_expired
    from storage.database import create_sessionmaker

    settings = load_settings()

    async def go() -> dict[str, int]:
        engine = await prepared_engine(settings)
        try:
            return await purge_expired(
                create_sessionmaker(engine),
                settings.edition,
                timedelta(days=settings.retention_days),
                datetime.now(UTC),
            )
        finally:
            await engine.dispose()

    purged = asyncio.run(go())
    figures = ", ".join(f"{name.replace('_', ' ')} {count}" for name, count in purged.items())
    typer.echo(f"Purged: {figures}.")
