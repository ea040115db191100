"""The `pbbot` command run in-process, in a directory of its own, as staff would run it."""

from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from bot.cli.main import app
from storage.database import create_engine, create_sessionmaker
from storage.keys import open_sealer
from storage.unit_of_work import UnitOfWork


def pbbot(*args: str, answer: str | None = None) -> tuple[int, str]:
    """Run `pbbot ARGS`; `answer` is typed at its questions."""
    result = CliRunner().invoke(app, list(args), input=answer)
    return result.exit_code, result.output


async def cast_ballots(database: Path, ballots: list[list[int]]) -> None:
    """Citizens who registered and cast these ballots (project numbers) through the bot."""
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    now = datetime.now(UTC)
    # Sealed with the key the `pbbot` command uses there (SECRET_KEY_FILE's default).
    sealer = open_sealer(database.parent / "pbbot.key")
    async with UnitOfWork(create_sessionmaker(engine), sealer=sealer) as uow:
        stored = await uow.editions.current(None)
        assert stored is not None
        projects = await uow.projects.on_ballot(stored.id)
        for number, chosen in enumerate(ballots, start=1):
            citizen = await uow.citizens.consent(number, "en", None, now)
            voter = await uow.voting.register(stored.id, citizen.id, "namur", None, now)
            await uow.voting.cast(
                stored.id, voter, chosen, projects, stored.edition.envelope_cents, False, now
            )
        await uow.commit()
    await engine.dispose()
