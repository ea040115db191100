"""The results as citizens see them: the funded projects, the money used, the turnout."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from budget.ballot import Project
from budget.edition import Edition, Phase
from conversations.menu import MenuAction
from conversations.replies import Button, Localized, Money, Reply, Text


@dataclass(frozen=True)
class Funded:
    project: Project
    votes: int


def results_screen(edition: Edition, funded: Sequence[Funded], turnout: int) -> Reply:
    spent = sum(item.project.cost_cents for item in funded)
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
    texts += [
        Text(
            "results.winner",
            title=Localized(item.project.title),
            cost=Money(item.project.cost_cents, edition.currency),
            votes=item.votes,
        )
        for item in funded
    ]
    if not funded:
        texts.append(Text("results.none"))
    texts.append(Text(f"results.rule.{edition.results_rule.value}"))
    return Reply(*texts, compact=True, buttons=[[Button("menu.open", MenuAction.MENU)]])


def not_yet(edition: Edition, now: datetime) -> Reply:
    day = edition.opens_on(Phase.RESULTS, now)
    if day is not None:
        return Reply("results.not_yet", day=day)
    return Reply("results.not_now")
