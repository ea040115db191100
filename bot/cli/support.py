"""What the `pbbot` commands share: one-line errors, settings, the database, the edition.

The command line answers `--help` and every command that does not serve within a second: the
heavy libraries (aiogram, SQLAlchemy, matplotlib) are imported by the commands that use them,
never at the top of a command-line module."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import typer

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from bot.runtime.settings import Settings
    from storage.editions import StoredEdition
    from storage.sealing import Sealer
    from storage.unit_of_work import UnitOfWork

T = TypeVar("T")


def fail(message: str) -> typer.Exit:
    """A refusal in one line on stderr (no traceback), exit code 2."""
    typer.echo(f"pbbot: {message}", err=True)
    return typer.Exit(code=2)


def load_settings(**overrides: object) -> Settings:
    from pydantic import ValidationError

    from bot.runtime.settings import Settings

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        problem = error.errors()[0]
        field = ".".join(str(part) for part in problem["loc"]).upper()
        raise fail(f"setting {field}: {problem['msg']}") from None


def bot_token(settings: Settings) -> str | None:
    """BOT_TOKEN, None when it is not set; a malformed one is refused."""
    from aiogram.utils.token import TokenValidationError, validate_token

    if settings.bot_token is None or not settings.bot_token.get_secret_value().strip():
        return None
    token = settings.bot_token.get_secret_value().strip()
    try:
        validate_token(token)
    except TokenValidationError:
        raise fail(
            "BOT_TOKEN is malformed: it looks like 123456789:AAE... (from @BotFather)"
        ) from None
    return token


def sealer_of(settings: Settings) -> Sealer:
    """The key outside the database (created at the first start)."""
    from storage.keys import open_sealer
    from storage.sealing import KeyFileError

    try:
        return open_sealer(settings.secret_key_file)
    except KeyFileError as error:
        raise fail(str(error)) from None


async def prepared_engine(settings: Settings) -> AsyncEngine:
    from storage.database import create_engine
    from storage.keys import check_key
    from storage.migrate import upgrade
    from storage.sealing import KeyFileError

    engine = create_engine(settings.database_url)
    sealer = sealer_of(settings)
    try:
        await upgrade(engine, sealer=sealer)
        await check_key(engine, sealer, settings.secret_key_file)
    except KeyFileError as error:
        await engine.dispose()
        raise fail(str(error)) from None
    return engine


async def with_edition(
    settings: Settings, work: Callable[[UnitOfWork, StoredEdition], Awaitable[T]]
) -> T:
    """Run `work` in one unit of work on the edition the bot serves; commit if it returns."""
    from storage.database import create_sessionmaker
    from storage.unit_of_work import UnitOfWork

    engine = await prepared_engine(settings)
    try:
        unit = UnitOfWork(create_sessionmaker(engine), sealer=sealer_of(settings))
        # Exports, figures and results read every row: on a thread, as the bot reads them.
        async with unit as uow, uow.off_the_loop():
            stored = await uow.editions.current(settings.edition)
            if stored is None:
                raise fail("no edition is loaded: run `pbbot edition load FILE.toml` first")
            result = await work(uow, stored)
            await uow.commit()
            return result
    finally:
        await engine.dispose()
