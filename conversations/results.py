"""The results as citizens see them: the whole ranking, funded and not, each project's votes
and what the rule made of it in words, the money used and the turnout."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from budget.ballot import Project
from budget.edition import Edition, Phase
from conversations.menu import MenuAction
from conversations.replies import Button, Localized, Money, Reply, Text


@dataclass(frozen=True)
class Ranked:
    """One line of the ranking; `left`: the money left when the rule came to a voted-for
    project that did not fit (None for a funded one or one nobody chose)."""

    rank: int
    project: Project
    votes: int
    funded: bool
    left: int | None = None


def results_screen(edition: Edition, ranking: Sequence[Ranked], turnout: int) -> Reply:
    funded = [line for line in ranking if line.funded]
    spent = sum(line.project.cost_cents for line in funded)
    texts = [
        Text("results.header", edition=Localized(edition.name)),
        Text("results.turnout", ballots=turnout),
        Text(
            "results.funded",
            count=len(funded),
            spent=Money(spent, edition.currency),
            envelope=Money(edition.envelope_cents, edition.currency),
        ),
    ]
    texts += [_line(line, edition) for line in ranking]
    if not funded:
        texts.append(Text("results.none"))
    texts.append(Text(f"results.rule.{edition.results_rule.value}"))
    return Reply(
        *texts,
        compact=True,
        buttons=[
            [Button("projects.button.list", MenuAction.PROJECTS)],
            [Button("menu.open", MenuAction.MENU)],
        ],
    )


def _line(line: Ranked, edition: Edition) -> Text:
    values = {
        "rank": line.rank,
        "title": Localized(line.project.title),
        "cost": Money(line.project.cost_cents, edition.currency),
        "votes": line.votes,
    }
    if line.funded:
        return Text("results.winner", **values)
    if line.left is not None:
        return Text("results.skipped", left=Money(line.left, edition.currency), **values)
    return Text("results.no_vote", **values)


def not_yet(edition: Edition, now: datetime) -> Reply:
    day = edition.opens_on(Phase.RESULTS, now)
    if day is not None:
        return Reply("results.not_yet", day=day)
    return Reply("results.not_now")
