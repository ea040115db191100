"""The reminder an author gets two days before a questionnaire's deadline, if they have not
answered it yet. Called from the bot's background loop; each reminder goes out once, whichever
process (or tick) claims it first."""

import logging
from datetime import datetime, timedelta

from aiogram import Bot
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.handlers.questionnaires import encode_answer
from bot.runtime.render import Renderer
from bot.runtime.reply_queue import ReplyNotSent, deliver
from conversations.follow_up_form import REMIND_DAYS_BEFORE, invitation, last_day, remind_from
from conversations.replies import Reply
from storage.follow_ups import Author
from storage.unit_of_work import UnitOfWork

# Reminders are due within the last days before a deadline; one more day covers the hour of
# the morning they wait for.
logger = logging.getLogger(__name__)

HORIZON = timedelta(days=REMIND_DAYS_BEFORE + 1)


async def remind_follow_ups(
    bot: Bot, sessionmaker: async_sessionmaker[AsyncSession], renderer: Renderer, now: datetime
) -> int:
    """Send the reminders that are due; return how many went out."""
    claimed: list[tuple[Reply, Author, str]] = []
    async with UnitOfWork(sessionmaker) as uow:
        due = await uow.follow_ups.due_reminders(now, now + HORIZON)
        editions = await uow.follow_ups.editions(sorted({item.edition_id for item in due}))
        for item in due:
            edition = editions.get(item.edition_id)
            follow_up, author = item.follow_up, item.author
            questionnaire = edition.questionnaire(follow_up.questionnaire) if edition else None
            if edition is None or questionnaire is None:
                continue
            moment = remind_from(follow_up.deadline, edition.zone)
            # Sent that late, the questionnaire itself told the deadline: no reminder on top.
            if now < moment or follow_up.sent_at >= moment:
                continue
            if not await uow.follow_ups.mark_reminded(follow_up.id, now):
                continue
            day = last_day(follow_up.deadline, edition.zone)
            message = invitation(questionnaire, author.idea_id, author.title, day, reminder=True)
            claimed.append((message, author, questionnaire.code))
        await uow.commit()
    # Sent once claimed and committed: a reminder is never sent twice, at worst lost with a
    # process that dies right here.
    for message, author, code in claimed:
        encode = encode_answer(None, author.idea_id, code)
        try:
            for method in renderer.methods(message, author.telegram_id, author.language, encode):
                await deliver(bot, method)
        except ReplyNotSent:
            logger.warning("a follow-up reminder could not reach Telegram; it is not sent again")
    return len(claimed)
