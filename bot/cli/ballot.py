"""`pbbot projects`, `pbbot vote` and `pbbot results`: the ballot, the end of the vote and its
results, from the command line."""

from __future__ import annotations

import asyncio
import csv
import json
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.support import fail, load_settings, with_edition
from budget.ballot import Project
from budget.edition import Edition, Phase, ResultsRule
from budget.ideas import IdeaStatus
from budget.money import AmountError, parse_amount
from budget.pabulib import PabulibError, format_pabulib, read_pabulib_file
from budget.results import (
    AnyElection,
    Election,
    Results,
    Standing,
    compute_results,
    ranking,
)
from budget.results import Project as ElectionProject

if TYPE_CHECKING:
    from bot.reports.results import CastBallots, EditionResults
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
    """End the vote now, publish its ballots and open the results."""

    from bot.reports.statuses import publish_results
    from bot.runtime.i18n import create_i18n
    from bot.runtime.render import Renderer

    async def close(uow: UnitOfWork, stored: StoredEdition) -> tuple[int, bool]:
        now = datetime.now(UTC)
        await uow.editions.set_phase(stored.edition.slug, Phase.VOTE, False)
        closed = await uow.editions.set_phase(stored.edition.slug, Phase.RESULTS, True)
        await uow.voting.publish(stored.id, now)
        # The statuses and the news go with the close: a second close changes nothing.
        published = await publish_results(uow, closed, Renderer(create_i18n()), now)
        return await uow.voting.turnout(stored.id), published

    ballots, published = asyncio.run(with_edition(load_settings(), close))
    news = (
        "Each project is marked funded or not; its followers and the voters who asked are "
        "being told. "
        if published
        else "The results were published already: nobody is told twice. "
    )
    typer.echo(
        f"The vote is closed: {ballots} ballots cast, published without their voters. "
        f"{news}The results are open: `pbbot results`."
    )


def _euros(cents: int) -> str:
    whole, rest = divmod(cents, 100)
    text = f"{whole:,}".replace(",", " ")
    return f"{text},{rest:02d} €" if rest else f"{text} €"


@dataclass
class _Report:
    """What `pbbot results` prints, draws and exports: one election, its results and the
    projects' names, in one language."""

    election: AnyElection
    outcome: Results
    names: dict[str, str]
    language: str
    turnout: int
    export: Callable[[], str]
    # Amounts in cents, printed as euros; else as the file gives them.
    in_cents: bool = False
    provisional: bool = False
    extra: dict[str, object] = field(default_factory=dict)


def results(
    pb: Annotated[
        Path | None, typer.Option("--pb", help="Compute the results of a pabulib file instead.")
    ] = None,
    rule: Annotated[
        ResultsRule | None, typer.Option(help="greedy or mes (with --pb; default greedy).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    chart: Annotated[
        Path | None,
        typer.Option(
            help="Where to write the bar chart [default: vote-results.png; none for --pb]."
        ),
    ] = None,
    export: Annotated[
        Path | None,
        typer.Option(
            help="Where to export the election, pabulib format [default: vote-results.pb; none "
            "for --pb]."
        ),
    ] = None,
    provisional: Annotated[
        bool, typer.Option(help="Show the figures before the vote is closed, marked provisional.")
    ] = False,
    lang: Annotated[
        str | None,
        typer.Option(
            help="The language of the names and the chart [default: the edition's first; for "
            "--pb the file's, else en]."
        ),
    ] = None,
) -> None:
    """The results of the vote: ranking, winners and budget used; writes a bar chart (PNG) and
    the election in pabulib format so that anyone can recompute it. Before the vote is closed,
    only with --provisional. With --pb, the results of any pabulib approval election."""
    from locales import LANGUAGES

    if lang is not None and lang not in LANGUAGES:
        raise fail(f"--lang {lang!r}: the chart speaks {', '.join(LANGUAGES)}")
    if pb is not None:
        if provisional:
            raise fail("--provisional goes with an edition's vote, not with --pb")
        if export is not None and export.resolve() == pb.resolve():
            raise fail(f"--export {export} would overwrite the --pb file")
        report = _pabulib_report(pb, rule or ResultsRule.GREEDY, lang)
    else:
        if rule is not None:
            raise fail("--rule goes with --pb: the edition's own rule decides its results")
        report = _edition_report(provisional, lang)
        chart = chart or Path("vote-results.png")
        export = export or Path("vote-results.pb")
    standings = ranking(report.election, report.outcome)
    if chart is not None:
        _write(chart, _chart(report, standings))
    if export is not None:
        _write(export, report.export().encode("utf-8"))
    if as_json:
        _print_json(report)
        return
    _print_table(report, standings)
    written = []
    if chart is not None:
        written.append(f"chart written to {chart}")
    if export is not None:
        written.append(f"election exported to {export} (pabulib format)")
    if written:
        typer.echo("; ".join(written).capitalize() + ".")


def _write(path: Path, content: bytes) -> None:
    try:
        path.write_bytes(content)
    except OSError as error:
        raise fail(f"cannot write {path}: {error.strerror}") from None


def _pabulib_report(pb: Path, rule: ResultsRule, lang: str | None) -> _Report:
    from locales import LANGUAGES

    try:
        file = read_pabulib_file(pb)
    except (OSError, PabulibError) as error:
        raise fail(f"{pb}: {error}") from None
    election = file.election
    outcome = compute_results(election, rule)
    names = {project.id: file.name(project.id) for project in election.projects}
    stated = file.meta.get("language", "").lower()
    language = lang or (stated if stated in LANGUAGES else "en")
    named = any("name" in file.details.get(project.id, {}) for project in election.projects)
    winners = set(outcome.winners)

    def export() -> str:
        """The file as read, with the winners of `rule` as its selected projects."""
        details = {
            p.id: {**file.details.get(p.id, {}), "selected": "1" if p.id in winners else "0"}
            for p in election.projects
        }
        return format_pabulib(election, {**file.meta, "rule": _pabulib_rule(rule)}, details)

    return _Report(
        election,
        outcome,
        names,
        language,
        len(election.ballots),
        export,
        extra={"titles": names} if named else {},
    )


def _edition_report(provisional: bool, lang: str | None) -> _Report:
    from bot.reports.results import cast_ballots, edition_results, election_id

    async def compute(
        uow: UnitOfWork, stored: StoredEdition
    ) -> tuple[EditionResults, CastBallots, bool]:
        closed = stored.edition.vote_is_closed(datetime.now(UTC))
        if not closed and not provisional:
            raise fail(
                "the vote is not closed (`pbbot vote close` ends it): its figures are "
                "provisional; add --provisional to see them"
            )
        # Counted on the distinct ballots; the export lists them one by one.
        return await edition_results(uow, stored), await cast_ballots(uow, stored), closed

    outcome, cast, closed = asyncio.run(with_edition(load_settings(), compute))
    edition = outcome.edition
    if lang is not None and lang not in edition.languages:
        raise fail(f"--lang {lang!r}: the edition speaks {', '.join(edition.languages)}")
    language = lang or edition.languages[0]
    # Once the vote is closed the figures are final, --provisional or not.
    provisional = not closed
    names = {election_id(p.id): _title(p, language) for p in outcome.projects}
    return _Report(
        outcome.election,
        outcome.results,
        names,
        language,
        outcome.turnout,
        lambda: _export(outcome, cast, language, provisional),
        in_cents=True,
        provisional=provisional,
        extra={
            "currency": edition.currency,
            "amounts_in": "cents",
            "titles": names,
            "provisional": provisional,
        },
    )


def _chart(report: _Report, standings: list[Standing]) -> bytes:
    from bot.reports.charts import ranking_chart
    from bot.runtime.i18n import create_i18n
    from bot.runtime.render import Renderer

    return ranking_chart(
        standings,
        report.names,
        report.turnout,
        Renderer(create_i18n()),
        report.language,
        provisional=report.provisional,
    )


def _pabulib_rule(rule: ResultsRule) -> str:
    return "greedy" if rule is ResultsRule.GREEDY else "equalshares"


def _export(outcome: EditionResults, cast: CastBallots, language: str, provisional: bool) -> str:
    """The election in pabulib format, readable by anyone: each project's name, theme
    (category) and district in `language`, and whether it was funded (selected); costs in the
    currency's units when they are whole; the ballots in a random order so that none can be
    traced back to when (or who) cast it."""
    from bot.reports.results import election_id

    counted = outcome.election
    # Each ballot with its receipt (once published), shuffled together.
    pairs = list(zip(cast.ballots, cast.receipts or [""] * len(cast.ballots), strict=True))
    random.SystemRandom().shuffle(pairs)
    ballots = [ballot for ballot, _ in pairs]
    receipts = [receipt for _, receipt in pairs] if cast.receipts else None
    whole = all(p.cost % 100 == 0 for p in counted.projects) and counted.budget % 100 == 0
    if whole:
        election = Election(
            tuple(ElectionProject(p.id, p.cost // 100) for p in counted.projects),
            counted.budget // 100,
            tuple(ballots),
        )
    else:
        election = Election(counted.projects, counted.budget, tuple(ballots))
    edition = outcome.edition
    details = {}
    for project in outcome.projects:
        theme = edition.theme(project.theme) if project.theme else None
        district = edition.district(project.district) if project.district else None
        details[election_id(project.id)] = {
            "name": _title(project, language),
            # pabulib's categories are a comma-separated list: a comma would split the theme.
            "category": _pick(theme.label, language).replace(",", "") if theme else "",
            "district": _pick(district.name, language) if district else "",
            "selected": "1" if outcome.is_winner(project) else "0",
        }
    meta = {
        "description": f"{_pick(edition.name, language)} ({edition.slug})",
        "country": edition.country,
        "unit": _pick(edition.territory, language),
        "instance": edition.slug,
        "language": language,
        "currency": edition.currency if whole else f"{edition.currency} cents",
        "rule": _pabulib_rule(edition.results_rule),
    }
    if provisional:
        meta["comment"] = "provisional figures: exported before the vote was closed"
    elif receipts:
        meta["comment"] = "each voter_id is a ballot's receipt: its voter can find it here"
    return format_pabulib(election, meta, details, voter_ids=receipts)


def _pick(texts: Mapping[str, str], language: str) -> str:
    return texts.get(language) or next(iter(texts.values()), "")


def _print_json(report: _Report) -> None:
    outcome = report.outcome
    typer.echo(
        json.dumps(
            {
                "rule": outcome.rule.value,
                "budget": report.election.budget,
                "ballots": report.turnout,
                "votes": dict(outcome.votes),
                "winners": list(outcome.winners),
                "budget_used": outcome.budget_used,
                **report.extra,
            }
        )
    )


def _print_table(report: _Report, standings: list[Standing]) -> None:
    def amount(value: int) -> str:
        return _euros(value) if report.in_cents else str(value)

    names = report.names
    width = max((len(names[s.project.id]) for s in standings), default=10)
    if report.provisional:
        typer.echo("PROVISIONAL figures: the vote is not closed, ballots can still change.")
    typer.echo(f"{'#':>3}  {'project':<{width}}  {'cost':>12}  {'votes':>7}  winner")
    for rank, standing in enumerate(standings, start=1):
        project = standing.project
        mark = "yes" if standing.winner else ""
        typer.echo(
            f"{rank:>3}  {names[project.id]:<{width}}  {amount(project.cost):>12}  "
            f"{standing.votes:>7}  {mark}"
        )
    outcome, election = report.outcome, report.election
    so_far = " so far" if report.provisional else ""
    typer.echo(
        f"{len(outcome.winners)} winners{so_far} by {outcome.rule.value}; budget used "
        f"{amount(outcome.budget_used)} of {amount(election.budget)}; "
        f"{report.turnout} ballots."
    )
