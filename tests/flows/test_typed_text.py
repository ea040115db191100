"""Typed text goes to the conversation that asked for it last, whatever else waits: a staff
member's pending question never swallows an idea title, a suggestion or a questionnaire answer."""

from sqlalchemy import select

from storage.tables import CampaignRow, IdeaRow, SuggestionRow
from storage.unit_of_work import UnitOfWork
from tests.support.app import DURING_DEPOSIT, STAFF_ID, App, at_title, idea_in_status

TITLE = "We could build a skatepark"


async def status_of(app: App, number: int) -> tuple[str, str | None]:
    async with UnitOfWork(app.sessionmaker) as uow:
        row = await uow.session.scalar(select(IdeaRow).where(IdeaRow.id == number))
        assert row is not None
        return row.status, row.status_reason


async def test_an_analysts_pending_reason_does_not_take_their_idea_title(
    app: App, edition_id: int
) -> None:
    app.clock.now = DURING_DEPOSIT
    number = await idea_in_status(app.sessionmaker, edition_id, 5, "Orchards")
    staff = await at_title(app, STAFF_ID)
    await staff.send(f"/idea {number}")
    await staff.click("❌ Not feasible")
    await staff.send("/start")
    await staff.click("✏️ Continue my idea")
    await staff.send(TITLE)
    assert await status_of(app, number) == ("published", None)
    assert "<b>Describe</b> your idea" in staff.last.text, "the form goes on to its next question"


async def test_a_moderators_pending_reason_does_not_take_their_suggestion(
    app: App, edition_id: int
) -> None:
    app.clock.now = DURING_DEPOSIT
    published = await idea_in_status(app.sessionmaker, edition_id, 5, "Orchards in the schools")
    waiting = await idea_in_status(app.sessionmaker, edition_id, 6, "Benches", "submitted")
    staff = await at_title(app, STAFF_ID)
    await staff.send("/pending")
    await staff.click("⛔ Reject")
    await staff.click("✍️ Write another reason")
    await staff.send("/ideas")
    await staff.click(next(label for label in staff.last.labels if "Orchards" in label))
    await staff.click("✍️ Suggest an improvement")
    await staff.send("Plant old local apple varieties.")
    assert await status_of(app, waiting) == ("submitted", None)
    assert [row.idea_id for row in await app.rows(SuggestionRow)] == [published]


async def test_a_campaign_being_composed_does_not_take_an_idea_title(app: App) -> None:
    app.clock.now = DURING_DEPOSIT
    staff = await at_title(app, STAFF_ID)
    await staff.send("/broadcast")
    await staff.click("As I type them")
    await staff.send("/start")
    await staff.click("✏️ Continue my idea")
    await staff.send(TITLE)
    assert await app.count(CampaignRow) == 0
    assert "<b>Describe</b> your idea" in staff.last.text
