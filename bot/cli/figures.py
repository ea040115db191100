"""`pbbot stats` and `pbbot export`: the campaign in figures, and its ideas, projects and
participation as spreadsheets, from the command line. Counts only: no spreadsheet names an
author or a voter, and none says what anyone chose."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.cli.support import fail, load_settings, with_edition
from budget.figures import IDEA_FUNNEL, VOTE_FUNNEL, Figures, Tally

if TYPE_CHECKING:
    from storage.editions import StoredEdition
    from storage.unit_of_work import UnitOfWork

export_app = typer.Typer(
    help="Export the ideas, the projects or the participation as a spreadsheet.",
    no_args_is_help=True,
)


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(f"--since {text!r}: write the day as 2027-04-01") from None


def stats(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    since: Annotated[
        str | None,
        typer.Option(help="Count from this day on (YYYY-MM-DD); ballots are as they stand."),
    ] = None,
) -> None:
    """The campaign in figures: participants, ideas, supports, follow-up answers, voters,
    ballots and turnout by district, the funnels of the idea form and of the vote, and what
    each channel brought. Counts only, never anyone's choice."""
    start = _day(since)

    async def read(uow: UnitOfWork, stored: StoredEdition) -> Figures:
        return await uow.figures.read(stored.edition, stored.id, start)

    figures = asyncio.run(with_edition(load_settings(), read))
    if as_json:
        typer.echo(json.dumps(figures.as_dict()))
        return
    for line in _lines(figures):
        typer.echo(line)


def _counts(counts: Mapping[Any, int]) -> str:
    return ", ".join(f"{key or 'none'} {value}" for key, value in counts.items()) or "-"


def _lines(figures: Figures) -> list[str]:
    since = f" since {figures.since.isoformat()}" if figures.since else ""
    funnel = figures.funnel
    lines = [
        f"Participants{since}: {figures.participants}",
        f"  by language: {_counts(figures.by_language)}",
        f"  by channel: {_counts(figures.by_source)}",
        f"  by day: {_counts({day.isoformat(): n for day, n in figures.by_day.items()})}",
        f"Ideas{since}: {figures.ideas}; supports: {figures.supports}",
        f"  by status: {_counts(figures.ideas_by_status)}",
        f"  by theme: {_counts(figures.ideas_by_theme)}",
        f"  by district: {_counts(figures.ideas_by_district)}",
    ]
    for code, (sent, answered) in figures.follow_ups.items():
        lines.append(f"Follow-up {code}: {answered} answered of {sent} sent")
    lines.append(f"Vote: {figures.voters} voters registered{since}, {figures.ballots} ballots cast")
    for district in figures.turnout:
        line = f"  {district.code or 'none'}: {district.ballots} ballots, {district.voters} voters"
        if district.rate is not None:
            line += f"; turnout {district.rate:.2%} of {district.population}"
        lines.append(line)
    lines.append("Idea form: " + " > ".join(f"{_step(t)} {funnel.get(t, 0)}" for t in IDEA_FUNNEL))
    lines.append(
        "Vote: "
        + " > ".join(f"{_step(t)} {funnel.get(t, 0)}" for t in VOTE_FUNNEL[:3])
        + ", "
        + ", ".join(f"{_step(t)} {funnel.get(t, 0)}" for t in VOTE_FUNNEL[3:])
    )
    if figures.sources:
        lines.append("Channels:")
        for source, counts in figures.sources.items():
            lines.append(
                f"  {source or 'none'}: {counts.participants} participants, {counts.ideas} ideas, "
                f"{counts.ballots} ballots"
            )
    return lines


def _step(tally: Tally) -> str:
    return tally.value.split("_", 1)[1]


class Export(StrEnum):
    IDEAS = "ideas"
    PROJECTS = "projects"
    PARTICIPATION = "participation"


def _exporter(what: Export) -> Any:
    def command(
        as_csv: Annotated[bool, typer.Option("--csv", help="A CSV file (UTF-8).")] = False,
        as_xlsx: Annotated[bool, typer.Option("--xlsx", help="An Excel workbook.")] = False,
        out: Annotated[
            Path | None, typer.Option(help="The file [default: ideas.csv, projects.xlsx...].")
        ] = None,
    ) -> None:
        if as_csv == as_xlsx:
            raise fail("say --csv or --xlsx")
        kind = "csv" if as_csv else "xlsx"
        path = out or Path(f"{what.value}.{kind}")
        header, rows = asyncio.run(with_edition(load_settings(), READERS[what]))
        content = _csv(header, rows) if kind == "csv" else _xlsx(what.value, header, rows)
        try:
            path.write_bytes(content)
        except OSError as error:
            raise fail(f"cannot write {path}: {error.strerror}") from None
        typer.echo(f"{len(rows)} rows written to {path}.")

    command.__doc__ = {
        Export.IDEAS: "The ideas: number, status, title, theme, district, amounts, supports, "
        "days; never their authors.",
        Export.PROJECTS: "The projects on the ballot, with their votes once the vote is closed.",
        Export.PARTICIPATION: "Each day: new participants, ideas, supports, and the steps of the "
        "idea form and of the vote.",
    }[what]
    return command


Table = tuple[list[str], list[list[Any]]]


def _units(cents: int | None) -> float | int | None:
    if cents is None:
        return None
    return cents // 100 if cents % 100 == 0 else cents / 100


def _local_day(moment: datetime | None, stored: StoredEdition) -> str:
    return moment.astimezone(stored.edition.zone).date().isoformat() if moment else ""


async def _ideas(uow: UnitOfWork, stored: StoredEdition) -> Table:
    edition = stored.edition
    header = [
        "number",
        "status",
        "title",
        "theme",
        "district",
        f"estimated budget ({edition.currency})",
        f"cost after analysis ({edition.currency})",
        "feasible",
        "supports",
        "submitted on",
        "published on",
    ]
    rows = [
        [
            idea["number"],
            idea["status"],
            idea["title"],
            idea["theme"],
            idea["district"],
            _units(idea["budget_cents"]),
            _units(idea["cost_after_analysis_cents"]),
            "" if idea["feasible"] is None else ("yes" if idea["feasible"] else "no"),
            idea["supports"],
            _local_day(idea["submitted_at"], stored),
            _local_day(idea["published_at"], stored),
        ]
        for idea in await uow.figures.ideas(stored.id)
    ]
    return header, rows


async def _projects(uow: UnitOfWork, stored: StoredEdition) -> Table:
    from bot.reports.results import edition_results

    edition = stored.edition
    language = edition.languages[0]
    # Votes only once the vote is closed and its ballots published: before, they would be
    # provisional figures passed around as if they were the results.
    outcome = await edition_results(uow, stored) if await uow.voting.published(stored.id) else None
    header = ["number", "title", "theme", "district", f"cost ({edition.currency})"]
    if outcome is not None:
        header += ["votes", "funded"]
    rows = []
    for project in await uow.projects.on_ballot(stored.id):
        row: list[Any] = [
            project.id,
            project.title.get(language) or next(iter(project.title.values()), ""),
            project.theme or "",
            project.district or "",
            _units(project.cost_cents),
        ]
        if outcome is not None:
            row += [outcome.votes(project), "yes" if outcome.is_winner(project) else "no"]
        rows.append(row)
    return header, rows


async def _participation(uow: UnitOfWork, stored: StoredEdition) -> Table:
    columns = ["participants", "ideas", "supports", *(tally.value for tally in Tally)]
    days = await uow.figures.per_day(stored.edition, stored.id)
    header = ["day", *columns]
    rows = [[day.isoformat(), *(counts.get(c, 0) for c in columns)] for day, counts in days.items()]
    return header, rows


READERS = {
    Export.IDEAS: _ideas,
    Export.PROJECTS: _projects,
    Export.PARTICIPATION: _participation,
}
for _what in Export:
    export_app.command(_what.value)(_exporter(_what))


def _csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows([["" if value is None else value for value in row] for row in rows])
    # With a byte order mark, so that a spreadsheet opened by double-click reads UTF-8.
    return text.getvalue().encode("utf-8-sig")


def _xlsx(title: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    sheet.freeze_panes = "A2"
    content = io.BytesIO()
    workbook.save(content)
    return content.getvalue()
