"""A progress post on a funded project, from the chat (/progress) or the command line (`pbbot
progress add`): kept, shown on the project's card, and queued in the campaign outbox for the
project's followers, each in their language, once, at the rate limit."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.runtime.render import Renderer
from budget.audit_chain import COMMAND_LINE
from budget.ballot import Project
from budget.campaigns import Audience, AudienceKind, Schedule
from budget.edition import Stage
from budget.progress import check_post
from budget.serialise import dump
from conversations.projects import PostView, ProjectCard, progress_news
from storage.accountability import Post
from storage.editions import StoredEdition
from storage.unit_of_work import UnitOfWork


class NotFunded(LookupError):
    """The project is not a funded project of the edition (or the results are not out)."""


@dataclass(frozen=True)
class Posted:
    post: Post
    followers: int


async def funded_project(uow: UnitOfWork, stored: StoredEdition, number: int) -> Project:
    projects = {project.id: project for project in await uow.projects.on_ballot(stored.id)}
    if number not in projects or number not in await uow.accountability.funded(stored.id):
        raise NotFunded(number)
    return projects[number]


async def funded_titles(
    uow: UnitOfWork, stored: StoredEdition
) -> list[tuple[int, Mapping[str, str]]]:
    projects = {project.id: project for project in await uow.projects.on_ballot(stored.id)}
    return [
        (number, projects[number].title) for number in await uow.accountability.funded(stored.id)
    ]


async def post_progress(
    uow: UnitOfWork,
    stored: StoredEdition,
    renderer: Renderer,
    number: int,
    stage_code: str,
    text: str,
    photo: str | None,
    posted_by: int,
    now: datetime,
) -> Posted:
    """Keep the post and queue it for the project's followers; the caller commits, so that
    the post and its sending are kept together or not at all. ProgressError for a stage the
    edition does not know or a text empty or too long; NotFunded for a project that is not."""
    edition = stored.edition
    stage = check_post(edition, stage_code, text)
    project = await funded_project(uow, stored, number)
    post = await uow.accountability.add_post(
        number, stage.code, text.strip(), photo, posted_by, now
    )
    news = progress_news(project.title, stage, text.strip(), now.astimezone(edition.zone).date())
    await uow.campaigns.add(
        stored.id,
        name=f"Progress {number}: {stage.code}",
        texts={lang: renderer.body(news, lang) for lang in edition.languages},
        html=True,
        image=photo,
        button=None,
        button_url=None,
        audience=dump(Audience(AudienceKind.FOLLOWERS, str(number))),
        schedule=dump(Schedule()),
        results_announcement=False,
        # Posted from the command line: nobody to follow the sending on a progress message.
        created_by=None if posted_by == COMMAND_LINE else posted_by,
        now=now,
    )
    await uow.audit.record(
        posted_by,
        "progress_post",
        f"project:{number}",
        now,
        after={"stage": stage.code, "text": text.strip(), "photo": photo},
    )
    return Posted(post, len(await uow.accountability.followers(number)))


async def project_card(
    uow: UnitOfWork, stored: StoredEdition, number: int, citizen_id: int | None
) -> ProjectCard | None:
    """A project's card once the results are out; None for a project not on the ballot or
    before the results."""
    projects = {project.id: project for project in await uow.projects.on_ballot(stored.id)}
    outcome = await uow.accountability.outcome(number)
    if number not in projects or outcome is None:
        return None
    edition = stored.edition
    posts = tuple(
        PostView(
            stage, post.text, post.posted_at.astimezone(edition.zone).date(), post.photo is not None
        )
        for post in await uow.accountability.posts(number)
        # A stage the edition file no longer lists is still shown, by its code.
        for stage in [edition.stage(post.stage) or Stage(post.stage, {"": post.stage})]
    )
    following = None if citizen_id is None else await uow.accountability.follows(number, citizen_id)
    return ProjectCard(
        projects[number], outcome.funded, outcome.votes, outcome.rank, posts, following
    )
