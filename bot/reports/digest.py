"""A digest of progress: a campaign whose audience is "followers" with no project names the
progress posted on the edition's funded projects since its previous run (or in the week before
its first one), under staff's own text; a run with nothing new reaches nobody."""

import html
from datetime import datetime, timedelta

from bot.runtime.render import Renderer
from budget.campaigns import TEXT_LIMIT, AudienceKind, Campaign
from budget.edition import Edition
from conversations.replies import Localized, Text
from storage.accountability import Post
from storage.unit_of_work import UnitOfWork

FIRST_PERIOD = timedelta(days=7)


def is_digest(campaign: Campaign) -> bool:
    return campaign.audience.kind is AudienceKind.FOLLOWERS and not campaign.audience.value


async def period_posts(
    uow: UnitOfWork, edition_id: int, campaign_id: int, due_at: datetime
) -> list[Post]:
    """The posts since the campaign's previous run, up to this one."""
    earlier = [
        run.due_at for run in await uow.campaigns.runs_of(campaign_id) if run.due_at < due_at
    ]
    start = max(earlier) if earlier else due_at - FIRST_PERIOD
    return await uow.accountability.posts_between(edition_id, start, due_at)


async def digest_texts(
    uow: UnitOfWork,
    edition_id: int,
    edition: Edition,
    campaign: Campaign,
    campaign_id: int,
    due_at: datetime,
    renderer: Renderer,
) -> dict[str, str]:
    """Staff's text in each language, followed by the period's posts, newest last; posts that
    would not fit in one message are left to /projects."""
    posts = await period_posts(uow, edition_id, campaign_id, due_at)
    titles = {project.id: project.title for project in await uow.projects.on_ballot(edition_id)}
    texts = {}
    for language in edition.languages:
        intro = campaign.text_for(language, edition)
        # The posts are formatted with HTML: staff's text, if plain, is shown as typed.
        parts = [intro if campaign.html else html.escape(intro)]
        for number, post in enumerate(posts):
            stage = edition.stage(post.stage)
            line = renderer.text(
                Text(
                    "projects.digest.line",
                    title=Localized(titles.get(post.project_id, {})),
                    stage=Localized(stage.label) if stage else post.stage,
                    day=post.posted_at.astimezone(edition.zone).date(),
                    text=post.text,
                ),
                language,
            )
            more = renderer.text(Text("projects.digest.more", count=len(posts) - number), language)
            if len("\n\n".join([*parts, line, more])) > TEXT_LIMIT:
                parts.append(more)
                break
            parts.append(line)
        texts[language] = "\n\n".join(parts)
    return texts
