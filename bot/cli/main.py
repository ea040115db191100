"""The `pbbot` command: run the bot, load an edition, open or close a phase, rehearse."""

import asyncio
import gc
import logging
import sys
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated

import typer
from aiogram.exceptions import TelegramUnauthorizedError
from aiogram.utils.token import TokenValidationError, validate_token

from bot.cli.ballot import projects_app, results, vote_app
from bot.cli.broadcast import broadcast_app
from bot.cli.committee import committee_app
from bot.cli.follow_ups import followup_app
from bot.cli.support import fail, load_settings, prepared_engine
from bot.jobs.campaigns import Broadcaster
from bot.rehearsal.playground import fixed_clock, run_playground, stdin_lines
from bot.rehearsal.simulator import Simulator
from bot.runtime.dispatcher import build_dispatcher, create_bot, utc_now
from bot.runtime.i18n import create_i18n
from bot.runtime.render import Renderer
from bot.runtime.settings import Settings
from budget.edition import Edition, Phase
from budget.edition_file import EditionError, parse_edition
from storage.database import create_sessionmaker
from storage.editions import StoredEdition
from storage.unit_of_work import UnitOfWork

EXAMPLE_EDITION = Path(__file__).resolve().parents[2] / "examples" / "namur.toml"

app = typer.Typer(
    help="pbbot: a participatory budget run through a messenger.", no_args_is_help=True
)
edition_app = typer.Typer(help="Load and inspect the edition the bot serves.", no_args_is_help=True)
phase_app = typer.Typer(help="Open or close a phase by hand.", no_args_is_help=True)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
app.add_typer(edition_app, name="edition")
app.add_typer(phase_app, name="phase")
app.add_typer(db_app, name="db")
app.add_typer(projects_app, name="projects")
app.add_typer(vote_app, name="vote")
app.add_typer(broadcast_app, name="broadcast")
app.add_typer(followup_app, name="followup")
app.add_typer(committee_app, name="committee")
app.command()(results)


@app.command()
def run(
    api_url: Annotated[
        str | None,
        typer.Option("--api-url", help="Another Bot API server (setting BOT_API_URL)."),
    ] = None,
) -> None:
    """Start the bot with long polling."""
    settings = load_settings()
    if settings.bot_token is None or not settings.bot_token.get_secret_value().strip():
        raise fail("BOT_TOKEN is not set: ask @BotFather for one and put it in .env")
    token = settings.bot_token.get_secret_value().strip()
    try:
        validate_token(token)
    except TokenValidationError:
        raise fail(
            "BOT_TOKEN is malformed: it looks like 123456789:AAE... (from @BotFather)"
        ) from None
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        asyncio.run(_run(settings, token, api_url or settings.bot_api_url))
    except TelegramUnauthorizedError:
        raise fail("Telegram refused BOT_TOKEN (Unauthorized): check it with @BotFather") from None
    except KeyboardInterrupt:
        pass


async def _run(settings: Settings, token: str, api_url: str | None) -> None:
    engine = await prepared_engine(settings)
    sessionmaker = create_sessionmaker(engine)
    async with UnitOfWork(sessionmaker) as uow:
        stored = await uow.editions.current(settings.edition)
    if stored is None:
        raise fail("no edition is loaded: run `pbbot edition load examples/namur.toml` first")
    bot = create_bot(token, api_url)
    dispatcher = build_dispatcher(settings, sessionmaker, create_i18n())
    # The ~250 000 objects of the imported libraries never die: leave them out of garbage
    # collection, whose full passes over them would otherwise stall every chat for 100 ms.
    gc.collect()
    gc.freeze()
    broadcaster = Broadcaster(
        bot,
        sessionmaker,
        Renderer(create_i18n()),
        settings.edition,
        settings.broadcast_per_second,
        utc_now,
    )
    broadcasting = asyncio.create_task(broadcaster.serve())
    try:
        await bot.delete_webhook(drop_pending_updates=False)
        await dispatcher.start_polling(bot, handle_signals=True)
    finally:
        broadcasting.cancel()
        await bot.session.close()
        await engine.dispose()


@edition_app.command("load")
def load_edition(file: Annotated[Path, typer.Argument(help="The edition's TOML file.")]) -> None:
    """Check an edition file and load it; loading the same edition again updates it."""
    settings = load_settings()
    edition = read_edition_file(file)
    stored = asyncio.run(_save_edition(settings, file.read_text(encoding="utf-8")))
    typer.echo(f"Loaded edition {edition.slug!r} (no. {stored.id}): {describe(edition)}")


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
    return (
        f"{edition.territory}, envelope {envelope}, {len(edition.themes)} themes, "
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


async def _current_edition(settings: Settings) -> StoredEdition | None:
    engine = await prepared_engine(settings)
    try:
        async with UnitOfWork(create_sessionmaker(engine)) as uow:
            return await uow.editions.current(settings.edition)
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


@db_app.command("upgrade")
def upgrade_db() -> None:
    """Bring the database schema up to date (run and edition load do it too)."""
    settings = load_settings()

    async def go() -> None:
        engine = await prepared_engine(settings)
        await engine.dispose()

    asyncio.run(go())
    typer.echo("Database schema is up to date.")


@app.command()
def playground(
    staff: Annotated[
        bool, typer.Option("--staff", help="Rehearse as staff (get their notices).")
    ] = False,
    db: Annotated[Path, typer.Option(help="SQLite file of the rehearsal.")] = Path(
        "pbbot-playground.db"
    ),
    edition: Annotated[Path | None, typer.Option(help="Edition file to load first.")] = None,
    lang: Annotated[str, typer.Option(help="The language your Telegram would announce.")] = "fr",
    on: Annotated[
        str | None,
        typer.Option("--on", help="Pretend today is this day (2027-04-20), to rehearse a phase."),
    ] = None,
    user_id: Annotated[int, typer.Option(help="Your Telegram id in the rehearsal.")] = 1001,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Start from an empty rehearsal file.")
    ] = False,
) -> None:
    """Rehearse the bot in the terminal, with no Telegram and no token."""
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    source_file = edition or EXAMPLE_EDITION
    checked = read_edition_file(source_file)
    moment = None
    if on is not None:
        try:
            day = date.fromisoformat(on)
        except ValueError:
            raise fail(f"--on {on!r} is not a date like 2027-04-20") from None
        moment = datetime.combine(day, time(12), tzinfo=checked.zone)
    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{db}", staff_ids=[user_id] if staff else []
    )
    logging.basicConfig(level=logging.WARNING)
    source = source_file.read_text(encoding="utf-8")
    asyncio.run(_playground(settings, source, edition is not None, lang, moment, user_id))


async def _playground(
    settings: Settings,
    source: str,
    reload_edition: bool,
    lang: str,
    moment: datetime | None,
    user_id: int,
) -> None:
    engine = await prepared_engine(settings)
    sessionmaker = create_sessionmaker(engine)
    async with UnitOfWork(sessionmaker) as uow:
        if reload_edition or await uow.editions.current() is None:
            await uow.editions.save(source, datetime.now(UTC))
            await uow.commit()
    clock = fixed_clock(moment) if moment else None
    dispatcher = (
        build_dispatcher(settings, sessionmaker, create_i18n(), clock)
        if clock
        else build_dispatcher(settings, sessionmaker, create_i18n())
    )
    simulator = Simulator(dispatcher)
    citizen = simulator.citizen(user_id, lang)
    try:
        await run_playground(
            simulator, citizen, stdin_lines(), sys.stdout, echo=not sys.stdin.isatty()
        )
    finally:
        await engine.dispose()


if __name__ == "__main__":
    app()
