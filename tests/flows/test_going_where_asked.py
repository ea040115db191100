"""A citizen who comes by a link to an idea, or types a command before consenting, lands
where they asked once the privacy notice is accepted, not on the menu."""

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.tables import CitizenRow, IdeaRow
from tests.support.app import (
    DURING_VOTE,
    App,
    consented,
    deposit_idea,
    publish_everything_pending,
    put_projects_on_the_ballot,
)


async def published_idea(app: App) -> IdeaRow:
    await deposit_idea(app, user_id=7)
    await publish_everything_pending(app)
    rows: list[IdeaRow] = await app.rows(IdeaRow)
    return rows[0]


async def test_a_newcomer_by_a_shared_link_lands_on_the_idea_once_consenting(app: App) -> None:
    row = await published_idea(app)
    newcomer = app.citizen(2, "en")
    await newcomer.send(f"/start i_{row.share_code}")
    await newcomer.click("✅ I agree")
    assert "Thank you! You can now take part." in newcomer.texts()
    assert "We could plant an orchard" in newcomer.last.text
    assert "👍 Support this idea" in newcomer.last.labels
    await newcomer.click("👍 Support this idea")
    assert "↩ Withdraw my support" in newcomer.last.labels
    [citizen] = [row for row in await app.rows(CitizenRow) if row.telegram_id == 2]
    assert citizen.source == f"i_{row.share_code}", "the link is still counted as its channel"


async def test_a_citizen_by_a_shared_link_gets_the_card_with_its_buttons(app: App) -> None:
    row = await published_idea(app)
    friend = await consented(app, 2)
    await friend.send(f"/start i_{row.share_code}")
    assert "Twenty apple trees" in friend.last.text, "the card, not the title only"
    assert "👍 Support this idea" in friend.last.labels
    await friend.send("/start idea_1")
    assert "Twenty apple trees" in friend.last.text
    assert "👍 Support this idea" in friend.last.labels


async def test_ideas_typed_before_consenting_opens_the_ideas_after(app: App) -> None:
    await published_idea(app)
    newcomer = app.citizen(2, "en")
    await newcomer.send("/ideas")
    assert "Your privacy" in newcomer.last.text
    await newcomer.click("✅ I agree")
    assert "Thank you! You can now take part." in newcomer.texts()
    assert any("We could plant" in label for label in newcomer.last.labels)


async def test_vote_typed_before_consenting_opens_the_vote_after(
    sessionmaker: async_sessionmaker[AsyncSession], edition_id: int
) -> None:
    await put_projects_on_the_ballot(sessionmaker, edition_id)
    app = App(sessionmaker)
    app.clock.now = DURING_VOTE
    newcomer = app.citizen(2, "en")
    await newcomer.send("/vote")
    await newcomer.click("🌐 Language")
    await newcomer.click("Deutsch")
    await newcomer.click("✅ Ich bin einverstanden")
    assert "Danke!" in newcomer.texts()[-2]
    assert newcomer.last.labels[0] == "✅ Ja, volljährig und ansässig", "the vote, not the menu"


async def test_deposit_pressed_before_consenting_opens_the_form_after(app: App) -> None:
    newcomer = app.citizen(2, "en")
    await newcomer.press("m:deposit:")
    await newcomer.click("✅ I agree")
    assert "🙋 Myself" in newcomer.last.labels


async def test_a_consent_button_sent_before_destinations_still_works(app: App) -> None:
    newcomer = app.citizen(2, "en")
    await newcomer.press("c:agree:en:poster_dinant")
    assert "Thank you! You can now take part." in newcomer.texts()
    [row] = await app.rows(CitizenRow)
    assert row.source == "poster_dinant"
