"""`pbbot edition`, `pbbot phase` and `pbbot migrate`: the edition the bot serves, its phases,
and the database schema."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.support import fail, load_settings, prepared_engine
from budget.edition import Edition, Phase
from budget.edition_file import EditionError, parse_edition

if TYPE_CHECKING:
    from bot.runtime.settings import Settings
    from storage.editions import StoredEdition

edition_app = typer.Typer(help="Load and inspect the edition the bot serves.", no_args_is_help=True)
phase_app = typer.Typer(help="Open or close a phase by hand.", no_args_is_help=True)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)


@edition_app.command("load")
def load_edition(file: Annotated[Path, typer.Argument(help="The edition's TOML file.")]) -> None:
    """Check an edition file and load it; loading the same edition again updates it."""
    settings = load_settings()
    edition = read_edition_file(file)
    stored = asyncio.run(_save_edition(settings, file.read_text(encoding="utf-8")))
    # What is served now: the phases opened or closed by hand stay as they were.
    typer.echo(f"Loaded edition {edition.slug!r} (no. {stored.id}): {describe(stored.edition)}")


def read_edition_file(file: Path) -> Edition:
    try:
        source = file.read_text(encoding="utf-8")
    except OSError as error:
        raise fail(f"cannot read {file}: {error.strerror}") from None
    try:
        return parse_edition(source)
    except EditionError as error:
        raise fail(f"{file}: {error}; nothing was loaded") from None


async def _save_edition(settings: Settings, source: str) -> StoredEdition:
    from storage.database import create_sessionmaker
    from storage.unit_of_work import UnitOfWork

    engine = await prepared_engine(settings)
    try:
        async with UnitOfWork(create_sessionmaker(engine)) as uow:
            new = parse_edition(source)
            known = await uow.editions.current(new.slug)
            if known is not None and known.edition.vote_has_opened(datetime.now(UTC)):
                # Ballots were cast against the envelope and the rule: neither may change.
                old = known.edition
                if (old.envelope_cents, old.currency, old.results_rule) != (
                    new.envelope_cents,
                    new.currency,
                    new.results_rule,
                ):
                    raise fail(
                        "the vote has opened: the envelope, its currency and the results rule "
                        "can no longer change; nothing was loaded"
                    )
            stored = await uow.editions.save(source, datetime.now(UTC))
            await uow.commit()
        return stored
    finally:
        await engine.dispose()


def describe(edition: Edition) -> str:
    envelope = f"{edition.envelope_cents // 100:,} {edition.currency}".replace(",", " ")
    phase = edition.current_phase(datetime.now(UTC))
    territory = edition.territory[edition.languages[0]]
    return (
        f"{territory}, envelope {envelope}, {len(edition.themes)} themes, "
        f"{len(edition.districts)} districts, phase now: {phase.value if phase else 'none'}"
    )


@edition_app.command("show")
def show_edition() -> None:
    """Say which edition the bot serves and which phase is open."""
    settings = load_settings()
    stored = asyncio.run(_current_edition(settings))
    if stored is None:
        raise fail("no edition is loaded")
    edition = stored.edition
    typer.echo(f"{edition.slug}: {describe(edition)}")
    for phase in edition.phases:
        by_hand = edition.overrides.get(phase)
        note = "" if by_hand is None else (" (opened by hand)" if by_hand else " (closed by hand)")
        end = edition.last_day(phase) or "…"
        typer.echo(f"  {phase.value:<9} {edition.first_day(phase)} → {end}{note}")
    from bot.runtime.unreachable_staff import must_open_the_bot

    for telegram_id in asyncio.run(_unreachable_staff(settings)):
        typer.echo(must_open_the_bot(telegram_id))


async def _current_edition(settings: Settings) -> StoredEdition | None:
    from storage.database import create_sessionmaker
    from storage.unit_of_work import UnitOfWork

    engine = await prepared_engine(settings)
    try:
        async with UnitOfWork(create_sessionmaker(engine)) as uow:
            return await uow.editions.current(settings.edition)
    finally:
        await engine.dispose()


async def _unreachable_staff(settings: Settings) -> list[int]:
    from storage.database import create_sessionmaker
    from storage.unit_of_work import UnitOfWork

    engine = await prepared_engine(settings)
    try:
        async with UnitOfWork(create_sessionmaker(engine)) as uow:
            return await uow.staff.unreachable()
    finally:
        await engine.dispose()


def _set_phase(phase: Phase, is_open: bool | None) -> None:
    settings = load_settings()
    try:
        edition = asyncio.run(_store_phase(settings, phase, is_open))
    except LookupError:
        raise fail("no edition is loaded") from None
    current = edition.current_phase(datetime.now(UTC))
    typer.echo(f"Phase now open: {current.value if current else 'none'}")


async def _store_phase(settings: Settings, phase: Phase, is_open: bool | None) -> Edition:
    from storage.database import create_sessionmaker
    from storage.unit_of_work import UnitOfWork

    engine = await prepared_engine(settings)
    try:
        async with UnitOfWork(create_sessionmaker(engine)) as uow:
            stored = await uow.editions.current(settings.edition)
            if stored is None:
                raise LookupError("no edition")
            stored = await uow.editions.set_phase(stored.edition.slug, phase, is_open)
            await uow.commit()
        return stored.edition
    finally:
        await engine.dispose()


@phase_app.command("open")
def open_phase(phase: Phase) -> None:
    """Open a phase now, whatever its dates say."""
    _set_phase(phase, True)


@phase_app.command("close")
def close_phase(phase: Phase) -> None:
    """Close a phase now, whatever its dates say."""
    _set_phase(phase, False)


@phase_app.command("auto")
def auto_phase(phase: Phase) -> None:
    """Let a phase's dates decide again."""
    _set_phase(phase, None)


def migrate() -> None:
    """Bring the database schema up to date (`run` does it too on SQLite)."""
    settings = load_settings()

    async def go() -> None:
        engine = await prepared_engine(settings)
        await engine.dispose()

    asyncio.run(go())
    typer.echo("Database schema is up to date.")


db_app.command("upgrade")(migrate)
