"""`pbbot broadcast`: campaigns from the command line, the same as `/broadcast` in the chat."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.support import fail, load_settings, with_edition
from budget.campaign_file import CampaignFileError, parse_campaign
from budget.campaigns import (
    PAID_BROADCAST_PER_SECOND,
    STARS_PER_PAID_MESSAGE,
    CampaignError,
    check_campaign,
    paid_broadcast_stars,
)

if TYPE_CHECKING:
    from storage.editions import StoredEdition
    from storage.unit_of_work import UnitOfWork

broadcast_app = typer.Typer(help="Campaign reminders.", no_args_is_help=True)

# Why a campaign is refused, for staff at the command line.
REFUSALS = {
    "name": "the name must have 1 to {limit} characters",
    "language": "the language {language} is not one of the edition's",
    "no_text": "there is no text in any language",
    "too_long": "the {language} text has {length} characters; Telegram allows {limit}",
    "html": "Telegram would refuse the formatting of the {language} text at {problem}",
    "link": "the button's link must start with https://",
    "audience": "this audience needs a value, e.g. language:nl or district:dinant",
    "district": "the district {district} is not one of the edition's",
    "in_the_past": "that moment has passed",
    "weekly_end_before_start": "the schedule's last day comes before its first day",
    "weekly_never": "that day of the week never falls between the first and the last day",
}


@broadcast_app.command("create")
def create_campaign(
    file: Annotated[Path, typer.Argument(help="The campaign's TOML file.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    follow: Annotated[
        int | None,
        typer.Option(
            "--follow",
            metavar="CHAT_ID",
            help="The chat that follows each sending's progress (default: the first of "
            "STAFF_IDS; with neither, nobody follows it).",
        ),
    ] = None,
) -> None:
    """Check a campaign, show who it is for, and schedule it."""
    settings = load_settings()
    if follow == 0:
        raise fail("--follow needs a Telegram chat id, such as your own user id")
    follower = follow if follow is not None else next(iter(settings.staff_ids), None)
    try:
        source = file.read_text(encoding="utf-8")
    except OSError as error:
        raise fail(f"cannot read {file}: {error.strerror}") from None

    async def count(uow: UnitOfWork, stored: StoredEdition) -> tuple[int, bool]:
        from broadcast.audiences import recipients

        try:
            campaign = parse_campaign(source, stored.edition.timezone)
            check_campaign(campaign, stored.edition, datetime.now(UTC))
        except CampaignFileError as error:
            raise fail(f"{file}: {error}; nothing was scheduled") from None
        except CampaignError as error:
            reason = REFUSALS[error.reason].format(**error.values)
            raise fail(f"{file}: {reason}; nothing was scheduled") from None
        people = await recipients(uow, stored.id, campaign.audience, campaign.results_announcement)
        return len(people), campaign.paid_broadcast

    size, paid = asyncio.run(with_edition(settings, count))
    if size == 0:
        raise fail("nobody is in this audience today: nothing was scheduled")
    who = "1 citizen is" if size == 1 else f"{size:,} citizens are"
    typer.echo(f"{who} in this audience today (counted again at each sending).")
    if paid:
        typer.echo(
            f"Paid broadcast: up to {PAID_BROADCAST_PER_SECOND:.0f} messages a second instead of "
            f"about 30. Telegram charges {STARS_PER_PAID_MESSAGE} Star per message above the "
            f"free 30 a second: at most {paid_broadcast_stars(size)} Stars for {size:,} citizens, "
            "at each sending (taken from the bot's Stars balance)."
        )
    if follower is None:
        typer.echo(
            "Nobody will follow its progress in a chat: add --follow CHAT_ID "
            "(or set STAFF_IDS) to get it."
        )
    if not yes and not typer.confirm("Schedule it?"):
        raise fail("nothing was scheduled")

    async def store(uow: UnitOfWork, stored: StoredEdition) -> int:
        campaign = parse_campaign(source, stored.edition.timezone)
        saved = await uow.campaigns.add_campaign(stored.id, campaign, follower, datetime.now(UTC))
        return saved.id

    number = asyncio.run(with_edition(settings, store))
    typer.echo(f"Campaign no. {number} is scheduled; the bot sends it when it is due.")
    if follower is not None:
        typer.echo(f"Its progress is shown in the chat {follower}.")


@broadcast_app.command("list")
def list_campaigns() -> None:
    """The campaigns, and how each of their sendings went."""

    async def read(uow: UnitOfWork, stored: StoredEdition) -> list[str]:
        lines = []
        for campaign in await uow.campaigns.of_edition(stored.id):
            paid = "  (paid broadcast)" if campaign.paid_broadcast else ""
            lines.append(f"no. {campaign.id}  {campaign.state:<10} {campaign.name}{paid}")
            for run in await uow.campaigns.runs_of(campaign.id):
                counts = await uow.deliveries.counts(run.id)
                figures = ", ".join(f"{state} {n}" for state, n in counts.items() if n)
                lines.append(
                    f"    run {run.id}  {run.due_at:%Y-%m-%d %H:%M} UTC  {run.state:<10}"
                    f"{figures or 'nobody'}"
                )
        return lines

    lines = asyncio.run(with_edition(load_settings(), read))
    typer.echo("\n".join(lines) if lines else "No campaign yet.")


def _move(run: int, target: str, sources: tuple[str, ...], done: str) -> None:
    async def move(uow: UnitOfWork, stored: StoredEdition) -> bool:
        moved = await uow.campaigns.set_run_state(run, target, datetime.now(UTC), sources)
        if moved and target == "cancelled":
            # A weekly campaign would otherwise start again next week.
            await uow.campaigns.stop_after_run(run)
        return moved

    if not asyncio.run(with_edition(load_settings(), move)):
        raise fail(f"run {run} is not {' or '.join(sources)}")
    typer.echo(done)


@broadcast_app.command("pause")
def pause_run(run: Annotated[int, typer.Argument(help="The run's number.")]) -> None:
    """Pause a sending; what is left stays queued."""
    _move(run, "paused", ("sending",), f"Run {run} is paused.")


@broadcast_app.command("resume")
def resume_run(run: Annotated[int, typer.Argument(help="The run's number.")]) -> None:
    """Resume a paused sending."""
    _move(run, "sending", ("paused",), f"Run {run} goes on.")


@broadcast_app.command("cancel")
def cancel_run(run: Annotated[int, typer.Argument(help="The run's number.")]) -> None:
    """Cancel a sending for good."""
    _move(
        run,
        "cancelled",
        ("sending", "paused"),
        f"Run {run} is cancelled, and so are its campaign's later sendings.",
    )
