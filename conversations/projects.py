"""Funded projects after the vote, as citizens follow them: /projects lists them with their
stage; a project's card shows its votes and rank, and the progress staff posted, each with
its date; a button follows it or stops following it."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from budget.ballot import Project
from budget.edition import Edition, Stage
from conversations.menu import MenuAction
from conversations.replies import Button, Localized, Money, Reply, Text


class ProjectAction(StrEnum):
    LIST = "list"
    CARD = "card"
    FOLLOW = "follow"
    UNFOLLOW = "unfollow"
    # Under a message about the project (its results, its progress): the card comes as a
    # message of its own, and stopping leaves the message as it was.
    OPEN = "open"
    MUTE = "mute"


@dataclass(frozen=True)
class FundedLine:
    project: Project
    stage: Stage | None


@dataclass(frozen=True)
class PostView:
    stage: Stage
    text: str
    day: date
    photo: bool = False


@dataclass(frozen=True)
class ProjectCard:
    project: Project
    funded: bool
    votes: int
    rank: int
    posts: tuple[PostView, ...] = ()
    # None: someone who has not consented, who cannot follow anything.
    following: bool | None = None


def projects_list(lines: Sequence[FundedLine]) -> Reply:
    if not lines:
        return Reply("projects.none", buttons=[[Button("menu.open", MenuAction.MENU)]])
    texts = [Text("projects.header", count=len(lines))]
    for number, line in enumerate(lines, start=1):
        texts.append(
            Text(
                "projects.line",
                number=number,
                title=Localized(line.project.title),
                stage=Localized(line.stage.label) if line.stage else Text("projects.no_stage"),
            )
        )
    rows = [
        [Button(Localized(_short(line.project.title)), ProjectAction.CARD, str(line.project.id))]
        for line in lines
    ]
    return Reply(*texts, compact=True, buttons=[*rows, [Button("menu.open", MenuAction.MENU)]])


def project_card(edition: Edition, card: ProjectCard, edit: bool = False) -> Reply:
    project = card.project
    texts = [
        Text("projects.card.title", title=Localized(project.title)),
        Text("projects.card.summary", summary=Localized(project.summary)),
        Text(
            "projects.card.funded" if card.funded else "projects.card.not_funded",
            cost=Money(project.cost_cents, edition.currency),
            votes=card.votes,
            rank=card.rank,
        ),
    ]
    if card.posts:
        texts.append(Text("projects.card.stage", stage=Localized(card.posts[0].stage.label)))
        texts.append(Text("projects.card.progress"))
        for post in card.posts:
            key = "projects.card.post.photo" if post.photo else "projects.card.post"
            texts.append(Text(key, day=post.day, stage=Localized(post.stage.label), text=post.text))
    elif card.funded:
        texts.append(Text("projects.card.no_progress"))
    rows: list[list[Button]] = []
    if card.funded and card.following is not None:
        if card.following:
            rows.append(
                [Button("projects.button.unfollow", ProjectAction.UNFOLLOW, str(project.id))]
            )
        else:
            rows.append([Button("projects.button.follow", ProjectAction.FOLLOW, str(project.id))])
    rows.append([Button("projects.button.list", ProjectAction.LIST)])
    return Reply(*texts, buttons=rows, edit=edit)


def progress_news(title: Mapping[str, str], stage: Stage, text: str, day: date) -> Reply:
    """The message a project's followers get for a post, and the one staff preview."""
    key = "projects.news.progress.reason" if stage.needs_reason else "projects.news.progress"
    return Reply(key, title=Localized(title), stage=Localized(stage.label), text=text, day=day)


def _short(title: Mapping[str, str]) -> Mapping[str, str]:
    return {lang: text if len(text) <= 60 else text[:59] + "…" for lang, text in title.items()}
