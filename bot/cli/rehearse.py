"""`pbbot playground`: rehearse the conversations in a terminal, with no Telegram and no token."""

from __future__ import annotations

import asyncio
import logging
import sys
from datetime import UTC, date, datetime, time, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.edition import read_edition_file
from bot.cli.support import fail, load_settings, prepared_engine, sealer_of

if TYPE_CHECKING:
    from bot.runtime.settings import Settings

EXAMPLE_EDITION = Path(__file__).resolve().parents[2] / "examples" / "namur.toml"


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
        for suffix in ("", "-wal", "-shm", ".key", ".buttons.json"):
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
        database_url=f"sqlite+aiosqlite:///{db}",
        staff_ids=[user_id] if staff else [],
        # The rehearsal's key goes with its file, apart from the real one.
        secret_key_file=Path(f"{db}.key"),
    )
    logging.basicConfig(level=logging.WARNING)
    source = source_file.read_text(encoding="utf-8")
    asyncio.run(
        _playground(settings, source, edition is not None, lang, moment, user_id, checked.zone, db)
    )


async def _playground(
    settings: Settings,
    source: str,
    reload_edition: bool,
    lang: str,
    moment: datetime | None,
    user_id: int,
    zone: tzinfo,
    db: Path,
) -> None:
    from bot.rehearsal.playground import (
        Backstage,
        MovableClock,
        background_jobs,
        run_playground,
        stdin_lines,
    )
    from bot.rehearsal.simulator import Simulator
    from bot.runtime.dispatcher import build_dispatcher
    from bot.runtime.i18n import create_i18n
    from storage.database import create_sessionmaker
    from storage.unit_of_work import UnitOfWork

    engine = await prepared_engine(settings)
    sessionmaker = create_sessionmaker(engine)
    async with UnitOfWork(sessionmaker) as uow:
        if reload_edition or await uow.editions.current() is None:
            await uow.editions.save(source, datetime.now(UTC))
            await uow.commit()
    clock = MovableClock(moment)
    sealer = sealer_of(settings)
    i18n = create_i18n()
    dispatcher = build_dispatcher(settings, sessionmaker, i18n, clock, sealer=sealer)
    simulator = Simulator(dispatcher)
    citizen = simulator.citizen(user_id, lang)
    backstage = Backstage(
        move_clock=clock.move,
        run_jobs=background_jobs(simulator, sessionmaker, i18n, sealer, settings.edition, clock),
        zone=zone,
        buttons_file=Path(f"{db}.buttons.json"),
    )
    try:
        await run_playground(
            simulator, citizen, stdin_lines(), sys.stdout, not sys.stdin.isatty(), backstage
        )
    finally:
        await engine.dispose()
