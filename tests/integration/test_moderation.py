"""Moderation decisions are taken once, on SQLite and PostgreSQL, also when moderators (in
several bot processes) press at the same moment, and an author's change never undoes one."""

import asyncio
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from budget.ideas import IdeaStatus
from storage.moderation import fingerprint
from storage.tables import SuggestionRow
from storage.unit_of_work import UnitOfWork
from tests.integration.test_storage import an_idea

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)

Sessionmaker = async_sessionmaker[AsyncSession]


async def submitted_idea(sessionmaker: Sessionmaker, edition_id: int) -> int:
    async with UnitOfWork(sessionmaker) as uow:
        citizen = await uow.citizens.consent(1, "fr", None, NOW)
        idea = await uow.ideas.submit(edition_id, citizen.id, an_idea(), NOW)
        await uow.commit()
    return idea.id


async def moderate(
    sessionmaker: Sessionmaker, edition_id: int, moderator: int, idea_id: int, status: IdeaStatus
) -> bool:
    """One moderator's update: read the card, decide, audit, commit (as the handler does)."""
    async with UnitOfWork(sessionmaker) as uow:
        row = await uow.moderation.idea(edition_id, idea_id)
        seen = fingerprint(row) if row is not None else ""
        taken = await uow.moderation.decide_idea(
            edition_id, idea_id, status, "reason", NOW, seen=seen
        )
        if taken:
            await uow.audit.record(moderator, f"idea_{status}", f"idea:{idea_id}", NOW)
        await uow.commit()
    return taken


async def test_moderators_deciding_at_once_make_exactly_one_transition(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    idea_id = await submitted_idea(sessionmaker, edition_id)
    statuses = [IdeaStatus.PUBLISHED, IdeaStatus.REJECTED, IdeaStatus.CHANGES_ASKED] * 4
    taken = await asyncio.gather(
        *(
            moderate(sessionmaker, edition_id, moderator, idea_id, status)
            for moderator, status in enumerate(statuses, start=100)
        )
    )
    assert taken.count(True) == 1
    winner = statuses[taken.index(True)]
    async with UnitOfWork(sessionmaker) as uow:
        row = await uow.ideas.get(idea_id)
        entries = await uow.audit.of(f"idea:{idea_id}")
        assert row is not None and row.status == winner
        assert (row.published_at is not None) == (winner is IdeaStatus.PUBLISHED)
        assert [entry.action for entry in entries] == [f"idea_{winner}"]


async def test_an_idea_is_decided_only_in_its_own_edition_and_only_while_waiting(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    idea_id = await submitted_idea(sessionmaker, edition_id)
    assert not await moderate(sessionmaker, edition_id + 1, 100, idea_id, IdeaStatus.PUBLISHED)
    assert await moderate(sessionmaker, edition_id, 100, idea_id, IdeaStatus.CHANGES_ASKED)
    assert not await moderate(sessionmaker, edition_id, 100, idea_id, IdeaStatus.PUBLISHED)
    async with UnitOfWork(sessionmaker) as uow:
        assert await uow.moderation.pending_ideas(edition_id) == []


async def test_an_authors_change_and_a_decision_at_once_never_undo_the_decision(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    idea_id = await submitted_idea(sessionmaker, edition_id)

    async def change() -> IdeaStatus | None:
        async with UnitOfWork(sessionmaker) as uow:
            citizen = await uow.citizens.by_telegram_id(1)
            assert citizen is not None
            changed = an_idea(title="A changed orchard", attachments=[])
            before = await uow.ideas.resubmit(idea_id, citizen.id, changed, "namur")
            await uow.commit()
        return before

    before, published = await asyncio.gather(
        change(), moderate(sessionmaker, edition_id, 100, idea_id, IdeaStatus.PUBLISHED)
    )
    assert published or before is not None, "one of them is taken"
    async with UnitOfWork(sessionmaker) as uow:
        row = await uow.ideas.get(idea_id)
        assert row is not None
        if before is None:
            # Published first: the change came too late and was not kept.
            assert (row.status, row.title, len(row.attachments)) == ("published", "An orchard", 2)
        elif published:
            # Changed before the moderator read it: the version published is the one seen.
            assert (row.status, row.title, row.attachments) == (
                "published",
                "A changed orchard",
                [],
            )
        else:
            # Changed between the moderator's reading and deciding: nothing decided unseen.
            assert (row.status, row.title, row.attachments) == (
                "submitted",
                "A changed orchard",
                [],
            )


async def test_a_decision_on_a_version_the_author_has_changed_since_is_not_taken(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    idea_id = await submitted_idea(sessionmaker, edition_id)
    async with UnitOfWork(sessionmaker) as uow:
        row = await uow.moderation.idea(edition_id, idea_id)
        assert row is not None
        seen = fingerprint(row)
    for changed in (an_idea(title="A changed orchard"), an_idea(attachments=[])):
        async with UnitOfWork(sessionmaker) as uow:
            citizen = await uow.citizens.by_telegram_id(1)
            assert citizen is not None
            assert await uow.ideas.resubmit(idea_id, citizen.id, changed, None) is not None
            await uow.commit()
        async with UnitOfWork(sessionmaker) as uow:
            status = IdeaStatus.PUBLISHED
            assert not await uow.moderation.decide_idea(
                edition_id, idea_id, status, None, NOW, seen=seen
            )
            row = await uow.moderation.idea(edition_id, idea_id)
            assert row is not None and row.status == "submitted"
            seen_now = fingerprint(row)
            await uow.commit()
        assert seen_now != seen
        seen = seen_now
    async with UnitOfWork(sessionmaker) as uow:
        assert await uow.moderation.decide_idea(
            edition_id, idea_id, IdeaStatus.PUBLISHED, None, NOW, seen=seen
        )
        await uow.commit()


async def test_a_suggestion_is_decided_once_when_two_moderators_press_at_once(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    idea_id = await submitted_idea(sessionmaker, edition_id)
    async with UnitOfWork(sessionmaker) as uow:
        citizen = await uow.citizens.consent(2, "nl", None, NOW)
        suggestion = SuggestionRow(
            idea_id=idea_id, citizen_id=citizen.id, text="Old varieties", status="submitted", at=NOW
        )
        uow.session.add(suggestion)
        await uow.commit()

    async def decide(status: str) -> bool:
        async with UnitOfWork(sessionmaker) as uow:
            taken = await uow.moderation.decide_suggestion(edition_id, suggestion.id, status)
            await uow.commit()
        return taken

    taken = await asyncio.gather(*(decide(s) for s in ["published", "rejected"] * 3))
    assert taken.count(True) == 1
    async with UnitOfWork(sessionmaker) as uow:
        found = await uow.moderation.suggestion(edition_id, suggestion.id)
        assert await uow.moderation.pending_suggestions(edition_id) == []
        assert await uow.moderation.suggestion(edition_id + 1, suggestion.id) is None
    assert found is not None
    assert found.status == ["published", "rejected"][taken.index(True) % 2]
    assert (found.sender.telegram_id, found.sender.language) == (2, "nl")
    assert (found.idea_author.telegram_id, found.idea_title) == (1, "An orchard")
