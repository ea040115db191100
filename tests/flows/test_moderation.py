"""/pending: moderators publish the submitted ideas, ask their authors for changes or reject
them with a reason; the authors are told in their own language and can change their idea."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.rehearsal.simulator import Citizen
from bot.runtime.callbacks import ModerationButton
from budget.edition_file import parse_edition
from storage.tables import AttachmentRow, AuditRow, IdeaRow, SuggestionRow
from storage.unit_of_work import UnitOfWork
from tests.conftest import EXAMPLE_EDITION
from tests.support.app import (
    STAFF_ID,
    App,
    catalogue,
    change_answer,
    consented,
    deposit_idea,
    publish_everything_pending,
)

MODERATOR_ID = 42


async def pending(app: App) -> Citizen:
    """The admin of the settings, at the first card of /pending."""
    staff = app.simulator.users.get(STAFF_ID) or await consented(app, STAFF_ID)
    await staff.send("/pending")
    return staff


async def second_moderator(app: App) -> Citizen:
    staff = app.simulator.users.get(STAFF_ID) or await consented(app, STAFF_ID)
    await staff.send(f"/staff add {MODERATOR_ID} moderator")
    return await consented(app, MODERATOR_ID)


async def idea(app: App, number: int = 1) -> IdeaRow:
    rows: list[IdeaRow] = await app.rows(IdeaRow)
    return next(row for row in rows if row.id == number)


async def decisions(app: App) -> list[tuple[int, str, str]]:
    return [
        (entry.actor, entry.action, entry.subject)
        for entry in await app.rows(AuditRow)
        if entry.action.startswith(("idea_", "suggestion_"))
    ]


async def test_pending_shows_the_oldest_idea_first_with_everything_its_author_gave(
    app: App,
) -> None:
    author = await deposit_idea(app)
    await change_answer_and_publish_second_idea(author)
    staff = await pending(app)
    card = staff.last.text
    assert "🗂 <b>Idea no. 1</b> · waiting: 1 of 2" in card
    assert "📅 Deposited on 1 December 2026" in card
    assert "<b>We could plant an orchard</b>" in card
    assert "👤 By a citizen, in their own name" in card
    assert "📝 Twenty apple trees by the school of Jambes." in card
    assert "🏷 Theme: Environment and biodiversity" in card
    assert "📎 Documents: 0" in card
    assert "🛠 Implementation: asks for suggestions on how to carry it out" in card
    assert "💶 Estimated cost: €12,500" in card
    assert "🗺 District: not found from the address" in card
    assert staff.last.labels == ["✅ Publish", "✏️ Ask for changes", "⛔ Reject", "Next ⏭"]
    await staff.click("Next ⏭")
    card = staff.last.text
    assert "🗂 <b>Idea no. 2</b> · waiting: 2 of 2" in card
    assert "🏢 By the organisation Les Amis du Verger" in card
    assert "📍 Place: Rue de Fer 12, 5000 Namur" in card
    assert "🗺 District: Namur district" in card
    await staff.click("Next ⏭")
    assert "🗂 <b>Idea no. 1</b>" in staff.last.text, "past the last, the oldest again"


async def change_answer_and_publish_second_idea(author: Citizen) -> None:
    await author.click("💡 Deposit an idea")
    await author.click("✍️ Start my idea")
    await author.click("🏢 My organisation")
    await author.send("Les Amis du Verger")
    await author.send("A cycle lane to the station")
    await author.send("From the citadel to the station.")
    for _ in range(2):
        await author.click("Skip ⏭")
    await author.click("Mobility")
    await author.click("Skip ⏭")
    await author.click("Skip ⏭")
    await author.send("Rue de Fer 12, 5000 Namur")
    await author.send("80 000")
    await author.click("Skip ⏭")
    await author.click("✅ Publish")


async def test_nothing_pending_is_said_so(app: App) -> None:
    staff = await pending(app)
    assert staff.last.text == "✅ Nothing is waiting for moderation."


async def test_publishing_tells_the_author_with_the_ideas_number(app: App) -> None:
    author = await deposit_idea(app)
    staff = await pending(app)
    card = staff.last
    await staff.click("✅ Publish")
    assert card.text == "✅ Idea no. 1 is published. Its author has been told."
    assert card.buttons == [], "the card is replaced: its buttons cannot be pressed again"
    assert staff.last.text == "✅ Nothing is waiting for moderation."
    assert "🎉 <b>Your idea no. 1 is published!</b>" in author.last.text
    assert "“We could plant an orchard”" in author.last.text
    row = await idea(app)
    assert f"https://t.me/pbbot_playground_bot?start=i_{row.share_code}" in author.last.text
    assert (row.status, row.published_at) == ("published", app.clock())
    assert await decisions(app) == [(STAFF_ID, "idea_published", "idea:1")]
    [entry] = [e for e in await app.rows(AuditRow) if e.action == "idea_published"]
    assert (entry.before, entry.after) == ({"status": "submitted"}, {"status": "published"})


async def test_after_a_decision_the_next_idea_comes(app: App) -> None:
    await deposit_idea(app, 1, "We could plant an orchard")
    await deposit_idea(app, 2, "A cycle lane to the station")
    staff = await pending(app)
    await staff.click("✅ Publish")
    assert "🗂 <b>Idea no. 2</b> · waiting: 1 of 1" in staff.last.text
    await staff.click("Next ⏭")
    assert staff.alerts[-1] == "Nothing else is waiting for moderation."


async def test_changes_asked_then_the_author_changes_the_idea_and_it_waits_again(
    app: App,
) -> None:
    author = await deposit_idea(app)
    staff = await pending(app)
    await staff.click("✏️ Ask for changes")
    assert "✏️ Ask for changes to idea no. 1, <b>We could plant an orchard</b>." in (staff.last.text)
    assert staff.last.labels == [
        "Off-topic for the participatory budget",
        "Outside the province's territory",
        "Not a public investment",
        "Insulting or discriminatory content",
        "✍️ Write another reason",
        "⬅ Back to the card",
    ]
    await staff.click("⬅ Back to the card")
    assert "🗂 <b>Idea no. 1</b>" in staff.last.text
    await staff.click("✏️ Ask for changes")
    await staff.click("Outside the province's territory")
    assert "✏️ Changes asked for idea no. 1: <i>Outside the province&#x27;s territory</i>" in (
        staff.shown[-2].text
    )
    row = await idea(app)
    assert (row.status, row.status_reason) == ("changes_asked", "outside_territory")
    told = author.last
    assert "The moderators ask you to change your idea no. 1" in told.text
    # The reason points to the criterion it is about, and says how to adapt the idea.
    assert (
        "Reason: <i>Outside the province&#x27;s territory "
        "(criterion: On public land in the province). The budget only pays"
    ) in told.text

    await author.click("✏️ Change idea no. 1", told)
    assert "✏️ <b>Your idea no. 1, with your changes</b>" in author.last.text
    assert "⬅ Back" not in author.last.labels
    await change_answer(author, "Place")
    await author.send("Place d'Armes 1, Namur")
    await change_answer(author, "Documents")
    await author.send_document("plan.pdf")
    await author.click("Done ✔")
    await author.click("✅ Send my changes")
    assert "✅ <b>Idea no. 1 is updated.</b>" in author.last.text

    [row] = await app.rows(IdeaRow)
    assert (row.status, row.address, row.district) == (
        "submitted",
        "Place d'Armes 1, Namur",
        "namur",
    )
    assert [a.file_name for a in await app.rows(AttachmentRow)] == ["plan.pdf"]
    assert "↩️ The author of idea no. 1" in staff.last.text, "who asked is told"
    await staff.send("/pending")
    card = staff.last.text
    assert "↩️ Changed by its author after changes were asked" in card
    assert "🗺 District: Namur district" in card
    assert "📎 Documents: 1" in card
    await staff.click("✅ Publish")
    assert (await idea(app)).status_reason is None


async def test_an_idea_still_waiting_can_be_changed_and_the_change_survives_a_restart(
    app: App,
) -> None:
    author = await deposit_idea(app)
    await author.send("/myideas")
    assert "⏳ Waiting for moderation" in author.last.text
    await author.click("✏️ Change idea no. 1")
    await change_answer(author, "Title")
    await author.send("We could plant a bigger orchard")

    app.start()
    again = app.citizen(1)
    await again.send("/start")
    await again.click("✏️ Continue my idea")
    assert "<b>We could plant a bigger orchard</b>" in again.last.text
    await again.click("✅ Send my changes")
    [row] = await app.rows(IdeaRow)
    assert (row.title, row.status) == ("We could plant a bigger orchard", "submitted")


async def test_dropping_changes_keeps_the_idea_as_it_was(app: App) -> None:
    author = await deposit_idea(app)
    await author.send("/myideas")
    await author.click("✏️ Change idea no. 1")
    await change_answer(author, "Title")
    await author.send("Something else entirely")
    await author.click("✖ Cancel")
    assert author.last.text == "Drop your changes? Idea no. 1 stays as it was."
    await author.click("🗑 Yes, drop my changes")
    assert "idea no. 1 stays as it was" in author.last.text
    assert (await idea(app)).title == "We could plant an orchard"


async def test_an_idea_published_meanwhile_can_no_longer_be_changed(app: App) -> None:
    author = await deposit_idea(app)
    await author.send("/myideas")
    my_ideas = author.last
    await author.click("✏️ Change idea no. 1")
    await change_answer(author, "Title")
    await author.send("A title the moderator never saw")
    await publish_everything_pending(app)
    await author.click("✅ Send my changes")
    assert "Idea no. 1 can no longer be changed: ✅ Published." in author.texts()
    assert (await idea(app)).title == "We could plant an orchard"
    await author.click("✏️ Change idea no. 1", my_ideas)
    assert author.alerts[-1] == "Idea no. 1 can no longer be changed: ✅ Published."
    await author.send("/myideas")
    assert "✏️ Change idea no. 1" not in author.last.labels


async def change_title(author: Citizen, title: str) -> None:
    await author.send("/myideas")
    await author.click("✏️ Change idea no. 1")
    await change_answer(author, "Title")
    await author.send(title)
    await author.click("✅ Send my changes")


async def test_an_idea_changed_after_its_card_was_opened_is_not_decided_unseen(
    app: App,
) -> None:
    author = await deposit_idea(app)
    staff = await pending(app)
    card = staff.last
    await change_title(author, "A title the moderator never saw")
    await staff.click("✅ Publish", card)
    assert staff.alerts[-1] == (
        "✏️ Its author changed idea no. 1 since you opened it: nothing was decided. "
        "Here it is as it is now."
    )
    assert "<b>A title the moderator never saw</b>" in staff.last.text
    assert (await idea(app)).status == "submitted"
    assert await decisions(app) == []
    assert not [text for text in author.texts() if "is published!" in text]
    await staff.click("✅ Publish")
    row = await idea(app)
    assert (row.status, row.title) == ("published", "A title the moderator never saw")


async def test_a_reason_chosen_or_written_for_an_idea_changed_since_decides_nothing(
    app: App,
) -> None:
    author = await deposit_idea(app)
    staff = await pending(app)
    await staff.click("⛔ Reject")
    reasons = staff.last
    await change_title(author, "A second version")
    await staff.click("Insulting or discriminatory content", reasons)
    assert staff.alerts[-1].startswith("✏️ Its author changed idea no. 1")
    assert "<b>A second version</b>" in staff.last.text
    assert (await idea(app)).status == "submitted"

    await staff.click("✏️ Ask for changes")
    await staff.click("✍️ Write another reason")
    await staff.send("Please say where exactly.")
    await change_title(author, "A third version")
    await staff.click("✏️ Ask for these changes")
    assert staff.alerts[-1].startswith("✏️ Its author changed idea no. 1")
    assert "<b>A third version</b>" in staff.last.text
    assert (await idea(app)).status == "submitted"
    assert await decisions(app) == []


async def test_the_longest_moderation_button_fits_telegrams_64_bytes() -> None:
    edition = parse_edition(EXAMPLE_EDITION.read_text(encoding="utf-8"))
    for reason in edition.moderation_reasons:
        for decision in ("changes", "reject"):
            packed = ModerationButton(
                action="decide",
                kind="suggestion",
                item=2**31 - 1,
                arg=f"{decision}.{reason.code}",
                version="abcdef",
            ).pack()
            assert len(packed.encode()) <= 64


async def test_rejecting_with_a_listed_reason_tells_the_author_why(app: App) -> None:
    author = await deposit_idea(app)
    staff = await pending(app)
    await staff.click("⛔ Reject")
    await staff.click("Insulting or discriminatory content")
    row = await idea(app)
    assert (row.status, row.status_reason) == ("rejected", "offensive")
    assert "<b>Your idea no. 1, “We could plant an orchard”, will not be published.</b>" in (
        author.last.text
    )
    assert "Reason: <i>Insulting or discriminatory content</i>" in author.last.text
    assert "budget.participatif@province.namur.example" in author.last.text
    await author.send("/myideas")
    assert "⛔ Rejected by moderation" in author.last.text
    assert "Reason: <i>Insulting or discriminatory content</i>" in author.last.text
    assert not [label for label in author.last.labels if label.startswith("✏️ Change")]
    assert await decisions(app) == [(STAFF_ID, "idea_rejected", "idea:1")]


async def test_rejecting_with_a_written_reason_checks_it_first(app: App) -> None:
    author = await deposit_idea(app)
    staff = await pending(app)
    await staff.click("⛔ Reject")
    await staff.click("✍️ Write another reason")
    assert "why idea no. 1 is rejected (at most 500 characters)" in staff.last.text
    await staff.send_photo()
    assert staff.last.text == "Please write the reason as a text message."
    await staff.send("x" * 501)
    assert staff.last.text == "That is 501 characters; the limit is 500. Please shorten it."
    assert (await idea(app)).status == "submitted"
    await staff.send("The municipality plants an orchard there in 2027.")
    assert "<i>The municipality plants an orchard there in 2027.</i>" in staff.last.text
    await staff.send("The municipality <already> plants this orchard in 2027.")
    assert "will read why it is rejected:\n<i>The municipality &lt;already&gt;" in staff.last.text
    assert (await idea(app)).status == "submitted", "not before the moderator confirms"
    await staff.click("⛔ Reject with this reason")
    row = await idea(app)
    assert (row.status, row.status_reason) == (
        "rejected",
        "The municipality <already> plants this orchard in 2027.",
    )
    assert "Reason: <i>The municipality &lt;already&gt; plants this orchard in 2027.</i>" in (
        author.last.text
    )
    await staff.send("Another message")
    assert "will read" not in staff.last.text, "a message after the decision is no reason"


async def test_going_back_from_a_written_reason_leaves_the_idea_waiting(app: App) -> None:
    await deposit_idea(app)
    staff = await pending(app)
    await staff.click("✏️ Ask for changes")
    await staff.click("✍️ Write another reason")
    await staff.send("Please say where exactly.")
    [confirm] = [b.callback_data for row in staff.last.buttons for b in row][:1]
    await staff.click("⬅ Back to the card")
    await staff.send("This is not a reason any more")
    assert "will read" not in staff.last.text
    await staff.press(confirm or "")
    assert staff.alerts[-1] == "This button is not valid any more."
    assert (await idea(app)).status == "submitted"


async def test_a_french_author_is_told_in_french(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    # The moderation messages are translated after they are written; until French has them,
    # the test brings its own translation of the one it reads.
    monkeypatch.setitem(
        catalogue("fr"),
        "moderation.author.reject",
        "Votre idée n° {number} ne sera pas publiée : {reason}",
    )
    await deposit_idea(app)
    async with UnitOfWork(app.sessionmaker) as uow:
        citizen = await uow.citizens.by_telegram_id(1)
        assert citizen is not None
        await uow.citizens.set_language(citizen, "fr")
        await uow.commit()
    author = app.citizen(1, "fr")
    staff = await pending(app)
    await staff.click("⛔ Reject")
    await staff.click("Off-topic for the participatory budget")
    assert (
        author.last.text
        == "Votre idée n° 1 ne sera pas publiée : Hors sujet pour le budget participatif"
    )
    assert "Off-topic for the participatory budget" in staff.shown[-2].text


async def test_a_citizen_typing_pending_gets_the_unknown_command_answer(app: App) -> None:
    await deposit_idea(app)
    citizen = await consented(app, 7)
    await citizen.send("/pending")
    assert citizen.shown[-2].text == "I do not know this command."
    assert "Idea no. 1" not in citizen.last.text


async def test_a_forged_moderation_button_from_a_citizen_changes_nothing_and_is_audited(
    app: App,
) -> None:
    author = await deposit_idea(app)
    forged = ModerationButton(action="decide", kind="idea", item=1, arg="publish").pack()
    await author.press(forged)
    assert author.alerts[-1] == "This button is not valid any more."
    assert (await idea(app)).status == "submitted"
    [entry] = await app.rows(AuditRow)
    assert (entry.actor, entry.action, entry.subject) == (1, "refused_button", "idea:1")


async def test_a_button_naming_another_editions_idea_or_reason_changes_nothing(app: App) -> None:
    await deposit_idea(app)
    source = EXAMPLE_EDITION.read_text(encoding="utf-8").replace('slug = "namur"', 'slug = "old"')
    async with UnitOfWork(app.sessionmaker) as uow:
        older = await uow.editions.save(source, datetime.now(UTC) - timedelta(days=400))
        citizen = await uow.citizens.by_telegram_id(1)
        assert citizen is not None
        elsewhere = IdeaRow(
            edition_id=older.id,
            citizen_id=citizen.id,
            status="submitted",
            author_kind="myself",
            title="Elsewhere",
            description="-",
            theme="mobility",
            budget_cents=100,
            submitted_at=datetime.now(UTC),
        )
        uow.session.add(elsewhere)
        await uow.commit()
    staff = await pending(app)
    for kind, number, arg in [
        ("idea", elsewhere.id, "publish"),
        ("idea", 1, "reject.no_such_reason"),
        ("idea", 1, "reject"),
        ("comment", 1, "publish"),
    ]:
        await staff.press(ModerationButton(action="decide", kind=kind, item=number, arg=arg).pack())
        assert staff.alerts[-1] == "This button is not valid any more."
    assert {row.status for row in await app.rows(IdeaRow)} == {"submitted"}


async def test_a_moderation_button_naming_a_number_past_the_database_is_refused(
    app: App,
) -> None:
    await deposit_idea(app)
    staff = await pending(app)
    for action, arg in [("card", ""), ("reasons", "reject"), ("write", "reject"), ("next", "")]:
        forged = ModerationButton(action=action, kind="idea", item=10**20, arg=arg)
        await staff.press(forged.pack())
        assert staff.alerts[-1] == "This button is not valid any more.", action
    assert (await idea(app)).status == "submitted"


async def test_a_card_pressed_again_or_by_a_second_moderator_says_who_decided(app: App) -> None:
    author = await deposit_idea(app)
    other = await second_moderator(app)
    await other.send("/pending")
    their_card = other.last
    staff = await pending(app)
    card = staff.last
    pressed = next(b for row in card.buttons for b in row if b.text == "✅ Publish")
    await staff.click("✅ Publish")
    await staff.press(pressed.callback_data or "", card)
    assert staff.alerts[-1] == "Idea no. 1 was already handled: ✅ Published. You did it."
    await other.click("⛔ Reject", their_card)
    assert other.alerts[-1] == f"Idea no. 1 was already handled: ✅ Published. Done by {STAFF_ID}."
    assert (await idea(app)).status == "published"
    assert await decisions(app) == [(STAFF_ID, "idea_published", "idea:1")]
    assert len([text for text in author.texts() if "is published!" in text]) == 1


async def test_a_long_answer_comes_in_full_above_the_card(app: App) -> None:
    author = await consented(app)
    await author.click("💡 Deposit an idea")
    await author.click("✍️ Start my idea")
    await author.click("🙋 Myself")
    await author.send("We could plant an orchard")
    await author.send("Apple trees. " * 100)
    for label in ("Skip ⏭", "Skip ⏭", "Environment and biodiversity"):
        await author.click(label)
    for _ in range(3):
        await author.click("Skip ⏭")
    await author.send("12 500")
    await author.click("Skip ⏭")
    await author.click("✅ Publish")
    staff = await pending(app)
    in_full, card = staff.shown[-2:]
    assert in_full.text.startswith("📄 <b>Description</b> of idea no. 1, in full:\n")
    assert in_full.text.endswith("Apple trees. Apple trees.")
    assert "… <i>(in full above)</i>" in card.text
    assert len(card.text) < 4096


async def test_suggestions_come_after_the_ideas_and_their_authors_are_told(app: App) -> None:
    author = await deposit_idea(app)
    await publish_everything_pending(app)
    suggester = await consented(app, 5)
    async with UnitOfWork(app.sessionmaker) as uow:
        citizen = await uow.citizens.by_telegram_id(5)
        assert citizen is not None
        for text in ("Plant old local varieties.", "Buy my apples instead!"):
            uow.session.add(
                SuggestionRow(
                    idea_id=1, citizen_id=citizen.id, text=text, status="submitted", at=app.clock()
                )
            )
        await uow.commit()
    await deposit_idea(app, 3, "A cycle lane to the station")
    staff = await pending(app)
    assert "🗂 <b>Idea no. 2</b> · waiting: 1 of 3" in staff.last.text
    await staff.click("Next ⏭")
    card = staff.last.text
    assert "💬 <b>Suggestion</b> · waiting: 2 of 3" in card
    assert "For idea no. 1: <b>We could plant an orchard</b>" in card
    assert "Plant old local varieties." in card
    assert staff.last.labels == ["✅ Publish", "⛔ Reject", "Next ⏭"]
    await staff.click("✅ Publish")
    assert "💬 <b>A suggestion for your idea no. 1</b>" in author.last.text
    assert "Plant old local varieties." in author.last.text
    assert "has been passed on to its author" in suggester.last.text
    assert "Buy my apples instead!" in staff.last.text
    await staff.click("⛔ Reject")
    assert "was not accepted by the moderators" in suggester.last.text
    assert "Buy my apples" not in " ".join(author.texts())
    assert [row.status for row in await app.rows(SuggestionRow)] == ["published", "rejected"]
    assert await decisions(app) == [
        (STAFF_ID, "idea_published", "idea:1"),
        (STAFF_ID, "suggestion_published", "suggestion:1"),
        (STAFF_ID, "suggestion_rejected", "suggestion:2"),
    ]


async def deposit_at(app: App, user_id: int, latitude: float, longitude: float) -> None:
    """An idea whose place is a location shared from the citizen's phone."""
    citizen = await consented(app, user_id)
    await citizen.click("💡 Deposit an idea")
    await citizen.click("✍️ Start my idea")
    await citizen.click("🙋 Myself")
    await citizen.send(f"A bench at {latitude}")
    await citizen.send("Somewhere to sit in the shade.")
    await citizen.click("Skip ⏭")
    await citizen.click("Skip ⏭")
    await citizen.click("Environment and biodiversity")
    await citizen.click("Skip ⏭")
    await citizen.click("Skip ⏭")
    await citizen.send_location(latitude, longitude)
    await citizen.send("800")
    await citizen.click("Skip ⏭")
    await citizen.click("✅ Publish")


async def test_the_district_is_found_from_a_shared_location_too(app: App) -> None:
    await deposit_at(app, 1, 50.0561, 4.4911)  # the centre of Couvin
    await deposit_at(app, 2, 50.4685, 4.8722)  # Namur's railway station
    await deposit_at(app, 3, 50.8467, 4.3525)  # Brussels' Grand-Place, outside the province
    staff = await pending(app)
    assert "🗺 District: Philippeville district" in staff.last.text
    await staff.click("Next ⏭")
    assert "🗺 District: Namur district" in staff.last.text
    await staff.click("Next ⏭")
    assert "🗺 District: not found from the address" in staff.last.text
    districts = {row.title: row.district for row in await app.rows(IdeaRow)}
    assert districts == {
        "A bench at 50.0561": "philippeville",
        "A bench at 50.4685": "namur",
        "A bench at 50.8467": None,
    }


async def test_a_moderator_opens_the_documents_and_photos_before_publishing(app: App) -> None:
    author = await consented(app, 1)
    await author.click("💡 Deposit an idea")
    await author.click("✍️ Start my idea")
    await author.click("🙋 Myself")
    await author.send("We could plant an orchard")
    await author.send("Twenty apple trees by the school of Jambes.")
    await author.click("Skip ⏭")
    await author.click("Skip ⏭")
    await author.click("Environment and biodiversity")
    await author.send_document("plan.pdf")
    await author.send_photo("site-photo")
    await author.click("Done ✔")
    await author.click("Skip ⏭")
    await author.click("Skip ⏭")
    await author.send("12 500")
    await author.click("Skip ⏭")
    await author.click("✅ Publish")
    staff = await pending(app)
    assert "📎 Documents: 2" in staff.last.text
    await staff.click("📎 Show the documents (2)")
    document, photo = staff.shown[-2:]
    assert (document.document, photo.photo) == ("doc-plan.pdf", "site-photo")
    [row] = await app.rows(IdeaRow)
    assert row.status == "submitted", "looking changes nothing"

    forged = ModerationButton(action="files", kind="idea", item=row.id).pack()
    await author.press(forged)
    assert all(shown.document is None for shown in author.shown[-2:])
