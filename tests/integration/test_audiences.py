"""Who a campaign run goes to, evaluated afresh at each run, on SQLite and PostgreSQL; a run is
started once for each due moment and queues each citizen once; one process holds the
schedule."""

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from broadcast.audiences import recipients
from budget.campaigns import Audience, AudienceKind
from conversations.vote import UNCAST as UNCAST_STATE
from storage.tables import CitizenRow, ConversationStateRow
from storage.unit_of_work import UnitOfWork
from tests.support.app import idea_in_status
from tests.support.voting import cast, on_ballot, registered

NOW = datetime(2027, 4, 20, 12, tzinfo=UTC)
Sessionmaker = async_sessionmaker[AsyncSession]

# Telegram ids: 1 voted, 2 registered with an envelope left uncast, 3 has an idea draft,
# 4 reads Dutch and did nothing yet, 5 stopped the reminders, 6 blocked the bot.
VOTED, UNCAST, DRAFTING, DUTCH, STOPPED, BLOCKED = 1, 2, 3, 4, 5, 6


async def town(sessionmaker: Sessionmaker, edition_id: int) -> None:
    projects = await on_ballot(sessionmaker, edition_id)
    voter = await registered(sessionmaker, edition_id, VOTED)
    await cast(sessionmaker, edition_id, voter, [projects[0].id], projects)
    await registered(sessionmaker, edition_id, UNCAST)
    async with UnitOfWork(sessionmaker) as uow:
        for telegram_id in (DRAFTING, STOPPED, BLOCKED):
            await uow.citizens.consent(telegram_id, "fr", None, NOW)
        await uow.citizens.consent(DUTCH, "nl", None, NOW)
        uow.session.add_all(
            [
                ConversationStateRow(
                    key=f"fsm:42:{DRAFTING}:{DRAFTING}:form",
                    state=None,
                    data={"token": "abc", "step": "title"},
                    updated_at=NOW,
                ),
                # The envelope's content is sealed; its state's name says a change waits.
                ConversationStateRow(
                    key=f"fsm:42:{UNCAST}:{UNCAST}:vote",
                    state=UNCAST_STATE,
                    data={"sealed": "..."},
                    updated_at=NOW,
                ),
                # The voter reopened the envelope and left it as cast: nothing is waiting.
                ConversationStateRow(
                    key=f"fsm:42:{VOTED}:{VOTED}:vote",
                    state=None,
                    data={"sealed": "..."},
                    updated_at=NOW,
                ),
            ]
        )
        await uow.session.execute(
            update(CitizenRow)
            .where(CitizenRow.telegram_id == STOPPED)
            .values(reminders_stopped_at=NOW, wants_results=True)
        )
        await uow.session.execute(
            update(CitizenRow).where(CitizenRow.telegram_id == BLOCKED).values(unreachable_at=NOW)
        )
        await uow.commit()


async def audience(
    sessionmaker: Sessionmaker,
    edition_id: int,
    kind: AudienceKind,
    value: str | None = None,
    results: bool = False,
) -> list[int]:
    async with UnitOfWork(sessionmaker) as uow:
        people = await recipients(uow, edition_id, Audience(kind, value), results)
    return sorted(person.chat_id for person in people)


async def test_each_audience_is_who_it_says(sessionmaker: Sessionmaker, edition_id: int) -> None:
    await town(sessionmaker, edition_id)

    async def of(kind: AudienceKind, value: str | None = None) -> list[int]:
        return await audience(sessionmaker, edition_id, kind, value)

    assert await of(AudienceKind.EVERYONE) == [VOTED, UNCAST, DRAFTING, DUTCH]
    assert await of(AudienceKind.LANGUAGE, "nl") == [DUTCH]
    assert await of(AudienceKind.DISTRICT, "namur") == [VOTED, UNCAST]
    assert await of(AudienceKind.DISTRICT, "dinant") == []
    assert await of(AudienceKind.DRAFT) == [DRAFTING]
    assert await of(AudienceKind.NOT_VOTED) == [UNCAST, DRAFTING, DUTCH]
    assert await of(AudienceKind.UNCAST) == [UNCAST]
    assert await of(AudienceKind.VOTED) == [VOTED]


async def test_authors_with_a_follow_up_to_answer_are_those_who_have_one_open(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    await town(sessionmaker, edition_id)
    ideas = {
        author: await idea_in_status(sessionmaker, edition_id, author, f"Idea of {author}")
        for author in (VOTED, UNCAST, DRAFTING, DUTCH, STOPPED)
    }
    async with UnitOfWork(sessionmaker) as uow:
        later, earlier = NOW + timedelta(days=10), NOW - timedelta(days=1)
        await uow.follow_ups.send([ideas[VOTED], ideas[DRAFTING]], "complement", later, 1, NOW)
        await uow.follow_ups.send([ideas[UNCAST]], "complement", earlier, 1, NOW)
        await uow.follow_ups.send([ideas[STOPPED]], "complement", later, 1, NOW)
        answered = await uow.follow_ups.get(ideas[DRAFTING], "complement")
        assert answered is not None
        await uow.follow_ups.answer(answered.id, {"carrier": "me"}, NOW)
        await uow.commit()
    async with UnitOfWork(sessionmaker) as uow:
        people = await recipients(uow, edition_id, Audience(AudienceKind.FOLLOW_UP), False, NOW)
    assert [person.chat_id for person in people] == [VOTED], (
        "not answered, not past its deadline, not stopped"
    )


async def test_who_stopped_reminders_gets_only_the_results_they_asked_for(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    await town(sessionmaker, edition_id)
    assert STOPPED not in await audience(sessionmaker, edition_id, AudienceKind.EVERYONE)
    everyone_with_results = await audience(
        sessionmaker, edition_id, AudienceKind.EVERYONE, results=True
    )
    assert STOPPED in everyone_with_results
    assert BLOCKED not in everyone_with_results


async def test_a_run_starts_once_per_due_moment_and_queues_each_citizen_once(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    await town(sessionmaker, edition_id)
    async with UnitOfWork(sessionmaker) as uow:
        campaign = await uow.campaigns.add(
            edition_id,
            name="Weekly",
            texts={"fr": "Votez !"},
            html=False,
            image=None,
            button=None,
            button_url=None,
            audience={"kind": "everyone"},
            schedule={"kind": "now"},
            results_announcement=False,
            created_by=900_001,
            now=NOW,
        )
        await uow.commit()

    async def start() -> int | None:
        async with UnitOfWork(sessionmaker) as uow:
            run = await uow.campaigns.start_run(campaign.id, NOW, NOW)
            if run is not None:
                people = await recipients(uow, edition_id, Audience(AudienceKind.EVERYONE), False)
                await uow.campaigns.enqueue(run.id, people, NOW)
                await uow.campaigns.enqueue(run.id, people, NOW)
            await uow.commit()
            return run.id if run else None

    # As from two processes at once: one run, and each citizen queued once.
    started = [run for run in await asyncio.gather(start(), start()) if run is not None]
    assert len(started) == 1
    async with UnitOfWork(sessionmaker) as uow:
        counts = await uow.deliveries.counts(started[0])
    assert counts["queued"] == sum(counts.values()) == 4


async def test_one_process_at_a_time_holds_the_schedule(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    async def take(holder: str, now: datetime) -> bool:
        async with UnitOfWork(sessionmaker) as uow:
            taken = await uow.leases.take("campaign-schedule", holder, now, 60)
            await uow.commit()
            return taken

    assert await take("a", NOW)
    assert not await take("b", NOW + timedelta(seconds=30))
    assert await take("a", NOW + timedelta(seconds=30)), "the holder renews it"
    assert await take("b", NOW + timedelta(seconds=91)), "taken over once it expired"
    assert not await take("a", NOW + timedelta(seconds=92))
