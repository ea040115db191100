"""A stand day: a staff member at a stand in town enters paper ideas and paper ballots on
citizens' behalf; one person, one ballot, whatever the channel."""

from datetime import datetime

import pytest
from aiogram.methods import SendMessage
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.rehearsal.simulator import Citizen
from bot.runtime.callbacks import StandButton
from conversations.stand import StandAction
from storage.tables import (
    AuditRow,
    ConversationStateRow,
    IdeaRow,
    StandEntryRow,
    TallyRow,
    VoterRow,
)
from tests.support.app import (
    BRUSSELS,
    STAFF_ID,
    App,
    at_envelope,
    at_identity_question,
    cast_ballot,
    change_edition,
    consented,
    put_projects_on_the_ballot,
)

STAND_ID = 900_100
# Saturdays: Namur's library holds its stand on Saturdays, Dinant's market on these days.
DEPOSIT_SATURDAY = datetime(2026, 12, 5, 11, tzinfo=BRUSSELS)
VOTE_SATURDAY = datetime(2027, 4, 17, 11, tzinfo=BRUSSELS)
# A Tuesday: no stand.
VOTE_TUESDAY = datetime(2027, 4, 20, 11, tzinfo=BRUSSELS)


async def stored_rows(app: App) -> list[str]:
    """What the stand's work leaves in the tables that could hold what was typed, as text."""
    return [
        str(vars(row))
        for table in (VoterRow, StandEntryRow, AuditRow, ConversationStateRow)
        for row in await app.rows(table)
    ]


async def stand_member(app: App) -> Citizen:
    admin = app.simulator.users.get(STAFF_ID) or await consented(app, STAFF_ID)
    member = await consented(app, STAND_ID)
    await admin.send(f"/staff add {STAND_ID} stand")
    assert admin.last.text == f"✅ {STAND_ID} is now stand member."
    return member


async def at_desk(member: Citizen, stand: str = "Namur library") -> None:
    await member.send("/stand")
    assert member.last.text.startswith("🏪 Which stand are you at today?")
    await member.click(stand)
    assert f"Stand: <b>{stand}</b>" in member.last.text


async def paper_idea(member: Citizen, reference: str, title: str) -> None:
    await member.click("📝 Paper idea")
    await member.send(reference)
    await member.send("Marie Dupont")
    await member.send("0470 99 88 77")
    # The idea form itself, unchanged.
    await member.click("🙋 Myself")
    await member.send(title)
    await member.send("Benches along the towpath, for those who walk slowly.")
    await member.click("Skip ⏭")
    await member.click("Skip ⏭")
    await member.click("Mobility")
    await member.click("Skip ⏭")
    await member.click("Skip ⏭")
    await member.click("Skip ⏭")
    await member.send("9 000")
    await member.click("Skip ⏭")
    assert "Check your idea" in member.last.text or "✅ Publish" in member.last.labels
    await member.click("✅ Publish")


async def paper_ballot_for(member: Citizen, reference: str, by: str, value: str) -> None:
    await member.click("🗳 Paper ballot")
    await member.send(reference)
    await member.click(by)
    await member.send(value)


async def tick_and_record(member: Citizen, titles: list[str]) -> None:
    for title in titles:
        [label] = [label for label in member.last.labels if title in label]
        await member.click(label)
    await member.click("✅ Record the ballot")


@pytest.fixture
async def vote_day(sessionmaker: async_sessionmaker[AsyncSession], edition_id: int) -> App:
    """The vote, where the edition checks phone numbers online too."""
    await change_edition(sessionmaker, ("ask_phone = false", "ask_phone = true"))
    await put_projects_on_the_ballot(sessionmaker, edition_id)
    app = App(sessionmaker)
    app.clock.now = VOTE_SATURDAY
    return app


async def test_paper_ideas_take_the_form_with_their_author_and_reference(app: App) -> None:
    app.clock.now = DEPOSIT_SATURDAY
    member = await stand_member(app)
    await at_desk(member)
    assert member.last.labels == ["📝 Paper idea", "👋 Leave the stand"], "no vote today"
    await paper_idea(member, "p-0001", "Benches along the Meuse")
    assert "✅ Paper idea P-0001 saved as number #1. It waits for moderation." in (
        member.shown[-2].text
    )
    assert "Stand: <b>Namur library</b>" in member.last.text, "back at the desk"
    [entry] = await app.rows(StandEntryRow)
    assert (entry.kind, entry.stand, entry.staff_id, entry.reference) == (
        "idea",
        "library-namur",
        STAND_ID,
        "P-0001",
    )
    assert (entry.author_name, entry.author_contact) == ("Marie Dupont", "0470 99 88 77")
    [idea] = await app.rows(IdeaRow)
    assert (idea.id, idea.title, idea.status) == (
        entry.idea_id,
        "Benches along the Meuse",
        "submitted",
    )
    audited = [row for row in await app.rows(AuditRow) if row.action == "stand_idea"]
    assert [(row.actor, row.subject, row.after) for row in audited] == [
        (STAND_ID, "idea:1", {"stand": "library-namur", "reference": "P-0001"})
    ]
    # The admin, as for any idea, is told.
    told = app.sent_to(STAFF_ID)[-1]
    assert isinstance(told, SendMessage)
    assert "Benches along the Meuse" in told.text

    # The moderators see where it comes from and how to reach its author.
    admin = app.simulator.users[STAFF_ID]
    await admin.send("/pending")
    assert (
        "📝 Paper idea, stand Namur library, form P-0001\n"
        "Author: Marie Dupont · Contact: 0470 99 88 77"
    ) in admin.last.text

    # The same paper form cannot be entered twice; the name and contact may be skipped.
    await member.click("📝 Paper idea")
    await member.send("P-0001")
    assert member.shown[-2].text.startswith("⚠️ This reference is already recorded.")
    assert member.last.text == "📝 Type the reference printed on the idea's paper form."
    await member.send("P-0002")
    await member.click("Skip ⏭")
    await member.click("Skip ⏭")
    assert "🙋 Myself" in member.last.labels
    await member.click("✖ Cancel")
    await member.click("🗑 Yes, delete my draft")
    assert member.shown[-2].text == "The paper idea was not saved."
    assert await app.count(StandEntryRow) == 1


async def test_a_stand_day_one_person_one_ballot_online_and_on_paper(vote_day: App) -> None:
    app = vote_day
    member = await stand_member(app)
    online = await at_envelope(app, 1)
    assert online.last.asks_contact
    await online.share_contact("+32470123456")
    await cast_ballot(online, ["Orchards in the schools"])

    await at_desk(member, "Dinant market")
    assert member.last.labels == ["🗳 Paper ballot", "👋 Leave the stand"], "no deposit today"

    # Paper after online: the same number, written as people write it, is refused.
    await paper_ballot_for(member, "B-0001", "📱 Phone number", "0470 12 34 56")
    assert member.shown[-2].text.startswith(
        "⛔ Ballot B-0001 refused: this person already voted online"
    )

    # A new person: the projects ticked on paper, within the envelope.
    await paper_ballot_for(member, "B-0002", "📱 Phone number", "0471 00 00 01")
    assert "Ballot B-0002: tick the projects ticked on paper." in member.last.text
    await tick_and_record(member, ["Repair café in Couvin", "Open-air library"])
    cast = member.shown[-2].text
    assert cast.startswith("✅ Ballot B-0002 recorded. Receipt to give the person:")

    # Online after paper: the number that voted on paper is refused online, with the reason.
    second = await at_envelope(app, 2)
    await second.share_contact("+32 471 00 00 01")
    assert second.shown[-2].text == (
        "This phone number has already been used to vote on paper, at a stand. "
        "Each person votes once, online or on paper."
    )

    # By the identity reference the edition chose: once, however it is written.
    await paper_ballot_for(member, "B-0003", "National register number", "85.07.30-033.61")
    await tick_and_record(member, ["Nature trail for the blind"])
    await paper_ballot_for(member, "B-0004", "National register number", "85073003361")
    assert member.shown[-2].text.startswith(
        "⛔ Ballot B-0004 refused: this person already voted on paper, at a stand."
    )

    ballots = await app.ballots()
    receipts = {ballot.receipt: set(ballot.project_ids) for ballot in ballots}
    assert len(ballots) == 3, "one online, two on paper"
    assert any(receipt in cast for receipt in receipts)
    entries = await app.rows(StandEntryRow)
    assert {(e.kind, e.stand, e.staff_id, e.reference) for e in entries} == {
        ("ballot", "market-dinant", STAND_ID, "B-0002"),
        ("ballot", "market-dinant", STAND_ID, "B-0003"),
    }
    # In the figures, the stand is a channel of its own.
    cast_at_stand = [
        (row.tally, row.district, row.count)
        for row in await app.rows(TallyRow)
        if row.source == "stand:market-dinant"
    ]
    assert sorted(cast_at_stand) == [("vote_cast", "dinant", 2), ("vote_registered", "dinant", 2)]
    paper = [row for row in await app.rows(VoterRow) if row.citizen_id is None]
    assert [row.district for row in paper] == ["dinant", "dinant"]
    audit = [(row.action, row.after) for row in await app.rows(AuditRow)]
    assert ("stand_ballot", {"reference": "B-0002"}) in audit
    assert (
        "stand_ballot_refused",
        {"reference": "B-0001", "by": "phone", "already": "online"},
    ) in audit
    assert (
        "stand_ballot_refused",
        {"reference": "B-0004", "by": "identity", "already": "stand"},
    ) in audit

    # Nothing typed at the stand is kept in clear: neither the numbers nor the reference.
    stored = await stored_rows(app)
    for typed in ("471000001", "470123456", "85073003361", "033.61"):
        assert not any(typed in text for text in stored), typed


async def test_a_paper_ballot_is_checked_against_the_envelope_as_online(vote_day: App) -> None:
    member = await stand_member(vote_day)
    await at_desk(member)
    await paper_ballot_for(member, "B-0100", "📱 Phone number", "0472 00 00 02")
    await tick_and_record(
        member, ["A cycle lane along the Meuse", "Youth music studio", "Orchards in the schools"]
    )
    assert "⚠️ That is more than the envelope." in member.last.text
    assert member.shown[-2].text.startswith("⛔ The projects ticked go over the envelope")
    assert await vote_day.ballots() == []
    await member.click("✅ Record the ballot")
    assert await vote_day.count(StandEntryRow) == 0
    # The citizen chooses again; the same entry goes on.
    [label] = [label for label in member.last.labels if "Youth music studio" in label]
    await member.click(label)
    await member.click("✅ Record the ballot")
    assert member.shown[-2].text.startswith("✅ Ballot B-0100 recorded.")
    [ballot] = await vote_day.ballots()
    assert len(ballot.project_ids) == 2


async def test_no_stand_today_and_nobody_else_at_a_stand(vote_day: App) -> None:
    vote_day.clock.now = VOTE_TUESDAY
    member = await stand_member(vote_day)
    await member.send("/stand")
    assert member.last.text.startswith("🏪 No stand is open today (")
    await member.send("/help")
    assert "/stand: paper ideas and paper ballots at a stand in town" in member.last.text
    citizen = await consented(vote_day, 43)
    await citizen.send("/stand")
    assert "I do not know this command." in [shown.text for shown in citizen.shown[-2:]]
    forged = StandButton(token="abcdef", seq=1, action=StandAction.RECORD).pack()
    await citizen.press(forged)
    assert citizen.alerts[-1] == "This button is not valid any more."
    assert await vote_day.count(StandEntryRow) == 0
    refused = [row for row in await vote_day.rows(AuditRow) if row.action == "refused_button"]
    assert [(row.actor, row.subject) for row in refused] == [(43, "stand:record")]


async def test_the_identity_reference_is_one_person_online_and_on_paper(vote_day: App) -> None:
    app = vote_day
    member = await stand_member(app)
    # Online: the reference, then the phone number (a stand may have taken either).
    online = await at_identity_question(app, 1)
    await online.send("85.07.30-033.61")
    assert online.last.asks_contact
    await online.share_contact("+32470123456")
    await cast_ballot(online, ["Orchards in the schools"])

    # Paper after online: the same reference, written otherwise, is refused with the reason.
    await at_desk(member, "Dinant market")
    await paper_ballot_for(member, "B-0001", "National register number", "85073003361")
    assert member.shown[-2].text.startswith(
        "⛔ Ballot B-0001 refused: this person already voted online"
    )
    assert "Stand: <b>Dinant market</b>" in member.last.text, "back at the desk"

    # Paper first, by a reference; online with that reference then: refused, and told why.
    await paper_ballot_for(member, "B-0002", "National register number", "90.02.01-123.45")
    await tick_and_record(member, ["Open-air library"])
    assert member.shown[-2].text.startswith("✅ Ballot B-0002 recorded.")
    second = await at_identity_question(app, 2)
    await second.send("90020112345")
    assert second.shown[-2].text == (
        "This reference (<b>National register number</b>) has already been used to vote on "
        "paper, at a stand. Each person votes once, online or on paper."
    )
    assert "write to" in second.last.text and second.last.labels == ["🏠 Menu"]
    assert not second.last.asks_contact, "no phone number asked: the vote stops there"
    # They cannot cast: the envelope is never shown, asking again starts over.
    await second.send("/vote")
    assert second.last.text.startswith("🗳 <b>Before you vote</b>")
    assert not any("left to spend" in shown.text for shown in second.shown)

    ballots = await app.ballots()
    assert len(ballots) == 2, "one online, one on paper"
    voters = await app.rows(VoterRow)
    assert sorted(row.citizen_id is None for row in voters) == [False, True]
    audit = [(row.action, row.after) for row in await app.rows(AuditRow)]
    assert (
        "stand_ballot_refused",
        {"reference": "B-0001", "by": "identity", "already": "online"},
    ) in audit
    # The reference is kept as a fingerprint only, and the vote's state keeps not even that.
    stored = await stored_rows(app)
    opened = str(await app.vote_states())
    for typed in ("85073003361", "033.61", "90020112345", "123.45"):
        assert not any(typed in text for text in stored), typed
        assert typed not in opened, typed
    assert not any(row.identity_hash and row.identity_hash in opened for row in voters)
