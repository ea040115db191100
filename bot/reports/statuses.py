"""When the results are published: each project marked funded or not with its votes and rank,
its idea's status with it, and the news queued in the campaign outbox, once: to the followers
of each project (its idea's author and supporters), in their language, and to the voters who
asked to be told. The outbox sends at the rate limit and survives a crash (bot.jobs.campaigns).

The same happens whether staff close the vote by hand (`pbbot vote close`) or the results
phase comes by its dates (bot.jobs.publication): whichever gets there first, once."""

from collections.abc import Mapping
from datetime import datetime

from bot.reports.results import edition_results, ranked
from bot.runtime.render import Renderer
from budget.campaigns import Audience, AudienceKind, ButtonKind, Schedule
from budget.serialise import dump
from conversations.replies import Localized, Money, Text
from conversations.results import Ranked
from storage.accountability import ProjectOutcome
from storage.editions import StoredEdition
from storage.unit_of_work import UnitOfWork


async def publish_results(
    uow: UnitOfWork, stored: StoredEdition, renderer: Renderer, now: datetime
) -> bool:
    """Publish the results of the edition's closed vote; False if they were already. The
    caller commits: statuses and announcements are kept together or not at all."""
    if await uow.accountability.results_published(stored.id):
        return False
    if not await uow.voting.published(stored.id):
        await uow.voting.publish(stored.id, now)
    outcome = await edition_results(uow, stored)
    lines = ranked(outcome)
    outcomes = [
        ProjectOutcome(line.project.id, line.funded, line.votes, line.rank) for line in lines
    ]
    if not await uow.accountability.record_outcomes(stored.id, outcomes, now):
        return False
    edition = stored.edition
    for line in lines:
        if not await uow.accountability.followers(line.project.id):
            continue
        message = _project_news(line, len(lines), edition.currency)
        await _announce(
            uow,
            stored,
            f"Results: {_first(line.project.title)}",
            {lang: renderer.text(message, lang) for lang in edition.languages},
            Audience(AudienceKind.FOLLOWERS, str(line.project.id)),
            None,
            now,
        )
    funded = [line for line in lines if line.funded]
    summary = [
        Text("results.announcement", edition=Localized(edition.name), ballots=outcome.turnout),
        Text(
            "results.funded",
            count=len(funded),
            spent=Money(sum(line.project.cost_cents for line in funded), edition.currency),
            envelope=Money(edition.envelope_cents, edition.currency),
        ),
        *(
            Text("results.announcement.line", title=Localized(line.project.title))
            for line in funded
        ),
    ]
    await _announce(
        uow,
        stored,
        "Results",
        {
            lang: "\n".join(renderer.text(text, lang) for text in summary)
            for lang in edition.languages
        },
        Audience(AudienceKind.WANTS_RESULTS),
        ButtonKind.RESULTS,
        now,
        results_announcement=True,
    )
    return True


def _project_news(line: Ranked, count: int, currency: str) -> Text:
    values = {
        "title": Localized(line.project.title),
        "votes": line.votes,
        "rank": line.rank,
        "count": count,
    }
    if line.funded:
        return Text("projects.news.funded", **values)
    if line.left is not None:
        return Text("projects.news.skipped", left=Money(line.left, currency), **values)
    return Text("projects.news.no_vote", **values)


async def _announce(
    uow: UnitOfWork,
    stored: StoredEdition,
    name: str,
    texts: dict[str, str],
    audience: Audience,
    button: ButtonKind | None,
    now: datetime,
    results_announcement: bool = False,
) -> None:
    await uow.campaigns.add(
        stored.id,
        name=name[:100],
        texts=texts,
        html=True,
        image=None,
        button=button.value if button else None,
        button_url=None,
        audience=dump(audience),
        schedule=dump(Schedule()),
        results_announcement=results_announcement,
        # pbbot's own: nobody to follow the sending on a progress message.
        created_by=None,
        now=now,
    )


def _first(texts: Mapping[str, str]) -> str:
    """The project's name in the edition's first language, for staff's list of campaigns."""
    return next(iter(texts.values()), "")
