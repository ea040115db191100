"""What the `pbbot` commands share: one-line errors, settings, the database, the edition."""

from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.runtime.settings import Settings
from storage.database import create_engine, create_sessionmaker
from storage.editions import StoredEdition
from storage.migrate import upgrade
from storage.unit_of_work import UnitOfWork

T = TypeVar("T")


def fail(message: str) -> typer.Exit:
    """A refusal in one line on stderr (no traceback), exit code 2."""
    typer.echo(f"pbbot: {message}", err=True)
    return typer.Exit(code=2)


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        problem = error.errors()[0]
        field = ".".join(str(part) for part in problem["loc"]).upper()
        raise fail(f"setting {field}: {problem['msg']}") from None


async def prepared_engine(settings: Settings) -> AsyncEngine:
    engine = create_engine(settings.database_url)
    await upgrade(engine)
    return engine


async def with_edition(
    settings: Settings, work: Callable[[UnitOfWork, StoredEdition], Awaitable[T]]
) -> T:
    """Run `work` in one unit of work on the edition the bot serves; commit if it returns."""
    engine = await prepared_engine(settings)
    try:
        async with UnitOfWork(create_sessionmaker(engine)) as uow:
            stored = await uow.editions.current(settings.edition)
            if stored is None:
                raise fail("no edition is loaded: run `pbbot edition load FILE.toml` first")
            result = await work(uow, stored)
            await uow.commit()
            return result
    finally:
        await engine.dispose()
