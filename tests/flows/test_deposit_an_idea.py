"""A citizen deposits an idea from the chat, one question at a time."""

import pytest
from aiogram.methods import SendMessage, SendPhoto

from storage.tables import AttachmentRow, ConversationStateRow, IdeaRow
from tests.support.app import (
    STAFF_ID,
    App,
    at_preview,
    at_title,
    change_answer,
    consented,
)


async def test_a_citizen_deposits_a_complete_idea_and_gets_its_number_and_a_link(app: App) -> None:
    citizen = await consented(app)
    await citizen.click("💡 Deposit an idea")
    await citizen.click("✍️ Start my idea")
    await citizen.click("🏢 My organisation")
    assert "name of your organisation" in citizen.last.text
    await citizen.send("Les Amis du Verger")
    await citizen.send("We could plant an orchard")
    await citizen.send("Twenty apple trees by the school of Jambes.")
    await citizen.send("Teach children where fruit comes from.")
    await citizen.send("The 300 pupils and the neighbours.")
    await citizen.click("Environment and biodiversity")
    await citizen.send_document("plan.pdf")
    await citizen.send_document("quote.pdf")
    assert "Documents received: 2" in citizen.last.text
    await citizen.click("Done ✔")
    await citizen.send("The association plants; the commune waters.")
    await citizen.send_location(50.4542, 4.8721)
    await citizen.send("12 500,50")
    await citizen.send_photo("orchard-photo")

    preview = citizen.last
    assert preview.photo == "orchard-photo"
    for shown in (
        "We could plant an orchard",
        "Deposited by Les Amis du Verger",
        "Teach children where fruit comes from.",
        "The 300 pupils and the neighbours.",
        "Theme: Environment and biodiversity",
        "Documents: 2",
        "The association plants; the commune waters.",
        "shared location (50.45420, 4.87210)",
        "€12,500.50",
    ):
        assert shown in preview.text
    await citizen.click("✅ Publish")

    [idea] = await app.rows(IdeaRow)
    assert (idea.status, idea.author_kind, idea.organisation) == (
        "submitted",
        "organisation",
        "Les Amis du Verger",
    )
    assert (idea.title, idea.theme, idea.budget_cents) == (
        "We could plant an orchard",
        "environment",
        1250050,
    )
    assert (idea.latitude, idea.longitude, idea.address) == (50.4542, 4.8721, None)
    assert idea.image_file_id == "orchard-photo"
    attachments = await app.rows(AttachmentRow)
    assert [(a.position, a.file_id, a.file_name) for a in attachments] == [
        (0, "doc-plan.pdf", "plan.pdf"),
        (1, "doc-quote.pdf", "quote.pdf"),
    ]
    confirmation = citizen.last.text
    assert f"Your idea no. {idea.id} has been deposited" in confirmation
    assert f"https://t.me/pbbot_playground_bot?start=i_{idea.share_code}" in confirmation
    assert "📣 Share my idea" in citizen.last.labels
    assert await app.count(ConversationStateRow) == 0, "the draft is gone once published"


async def test_staff_are_told_of_each_new_idea_in_their_language(app: App) -> None:
    staff = await consented(app, STAFF_ID, "fr")
    citizen = await at_preview(app)
    await citizen.click("✅ Publish")
    [notice] = [
        m for m in app.sent_to(STAFF_ID) if isinstance(m, SendMessage) and "Nouvelle idée" in m.text
    ]
    assert "Nouvelle idée n° 1 : <b>We could plant an orchard</b>" in notice.text
    assert "Environnement et biodiversité · 12\u202f500\xa0€" in notice.text
    assert staff.last.text == notice.text


async def test_moderators_named_in_the_chat_are_told_of_new_ideas_too(app: App) -> None:
    admin = await consented(app, STAFF_ID)
    await admin.send("/staff add 77 moderator")
    moderator = await consented(app, 77, "nl")
    citizen = await at_preview(app)
    await citizen.click("✅ Publish")
    assert moderator.last.text.startswith("🆕 Nieuw idee nr. 1: <b>We could plant an orchard</b>")


async def test_an_idea_for_someone_else_asks_for_their_name(app: App) -> None:
    citizen = await consented(app)
    await citizen.click("💡 Deposit an idea")
    await citizen.click("✍️ Start my idea")
    await citizen.click("🤝 Someone else")
    assert "For whom are you depositing it?" in citizen.last.text
    await citizen.send("Mrs Dupont")
    assert "title" in citizen.last.text


async def test_a_skipped_implementation_makes_the_idea_ask_for_suggestions(app: App) -> None:
    citizen = await at_preview(app)
    assert "Implementation: asks for suggestions on how to carry it out" in citizen.last.text
    await citizen.click("✅ Publish")
    [idea] = await app.rows(IdeaRow)
    assert idea.implementation is None


async def test_a_typed_address_is_kept_as_the_place(app: App) -> None:
    citizen = await at_preview(app)
    await change_answer(citizen, "Place")
    await citizen.send("Rue de l'École 3, 5100 Jambes")
    assert "Place: Rue de l&#x27;École 3, 5100 Jambes" in citizen.last.text
    await citizen.click("✅ Publish")
    [idea] = await app.rows(IdeaRow)
    assert (idea.address, idea.latitude) == ("Rue de l'École 3, 5100 Jambes", None)


async def test_a_theme_can_also_be_typed_by_its_name(app: App) -> None:
    citizen = await at_title(app)
    await citizen.send("A cycle lane")
    await citizen.send("From Jambes to the station.")
    await citizen.click("Skip ⏭")
    await citizen.click("Skip ⏭")
    await citizen.send("mobility")
    assert "documents" in citizen.last.text


@pytest.mark.parametrize(
    ("typed", "cents"),
    [("12500", 1250000), ("12 500", 1250000), ("12.500 €", 1250000), ("12 500,50", 1250050)],
)
async def test_the_budget_is_read_as_citizens_write_it(app: App, typed: str, cents: int) -> None:
    citizen = await at_preview(app)
    await change_answer(citizen, "Cost")
    await citizen.send(typed)
    await citizen.click("✅ Publish")
    [idea] = await app.rows(IdeaRow)
    assert idea.budget_cents == cents


async def test_the_preview_can_change_one_answer_and_comes_back(app: App) -> None:
    citizen = await at_preview(app)
    await change_answer(citizen, "Title")
    assert "Current answer: We could plant an orchard" in citizen.last.text
    await citizen.send("We could plant two orchards")
    assert "Preview of your idea" in citizen.last.text
    assert "<b>We could plant two orchards</b>" in citizen.last.text
    await citizen.click("✅ Publish")
    [idea] = await app.rows(IdeaRow)
    assert idea.title == "We could plant two orchards"


async def test_changing_the_author_to_an_organisation_asks_its_name_then_the_preview(
    app: App,
) -> None:
    citizen = await at_preview(app)
    await change_answer(citizen, "Author")
    await citizen.click("🏢 My organisation")
    await citizen.send("Namur Cyclistes")
    assert "Deposited by Namur Cyclistes" in citizen.last.text


async def test_back_returns_to_the_previous_question_showing_the_answer_to_keep(app: App) -> None:
    citizen = await at_title(app)
    await citizen.send("We could plant an orchard")
    await citizen.click("⬅ Back")
    assert "title" in citizen.last.text
    assert "Current answer: We could plant an orchard" in citizen.last.text
    await citizen.click("Keep ✔")
    assert "Describe" in citizen.last.text


async def test_cancel_asks_first_and_only_then_deletes_the_draft(app: App) -> None:
    citizen = await at_title(app)
    await citizen.send("We could plant an orchard")
    await citizen.click("✖ Cancel")
    assert "Delete this draft?" in citizen.last.text
    await citizen.click("No, continue")
    assert "Describe" in citizen.last.text
    await citizen.click("✖ Cancel")
    await citizen.click("🗑 Yes, delete my draft")
    assert "Your draft has been deleted." in citizen.last.text
    assert await app.count(ConversationStateRow) == 0
    await citizen.click("🏠 Menu")
    assert "💡 Deposit an idea" in citizen.last.labels


async def test_the_form_speaks_the_citizens_language_with_local_amounts(app: App) -> None:
    citizen = app.citizen(7, "nl")
    await citizen.send("/start")
    await citizen.click("✅ Ik ga akkoord")
    await citizen.click("💡 Een idee indienen")
    await citizen.click("✍️ Mijn idee beginnen")
    await citizen.click("🙋 Ikzelf")
    await citizen.send("Een boomgaard")
    await citizen.send("Twintig appelbomen.")
    await citizen.click("Overslaan ⏭")
    await citizen.click("Overslaan ⏭")
    await citizen.click("Milieu en biodiversiteit")
    await citizen.click("Overslaan ⏭")
    await citizen.click("Overslaan ⏭")
    await citizen.click("Overslaan ⏭")
    assert "€\xa0200.000" in citizen.last.text, "the envelope in nl_BE"
    await citizen.send("12 500")
    await citizen.click("Overslaan ⏭")
    assert "€\xa012.500" in citizen.last.text


async def test_the_preview_card_and_messages_are_sent_as_html(app: App) -> None:
    await at_preview(app)
    method = app.simulator.session.requests[-1]
    assert isinstance(method, SendMessage | SendPhoto)
    assert method.parse_mode == "HTML"


async def test_when_publishing_fails_the_citizen_is_told_and_the_draft_is_kept(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    citizen = await at_preview(app)

    async def broken_submit(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr("storage.ideas.Ideas.submit", broken_submit)
    with pytest.raises(RuntimeError):
        await citizen.click("✅ Publish")
    assert citizen.last.text == "Sorry, something went wrong on our side. Please try again."
    assert await app.count(IdeaRow) == 0
    monkeypatch.undo()
    await citizen.send("/start")
    await citizen.click("✏️ Continue my idea")
    assert "Preview of your idea" in citizen.last.text
    await citizen.click("✅ Publish")
    assert await app.count(IdeaRow) == 1


async def test_the_question_counter_is_the_same_whoever_deposits(app: App) -> None:
    organisation = await consented(app, 1)
    await organisation.click("💡 Deposit an idea")
    await organisation.click("✍️ Start my idea")
    assert "Question 1 of 11" in organisation.last.text
    await organisation.click("🏢 My organisation")
    assert "of 11" in organisation.last.text, "the organisation's name completes question 1"
    await organisation.send("Les Amis du Verger")
    assert "Question 2 of 11" in organisation.last.text
    citizen = await at_title(app, 2)
    assert "Question 2 of 11" in citizen.last.text


async def test_documents_sent_are_kept_unless_removed_by_a_button_that_says_so(app: App) -> None:
    citizen = await at_preview(app)
    await change_answer(citizen, "Documents")
    await citizen.send_document("plan.pdf")
    assert "Leave empty" not in citizen.last.labels
    await citizen.click("Done ✔")
    assert "📎 Documents: 1" in citizen.last.text
    await change_answer(citizen, "Documents")
    assert "Leave empty" not in citizen.last.labels
    await citizen.click("🗑 Remove these documents")
    assert "📎 Documents: 0" in citizen.last.text
