"""The rules of follow-up questionnaires, kept by the database on SQLite and PostgreSQL, also
when requests come at once (two staff members, a double tap, two bot processes)."""

import asyncio
from datetime import UTC, date, datetime

import pytest
from aiogram import Bot
from aiogram.methods import SendMessage
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.jobs.follow_up_reminders import remind_follow_ups
from bot.rehearsal.simulator import OFFLINE_TOKEN, OfflineSession
from bot.runtime.i18n import create_i18n
from bot.runtime.render import Renderer
from conversations.follow_up_form import deadline_of
from storage.tables import FollowUpRow
from storage.unit_of_work import UnitOfWork
from tests.support.app import BRUSSELS, idea_in_status

Sessionmaker = async_sessionmaker[AsyncSession]

SENT_AT = datetime(2027, 2, 15, 12, tzinfo=UTC)
DEADLINE = deadline_of(date(2027, 3, 31), BRUSSELS)
REMINDER_DUE = datetime(2027, 3, 29, 12, tzinfo=BRUSSELS)


async def ideas(sessionmaker: Sessionmaker, edition_id: int, count: int) -> list[int]:
    return [
        await idea_in_status(sessionmaker, edition_id, author, f"Idea of citizen {author}")
        for author in range(1, count + 1)
    ]


async def send(sessionmaker: Sessionmaker, idea_ids: list[int], by: int = 1) -> list[int]:
    async with UnitOfWork(sessionmaker) as uow:
        new = await uow.follow_ups.send(idea_ids, "complement", DEADLINE, by, SENT_AT)
        await uow.commit()
    return new


async def answer(sessionmaker: Sessionmaker, idea_id: int, carrier: str, now: datetime) -> bool:
    async with UnitOfWork(sessionmaker) as uow:
        follow_up = await uow.follow_ups.get(idea_id, "complement")
        assert follow_up is not None
        taken = await uow.follow_ups.answer(follow_up.id, {"carrier": carrier}, now)
        await uow.commit()
    return taken


async def test_two_staff_sending_at_once_ask_each_author_once(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    idea_ids = await ideas(sessionmaker, edition_id, 5)
    first, second = await asyncio.gather(
        send(sessionmaker, idea_ids, by=1), send(sessionmaker, idea_ids, by=2)
    )
    assert sorted(first + second) == idea_ids
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(FollowUpRow)) == 5
    assert await send(sessionmaker, idea_ids) == []


async def test_the_database_refuses_a_questionnaire_sent_twice_for_an_idea(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    [idea] = await ideas(sessionmaker, edition_id, 1)
    async with sessionmaker() as session:
        for _ in range(2):
            session.add(
                FollowUpRow(
                    idea_id=idea,
                    questionnaire="complement",
                    deadline=DEADLINE,
                    sent_by=1,
                    sent_at=SENT_AT,
                    answers={},
                )
            )
        with pytest.raises(IntegrityError):
            await session.commit()


async def test_answers_sent_twice_at_once_are_kept_once(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    [idea] = await ideas(sessionmaker, edition_id, 1)
    await send(sessionmaker, [idea])
    now = datetime(2027, 3, 1, tzinfo=UTC)
    taken = await asyncio.gather(
        answer(sessionmaker, idea, "first", now), answer(sessionmaker, idea, "second", now)
    )
    assert sorted(taken) == [False, True]
    async with UnitOfWork(sessionmaker) as uow:
        follow_up = await uow.follow_ups.get(idea, "complement")
    assert follow_up is not None
    winner = "first" if taken[0] else "second"
    assert follow_up.answers == {"carrier": winner}
    assert follow_up.answered_at == now


async def test_answers_are_not_taken_after_the_deadline(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    [idea] = await ideas(sessionmaker, edition_id, 1)
    await send(sessionmaker, [idea])
    assert not await answer(sessionmaker, idea, "too late", DEADLINE)
    async with UnitOfWork(sessionmaker) as uow:
        follow_up = await uow.follow_ups.get(idea, "complement")
    assert follow_up is not None
    assert (follow_up.answers, follow_up.answered_at) == ({}, None)


async def test_two_processes_reminding_at_once_send_each_reminder_once(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    idea_ids = await ideas(sessionmaker, edition_id, 4)
    await send(sessionmaker, idea_ids)
    assert await answer(sessionmaker, idea_ids[0], "done", SENT_AT)
    renderer = Renderer(create_i18n())
    sessions = [OfflineSession(), OfflineSession()]
    counts = await asyncio.gather(
        *(
            remind_follow_ups(Bot(OFFLINE_TOKEN, session=session), sessionmaker, renderer, now)
            for session, now in zip(sessions, [REMINDER_DUE, REMINDER_DUE], strict=True)
        )
    )
    assert sum(counts) == 3
    reminded = sorted(
        int(method.chat_id)
        for session in sessions
        for method in session.requests
        if isinstance(method, SendMessage)
    )
    assert reminded == [2, 3, 4], "once each, and not to who answered"
    again = Bot(OFFLINE_TOKEN, session=OfflineSession())
    assert await remind_follow_ups(again, sessionmaker, renderer, REMINDER_DUE) == 0
