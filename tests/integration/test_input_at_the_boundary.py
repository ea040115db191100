"""Whatever a citizen sends is stored the same on SQLite and PostgreSQL: characters PostgreSQL
refuses are removed and no text exceeds its column, so a publish never fails on one database
only and leaves the draft stuck."""

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.tables import AttachmentRow, ConversationStateRow, IdeaRow
from tests.support.app import App, consented

LONG_NAME = "plan-" + "x" * 400 + ".pdf"


async def test_nul_characters_and_an_overlong_file_name_are_published_on_both_databases(
    sessionmaker: async_sessionmaker[AsyncSession], edition_id: int
) -> None:
    app = App(sessionmaker)
    citizen = await consented(app)
    await citizen.click("💡 Deposit an idea")
    await citizen.click("✍️ Start my idea")
    await citizen.click("🏢 My organisation")
    await citizen.send("Les Amis\x00 du Verger")
    await citizen.send("We could\x00 plant an orchard")
    await citizen.send("Twenty apple trees\x00 by the school of Jambes.")
    await citizen.click("Skip ⏭")
    await citizen.click("Skip ⏭")
    await citizen.click("Environment and biodiversity")
    await citizen.send_document(LONG_NAME, file_id="doc-long")
    await citizen.click("Done ✔")
    await citizen.send("The association\x00 plants.")
    await citizen.send("Rue de Fer\x00 1, 5000 Namur")
    await citizen.send("12 500")
    await citizen.click("Skip ⏭")
    await citizen.click("✅ Publish")

    [idea] = await app.rows(IdeaRow)
    assert f"Your idea no. {idea.id} has been deposited" in citizen.last.text
    assert (idea.organisation, idea.title, idea.description) == (
        "Les Amis du Verger",
        "We could plant an orchard",
        "Twenty apple trees by the school of Jambes.",
    )
    assert (idea.implementation, idea.address) == (
        "The association plants.",
        "Rue de Fer 1, 5000 Namur",
    )
    [attachment] = await app.rows(AttachmentRow)
    assert attachment.file_name == LONG_NAME[:255]
    assert await app.count(ConversationStateRow) == 0, "no draft left stuck"


async def test_a_draft_holding_nul_characters_survives_a_restart_on_both_databases(
    sessionmaker: async_sessionmaker[AsyncSession], edition_id: int
) -> None:
    app = App(sessionmaker)
    citizen = await consented(app)
    await citizen.click("💡 Deposit an idea")
    await citizen.click("✍️ Start my idea")
    await citizen.click("🙋 Myself")
    await citizen.send("A lone \ud800 half and a \x00 NUL")
    [draft] = await app.drafts()
    assert draft["draft"]["title"] == "A lone  half and a  NUL"
    app.start()
    citizen = app.citizen()
    await citizen.send("/start")
    await citizen.click("✏️ Continue my idea")
    assert "<b>Describe</b> your idea" in citizen.last.text
