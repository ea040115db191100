"""`pbbot integrity`: the integrity alarms raised during the vote (patterns of organised voting,
from counts that name no voter), and marking one as looked at."""

from __future__ import annotations

import asyncio
import html
import re
from datetime import UTC
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.support import fail, load_settings, with_edition

if TYPE_CHECKING:
    from storage.editions import StoredEdition
    from storage.unit_of_work import UnitOfWork

integrity_app = typer.Typer(
    help="Integrity alarms: organised voting seen in counts, never in ballots.",
    no_args_is_help=True,
)

TAG = re.compile(r"<[^>]+>")


@integrity_app.command("report")
def report(
    lang: Annotated[str, typer.Option(help="The language of the report: fr, nl, de or en.")] = "en",
) -> None:
    """Every alarm of the edition, oldest first: its number, when it was raised, whether staff
    looked at it, and the pattern with its counts and times."""
    from bot.handlers.integrity import alarm_message
    from bot.runtime.i18n import create_i18n
    from bot.runtime.render import Renderer
    from budget.edition_file import SUPPORTED_LANGUAGES

    if lang not in SUPPORTED_LANGUAGES:
        raise fail(f"--lang {lang!r}: one of {', '.join(SUPPORTED_LANGUAGES)}")
    renderer = Renderer(create_i18n())

    async def read(uow: UnitOfWork, stored: StoredEdition) -> list[str]:
        lines = []
        for kept in await uow.integrity.alarms(stored.id):
            reply = await alarm_message(uow, stored, kept)
            # The header and the reminder under each alarm say nothing a report needs.
            pattern = renderer.text(reply.texts[1], lang)
            raised = kept.alarm.first_seen.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
            if kept.acked_at is None:
                looked = "not looked at yet"
            else:
                when = kept.acked_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
                looked = f"looked at by {kept.acked_by or 'the command line'} ({when} UTC)"
            lines.append(f"{kept.id:>3}  {kept.alarm.kind}  raised {raised} UTC  {looked}")
            lines.append(f"     {html.unescape(TAG.sub('', pattern))}")
        return lines

    lines = asyncio.run(with_edition(load_settings(), read))
    typer.echo("\n".join(lines) if lines else "No integrity alarm has been raised.")


@integrity_app.command("ack")
def acknowledge(
    alarm: Annotated[int, typer.Argument(help="The alarm's number (see the report).", min=1)],
    staff: Annotated[
        int,
        typer.Option(help="The Telegram id of the staff member who looked at it (audit log)."),
    ] = 0,
) -> None:
    """Mark an alarm as looked at, written in the audit log. No ballot is removed: what to do
    about the pattern is staff's decision."""
    from datetime import datetime

    from bot.handlers.integrity import mark_looked_at

    async def mark(uow: UnitOfWork, stored: StoredEdition) -> str:
        kept = await uow.integrity.alarm(alarm)
        if kept is None:
            raise fail(f"there is no integrity alarm no. {alarm}")
        if not await mark_looked_at(uow, kept, staff, datetime.now(UTC)):
            return f"Alarm no. {alarm} was already marked as looked at."
        return f"Alarm no. {alarm} marked as looked at (written in the audit log)."

    typer.echo(asyncio.run(with_edition(load_settings(), mark)))
