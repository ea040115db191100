"""`pbbot projects`, `pbbot vote` and `pbbot results`: the ballot, the end of the vote and its
results, from the command line."""

from __future__ import annotations

import asyncio
import csv
import html
import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.support import fail, load_settings, with_edition
from budget.ballot import Project
from budget.edition import Edition, Phase, ResultsRule
from budget.ideas import IdeaStatus
from budget.money import AmountError, parse_amount
from budget.pabulib import PabulibError, format_pabulib, read_pabulib
from budget.results import Election, Results, compute_results
from budget.results import Project as ElectionProject

if TYPE_CHECKING:
    from bot.reports.results import EditionResults
    from storage.editions import StoredEdition
    from storage.unit_of_work import UnitOfWork

projects_app = typer.Typer(help="The projects on the ballot.", no_args_is_help=True)
vote_app = typer.Typer(help="The vote.", no_args_is_help=True)

# Ideas in these statuses cannot go on the ballot.
NOT_ON_BALLOT = {IdeaStatus.NOT_FEASIBLE, IdeaStatus.MERGED, IdeaStatus.NOT_RETAINED}


def _cost(text: str, where: str) -> int:
    try:
        return parse_amount(text)
    except AmountError as error:
        raise fail(f"{where}: {text!r} is not a cost ({error.reason.replace('_', ' ')})") from None


@projects_app.command("retain")
def retain_idea(
    idea: Annotated[int, typer.Argument(help="The idea's number.")],
    cost: Annotated[str, typer.Option(help="Its cost after analysis, e.g. 49548.")],
) -> None:
    """Put a deposited idea on the ballot, with its cost after analysis."""
    from storage.committee import put_idea_on_ballot

    cost_cents = _cost(cost, "--cost")

    async def retain(uow: UnitOfWork, stored: StoredEdition) -> Project:
        if stored.edition.vote_has_opened(datetime.now(UTC)):
            raise fail("the vote has opened: the projects and their costs are fixed")
        row = await uow.ideas.get(idea)
        if row is None or row.edition_id != stored.id:
            raise fail(f"there is no idea no. {idea} in edition {stored.edition.slug!r}")
        if IdeaStatus(row.status) in NOT_ON_BALLOT:
            raise fail(f"idea no. {idea} is {row.status.replace('_', ' ')}: it cannot be retained")
        row.status = IdeaStatus.RETAINED.value
        return await put_idea_on_ballot(
            uow.projects, row, cost_cents, stored.edition.languages[0], datetime.now(UTC)
        )

    project = asyncio.run(with_edition(load_settings(), retain))
    typer.echo(f"Idea no. {idea} is on the ballot as project no. {project.id}, cost {cost}.")


@dataclass
class _ImportedRow:
    line: int
    title: dict[str, str]
    summary: dict[str, str]
    cost_cents: int
    district: str | None
    theme: str | None
    image: str | None


def _read_projects_csv(file: Path, edition: Edition) -> list[_ImportedRow]:
    """Check every row before anything is stored; the first fault refuses the whole file."""
    try:
        text = file.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise fail(f"cannot read {file}: {error.strerror}") from None
    dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else ",", delimiters=",;\t")
    reader = csv.DictReader(text.splitlines(), dialect=dialect)
    columns = set(reader.fieldnames or [])
    missing = {"title", "summary", "cost"} - columns
    if missing:
        raise fail(f"{file}: line 1: missing column(s) {', '.join(sorted(missing))}")
    first = edition.languages[0]
    rows = []
    for line, record in enumerate(reader, start=2):
        where = f"{file}: line {line}"
        values = {key: (value or "").strip() for key, value in record.items() if key}
        if not values.get("title") or not values.get("summary"):
            raise fail(f"{where}: title and summary are required")
        district, theme = values.get("district") or None, values.get("theme") or None
        if district and edition.district(district) is None:
            raise fail(f"{where}: district {district!r} is not one of the edition's")
        if theme and edition.theme(theme) is None:
            raise fail(f"{where}: theme {theme!r} is not one of the edition's")
        title, summary = {first: values["title"]}, {first: values["summary"]}
        for language in edition.languages[1:]:
            if values.get(f"title_{language}"):
                title[language] = values[f"title_{language}"]
            if values.get(f"summary_{language}"):
                summary[language] = values[f"summary_{language}"]
        rows.append(
            _ImportedRow(
                line,
                title,
                summary,
                _cost(values["cost"], f"{where}: cost"),
                district,
                theme,
                values.get("image") or None,
            )
        )
    if not rows:
        raise fail(f"{file}: no project in the file")
    return rows


@projects_app.command("import")
def import_projects(
    file: Annotated[
        Path, typer.Argument(help="CSV: title, summary, cost, district, theme, image, title_nl...")
    ],
) -> None:
    """Put projects on the ballot from a CSV file; a faulty file is refused whole."""

    async def store(uow: UnitOfWork, stored: StoredEdition) -> int:
        if stored.edition.vote_has_opened(datetime.now(UTC)):
            raise fail("the vote has opened: the projects and their costs are fixed")
        rows = _read_projects_csv(file, stored.edition)
        now = datetime.now(UTC)
        for row in rows:
            await uow.projects.add(
                stored.id,
                row.title,
                row.summary,
                row.cost_cents,
                now,
                district=row.district,
                theme=row.theme,
                image=row.image,
            )
        return len(rows)

    count = asyncio.run(with_edition(load_settings(), store))
    typer.echo(f"{count} projects put on the ballot.")


@projects_app.command("list")
def list_projects() -> None:
    """The projects on the ballot."""

    async def read(uow: UnitOfWork, stored: StoredEdition) -> tuple[Edition, list[Project]]:
        return stored.edition, await uow.projects.on_ballot(stored.id)

    edition, projects = asyncio.run(with_edition(load_settings(), read))
    language = edition.languages[0]
    for project in projects:
        typer.echo(
            f"{project.id:>4}  {_euros(project.cost_cents):>12}  {project.district or '-':<14}"
            f"{project.theme or '-':<14}{_title(project, language)}"
        )
    total = _euros(sum(project.cost_cents for project in projects))
    typer.echo(
        f"{len(projects)} projects, {total} in all; envelope {_euros(edition.envelope_cents)}"
    )


def _title(project: Project, language: str) -> str:
    return project.title.get(language) or next(iter(project.title.values()))


@vote_app.command("close")
def close_vote() -> None:
    """End the vote now and open the results."""

    async def close(uow: UnitOfWork, stored: StoredEdition) -> int:
        await uow.editions.set_phase(stored.edition.slug, Phase.VOTE, False)
        await uow.editions.set_phase(stored.edition.slug, Phase.RESULTS, True)
        return await uow.voting.turnout(stored.id)

    ballots = asyncio.run(with_edition(load_settings(), close))
    typer.echo(
        f"The vote is closed: {ballots} ballots cast. The results are open: `pbbot results`."
    )


def _euros(cents: int) -> str:
    whole, rest = divmod(cents, 100)
    text = f"{whole:,}".replace(",", " ")
    return f"{text},{rest:02d} €" if rest else f"{text} €"


def results(
    pb: Annotated[
        Path | None, typer.Option("--pb", help="Compute the results of a pabulib file instead.")
    ] = None,
    rule: Annotated[
        ResultsRule | None, typer.Option(help="greedy or mes (with --pb; default greedy).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    chart: Annotated[Path, typer.Option(help="Where to write the bar chart.")] = Path(
        "vote-results.png"
    ),
    export: Annotated[Path, typer.Option(help="Where to export the election (pabulib).")] = Path(
        "vote-results.pb"
    ),
) -> None:
    """The results of the vote: ranking, winners and budget used; writes a bar chart (PNG) and
    the election in pabulib format so that anyone can recompute it. With --pb, the results of
    any pabulib approval election."""
    if pb is not None:
        try:
            election = read_pabulib(pb)
        except (OSError, PabulibError) as error:
            raise fail(f"{pb}: {error}") from None
        outcome = compute_results(election, rule or ResultsRule.GREEDY)
        _print(election, outcome, {p.id: p.id for p in election.projects}, as_json, unit="")
        return
    if rule is not None:
        raise fail("--rule goes with --pb: the edition's own rule decides its results")

    from bot.reports.charts import Bar, results_chart
    from bot.reports.results import edition_results, election_id

    async def compute(uow: UnitOfWork, stored: StoredEdition) -> EditionResults:
        return await edition_results(uow, stored)

    outcome_of_edition = asyncio.run(with_edition(load_settings(), compute))
    edition = outcome_of_edition.edition
    language = edition.languages[0]
    names = {election_id(p.id): _title(p, language) for p in outcome_of_edition.projects}
    bars = [
        Bar(names[election_id(p.id)], outcome_of_edition.votes(p), outcome_of_edition.is_winner(p))
        for p in outcome_of_edition.ranking
    ]
    chart.write_bytes(
        results_chart(
            bars,
            f"{html.unescape(edition.name[language])}: {outcome_of_edition.turnout} ballots",
            "winner",
        )
    )
    export.write_text(_export(outcome_of_edition), encoding="utf-8")
    _print(
        outcome_of_edition.election,
        outcome_of_edition.results,
        names,
        as_json,
        unit="cents",
        extra={"currency": edition.currency, "amounts_in": "cents", "titles": names},
    )
    if not as_json:
        typer.echo(f"Chart written to {chart}; election exported to {export} (pabulib format).")


def _export(outcome: EditionResults) -> str:
    """The election in pabulib format: costs in the currency's units when they are whole, the
    ballots in a random order so that none can be traced back to when (or who) cast it."""
    election = outcome.election
    ballots = list(election.ballots)
    random.SystemRandom().shuffle(ballots)
    whole = all(p.cost % 100 == 0 for p in election.projects) and election.budget % 100 == 0
    if whole:
        election = Election(
            tuple(ElectionProject(p.id, p.cost // 100) for p in election.projects),
            election.budget // 100,
            tuple(ballots),
        )
    else:
        election = Election(election.projects, election.budget, tuple(ballots))
    edition = outcome.edition
    meta = {
        "description": f"{edition.name[edition.languages[0]]} ({edition.slug})",
        "country": edition.country,
        "unit": edition.territory,
        "instance": edition.slug,
        "currency": edition.currency if whole else f"{edition.currency} cents",
        "rule": "greedy" if edition.results_rule is ResultsRule.GREEDY else "equalshares",
    }
    return format_pabulib(election, meta)


def _print(
    election: Election,
    outcome: Results,
    names: dict[str, str],
    as_json: bool,
    unit: str,
    extra: dict[str, object] | None = None,
) -> None:
    costs = {project.id: project.cost for project in election.projects}
    winners = set(outcome.winners)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "rule": outcome.rule.value,
                    "budget": election.budget,
                    "ballots": len(election.ballots),
                    "votes": dict(outcome.votes),
                    "winners": list(outcome.winners),
                    "budget_used": outcome.budget_used,
                    **(extra or {}),
                }
            )
        )
        return
    ranked = sorted(election.projects, key=lambda p: (-outcome.votes.get(p.id, 0), p.id))
    width = max((len(names[p.id]) for p in ranked), default=10)
    typer.echo(f"{'#':>3}  {'project':<{width}}  {'cost':>12}  {'votes':>7}  winner")
    for rank, project in enumerate(ranked, start=1):
        cost = _euros(costs[project.id]) if unit == "cents" else str(costs[project.id])
        mark = "yes" if project.id in winners else ""
        votes = outcome.votes.get(project.id, 0)
        typer.echo(f"{rank:>3}  {names[project.id]:<{width}}  {cost:>12}  {votes:>7}  {mark}")
    used = _euros(outcome.budget_used) if unit == "cents" else str(outcome.budget_used)
    budget = _euros(election.budget) if unit == "cents" else str(election.budget)
    typer.echo(
        f"{len(outcome.winners)} winners by {outcome.rule.value}; budget used {used} of {budget}; "
        f"{len(election.ballots)} ballots."
    )
