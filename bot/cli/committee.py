"""`pbbot committee`: the volunteers, the draw by lot of the committee's citizens, and their
invitations. How the draw works, so that anyone can make it again: `budget/sortition.py`."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.support import fail, load_settings, with_edition
from budget.audit_chain import COMMAND_LINE
from budget.edition import Edition
from budget.sortition import Draw, DrawError, VolunteerState, draw, ticket
from conversations.committee import invitation, reserve_notice
from conversations.replies import Reply

if TYPE_CHECKING:
    from aiogram import Bot

    from bot.runtime.settings import Settings
    from storage.committee import ClosedList, Volunteer
    from storage.editions import StoredEdition
    from storage.unit_of_work import UnitOfWork

committee_app = typer.Typer(help="The selection committee drawn by lot.", no_args_is_help=True)

SENDS_PER_SECOND = 20
RETRIES = 3

DRAW_ERRORS = {
    "no_seed": "--seed is empty: announce a seed before the draw and give it here",
    "no_seats": "--seats must be 1 or more",
    "negative_quota": "a quota cannot be negative",
    "quotas_over_seats": "the quotas add up to more than --seats",
    "same_volunteer_twice": "a volunteer is listed twice",
}


@committee_app.command("volunteers")
def list_volunteers() -> None:
    """The volunteers by district; once the list is closed, the list to publish."""

    async def read(
        uow: UnitOfWork, stored: StoredEdition
    ) -> tuple[list[Volunteer], ClosedList | None, bool]:
        volunteers = await uow.committee.volunteers(stored.id)
        closed = await uow.committee.closed_list(stored.id)
        return volunteers, closed, await uow.committee.last_draw(stored.id) is not None

    volunteers, closed, drawn = asyncio.run(with_edition(load_settings(), read))
    if closed is None:
        typer.echo(
            "Volunteering is open: this list can still change. `pbbot committee close` closes "
            "it and prints the list to publish, before the seed is announced."
        )
        if not volunteers:
            typer.echo("Nobody has volunteered yet (citizens send /volunteer to the bot).")
            return
        _print_list([(v.citizen_id, v.district) for v in volunteers])
        return
    states = {v.citizen_id: v.state for v in volunteers} if drawn else {}
    typer.echo(f"Closed on {_moment(closed.at)}: the list published, what the draw starts from.")
    _print_list(closed.volunteers, states)


@committee_app.command("close")
def close_list() -> None:
    """Close volunteering and print the list to publish; do it before the seed is announced:
    from then on nobody joins, changes district or withdraws, and the draw starts from it."""

    from storage.committee import CLOSE_ACTION, ClosedList, edition_subject

    async def close(uow: UnitOfWork, stored: StoredEdition) -> ClosedList:
        earlier = await uow.committee.hold_list(stored.id)
        if earlier is not None:
            raise fail(
                f"the list of volunteers was closed on {_moment(earlier.at)}; "
                "`pbbot committee volunteers` shows it"
            )
        if await uow.committee.last_draw(stored.id) is not None:
            raise fail("the committee was already drawn")
        volunteers = await uow.committee.volunteers(stored.id, VolunteerState.VOLUNTEERED)
        if not volunteers:
            raise fail("nobody has volunteered yet (citizens send /volunteer to the bot)")
        closed = ClosedList(
            tuple((v.citizen_id, v.district) for v in volunteers), datetime.now(UTC)
        )
        await uow.audit.record(
            COMMAND_LINE, CLOSE_ACTION, edition_subject(stored.id), closed.at, after=closed.record()
        )
        return closed

    closed = asyncio.run(with_edition(load_settings(), close))
    typer.echo(
        f"Volunteering closed on {_moment(closed.at)}. Publish this list, then announce the "
        "seed (one nobody can know yet), then draw with it:"
    )
    _print_list(closed.volunteers)


def _print_list(
    volunteers: Sequence[tuple[int, str]], states: Mapping[int, VolunteerState] | None = None
) -> None:
    typer.echo("Volunteers by district, by number (what the draw starts from):")
    grouped: dict[str, list[int]] = {}
    for number, district in sorted(volunteers, key=lambda pair: (pair[1], pair[0])):
        grouped.setdefault(district, []).append(number)
    for district, numbers in grouped.items():
        shown = ", ".join(
            f"{n}" + (f" ({states[n].value})" if states and n in states else "") for n in numbers
        )
        typer.echo(f"{district or '(no district)'} ({len(numbers)}): {shown}")
    typer.echo(f"Volunteers in all: {len(volunteers)}.")


def _moment(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC")


@dataclass(frozen=True)
class DrawReport:
    edition: Edition
    draw: Draw
    closed: ClosedList
    volunteers: dict[int, Volunteer]


@committee_app.command("draw")
def draw_committee(
    seed: Annotated[
        str, typer.Option(help="The seed announced publicly before the draw, e.g. a lottery's.")
    ],
    seats: Annotated[int, typer.Option(help="Citizens' seats on the committee.")] = 6,
    quota: Annotated[
        list[str] | None,
        typer.Option(help="Seats of one district, e.g. namur=2 (repeat for each district)."),
    ] = None,
) -> None:
    """Draw the committee's citizens by lot, once, and invite them."""
    from storage.committee import DRAW_ACTION, edition_subject

    settings = load_settings()
    typer.echo(f"Seed (announced before the draw): {seed!r}")

    async def make(uow: UnitOfWork, stored: StoredEdition) -> DrawReport:
        edition = stored.edition
        quotas = _quotas(quota or [], edition)
        earlier = await uow.committee.begin_draw(stored.id)
        if earlier is not None:
            raise fail(
                f"the committee was already drawn (seed {earlier['seed']!r}); a draw is made once"
            )
        closed = await uow.committee.closed_list(stored.id)
        if closed is None:
            raise fail(
                "the list of volunteers is not closed: publish it first with "
                "`pbbot committee close`, then announce the seed, then draw"
            )
        try:
            result = draw(closed.volunteers, seats, quotas, seed)
        except DrawError as error:
            raise fail(DRAW_ERRORS[error.reason]) from None
        for citizen_id in result.drawn:
            await uow.committee.ask(stored.id, citizen_id)
        record = {
            **result.to_dict(),
            **closed.record(),
            "closed_at": closed.at.isoformat(),
        }
        await uow.audit.record(
            COMMAND_LINE, DRAW_ACTION, edition_subject(stored.id), datetime.now(UTC), after=record
        )
        on_list = {number for number, _ in closed.volunteers}
        volunteers = await uow.committee.volunteers(stored.id)
        return DrawReport(
            edition,
            result,
            closed,
            {v.citizen_id: v for v in volunteers if v.citizen_id in on_list},
        )

    report = asyncio.run(with_edition(settings, make))
    _print_draw(report)
    drawn = set(report.draw.drawn)
    messages = [
        _message(report.edition, report.draw, volunteer, volunteer.citizen_id in drawn)
        for volunteer in report.volunteers.values()
    ]
    _send_or_explain(settings, messages)


@committee_app.command("invite")
def send_invitations(
    reserve: Annotated[
        bool, typer.Option("--reserve", help="Also tell those not drawn their place in reserve.")
    ] = False,
) -> None:
    """Send the invitation again to everyone drawn who has not answered (once BOT_TOKEN is
    set, if it was not at the draw); an answer given counts once, however many were sent."""
    settings = load_settings()

    async def read(uow: UnitOfWork, stored: StoredEdition) -> tuple[Edition, Draw, list[Volunteer]]:
        record = await uow.committee.last_draw(stored.id)
        if record is None:
            raise fail("the committee has not been drawn yet: `pbbot committee draw --seed ...`")
        return stored.edition, Draw.from_dict(record), await uow.committee.volunteers(stored.id)

    edition, result, volunteers = asyncio.run(with_edition(settings, read))
    messages = [
        _message(edition, result, v, v.state is VolunteerState.ASKED)
        for v in volunteers
        if v.state is VolunteerState.ASKED or (reserve and v.state is VolunteerState.VOLUNTEERED)
    ]
    if not messages:
        typer.echo("Nobody is waiting for an invitation.")
        return
    _send_or_explain(settings, messages)


def _quotas(given: list[str], edition: Edition) -> dict[str, int]:
    quotas: dict[str, int] = {}
    for item in given:
        district, _, seats = item.partition("=")
        if not seats.strip().isdigit():
            raise fail(f"--quota {item!r}: write it as district=seats, e.g. namur=2")
        if edition.districts and edition.district(district.strip()) is None:
            codes = ", ".join(d.code for d in edition.districts)
            raise fail(f"--quota {item!r}: {district!r} is not one of the districts ({codes})")
        quotas[district.strip()] = int(seats)
    return quotas


def _print_draw(report: DrawReport) -> None:
    result = report.draw
    typer.echo(
        f"The list of volunteers closed on {_moment(report.closed.at)}: "
        f"{len(report.closed.volunteers)} volunteers; seats: {result.seats}."
    )
    for district in result.districts:
        name = district.district or "(no district)"
        line = f"{name}: seats {district.seats}, volunteers {len(district.order)}"
        if district.unfilled:
            line += f"; empty seats: {district.unfilled} (too few volunteers)"
        typer.echo(line)
        for rank, number in enumerate(district.order, start=1):
            role = "drawn  " if rank <= district.seats else "reserve"
            typer.echo(
                f"  {role} no. {number:<6} rank {rank:<3} ticket {ticket(result.seed, number)[:16]}"
            )
    if result.unfilled:
        typer.echo(f"Empty seats: {result.unfilled} of {result.seats} (too few volunteers).")
    typer.echo(
        f"Drawn and asked: {len(result.drawn)}. A volunteer's rank is the place of "
        "their ticket, the SHA-256 of '<seed>:<number>', in their district's order, smallest "
        "first: anyone holding the list of volunteers can check it."
    )


def _message(
    edition: Edition, result: Draw, volunteer: Volunteer, drawn: bool
) -> tuple[Volunteer, Reply]:
    from bot.handlers.committee import volunteer_view

    view = volunteer_view(volunteer, result)
    return volunteer, invitation(edition, view) if drawn else reserve_notice(edition, view)


def _send_or_explain(settings: Settings, messages: list[tuple[Volunteer, Reply]]) -> None:
    token = settings.bot_token.get_secret_value().strip() if settings.bot_token else ""
    if not token:
        typer.echo(
            "BOT_TOKEN is not set: nobody has been told yet. Run `pbbot committee invite "
            "--reserve` where BOT_TOKEN is set; meanwhile each volunteer sees where they stand "
            "(and those drawn, their invitation) when they send /volunteer."
        )
        return
    from bot.runtime.dispatcher import create_bot

    failures = asyncio.run(_send(create_bot(token, settings.bot_api_url), messages))
    invitations = sum(1 for _, reply in messages if reply.buttons)
    typer.echo(
        f"Invitations sent: {invitations}; reserve notices: {len(messages) - invitations}; "
        f"not delivered: {len(failures)}."
    )
    for volunteer, problem in failures:
        typer.echo(f"  no. {volunteer.citizen_id}: {problem}")


async def _send(bot: Bot, messages: list[tuple[Volunteer, Reply]]) -> list[tuple[Volunteer, str]]:
    from bot.handlers.committee import encode_committee
    from bot.runtime.i18n import create_i18n
    from bot.runtime.render import Renderer

    renderer = Renderer(create_i18n())
    failures = []
    try:
        for volunteer, reply in messages:
            for method in renderer.methods(
                reply, volunteer.telegram_id, volunteer.language, encode_committee
            ):
                problem = await _deliver(bot, method)
                if problem is not None:
                    failures.append((volunteer, problem))
                    break
            # Well under Telegram's limit of about 30 messages a second.
            await asyncio.sleep(1 / SENDS_PER_SECOND)
    finally:
        await bot.session.close()
    return failures


async def _deliver(bot: Bot, method: object) -> str | None:
    from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError, TelegramRetryAfter

    for _ in range(RETRIES):
        try:
            await bot(method)  # type: ignore[arg-type]
        except TelegramRetryAfter as error:
            await asyncio.sleep(error.retry_after)
        except TelegramForbiddenError:
            return "blocked the bot"
        except TelegramAPIError as error:
            return error.message
        else:
            return None
    return "Telegram kept asking to wait; run `pbbot committee invite` later"
