"""Staff send the complementary form to authors, who answer it one question at a time; staff see
who answered, and authors who have not are reminded two days before the deadline."""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from pathlib import Path

import pytest
from aiogram.methods import SendDocument
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from typer.testing import CliRunner

from bot.cli.follow_ups import followup_app, inert
from bot.handlers.questionnaires import answers_for_card
from bot.rehearsal.simulator import Citizen
from bot.runtime.callbacks import FollowUpButton
from bot.runtime.i18n import create_i18n
from bot.runtime.render import Renderer
from conversations.follow_up_form import deadline_of
from storage.database import create_engine, create_sessionmaker
from storage.tables import AuditRow, FollowUpRow
from storage.unit_of_work import UnitOfWork
from tests.support.app import (
    BRUSSELS,
    STAFF_ID,
    App,
    change_edition,
    consented,
    idea_in_status,
    remind_follow_ups,
)

# The example's questionnaire asks text, yes/no, an amount, a choice and a document; a number
# is added at its end.
NUMBER_QUESTION = """
[[questionnaires.questions]]
code = "people"
kind = "number"
required = false

[questionnaires.questions.text]
fr = "Combien de personnes ?"
nl = "Hoeveel mensen?"
de = "Wie viele Menschen?"
en = "How many people would take part?"

[vote]"""
SEND = "✅ Send my answers"
AFTER_THE_DEADLINE = datetime(2027, 4, 1, 9, tzinfo=BRUSSELS)


@pytest.fixture
async def app(sessionmaker: async_sessionmaker[AsyncSession], edition_id: int) -> App:
    """Three ideas: two published (by citizens 1 and 2), one waiting for moderation (3)."""
    await change_edition(sessionmaker, ("\n[vote]", NUMBER_QUESTION))
    for author, title, status in [
        (1, "We could plant an orchard", "published"),
        (2, "A repair café in Couvin", "published"),
        (3, "Benches along the Meuse", "submitted"),
    ]:
        await idea_in_status(sessionmaker, edition_id, author, title, status)
    app = App(sessionmaker)
    for author in (1, 2, 3):
        app.citizen(author)
    return app


def author_of(app: App, idea: int) -> Citizen:
    """The author of idea 1, 2 or 3 (each deposited one), as the tests follow them."""
    return app.simulator.users[idea]


async def staff_member(app: App) -> Citizen:
    return await consented(app, STAFF_ID)


def card_button(idea: int, action: str = "send") -> str:
    return FollowUpButton(action=action, idea=idea, questionnaire="complement").pack()


async def invited(app: App, idea: int = 1) -> Citizen:
    """The author of `idea` got the complementary form from the staff idea card."""
    author = author_of(app, idea)
    staff = await staff_member(app)
    await staff.press(card_button(idea))
    return author


# The first five questions answered, the way an author would.
ANSWERS = [
    ("type", "Me and the neighbours"),
    ("click", "✅ Yes"),
    ("type", "12 500"),
    ("click", "6 to 12 months"),
    ("document", "quote.pdf"),
]


async def at_question(app: App, number: int) -> Citizen:
    """The author of idea 1, who answered the questions before `number`."""
    author = await invited(app)
    await author.click("✍️ Answer now")
    for how, what in ANSWERS[: number - 1]:
        if how == "click":
            await author.click(what)
        elif how == "document":
            await author.send_document(what)
        else:
            await author.send(what)
    assert f"Question {number} of 6" in author.last.text
    return author


async def at_summary(app: App) -> Citizen:
    author = await at_question(app, 6)
    await author.send("25")
    return author


async def follow_ups(app: App) -> dict[int, FollowUpRow]:
    return {row.idea_id: row for row in await app.rows(FollowUpRow)}


# -- the author answers ---------------------------------------------------------------------


async def test_the_author_is_told_which_idea_which_form_and_until_when(app: App) -> None:
    author = await invited(app)
    staff = app.simulator.users[STAFF_ID]
    assert staff.last.text == (
        "📋 Complementary form sent to the author of idea no. 1. Answers expected by 31 March 2027."
    )
    invitation = author.last.text
    assert "<b>Complementary form</b>" in invitation
    assert "your idea no. 1 “We could plant an orchard”" in invitation
    assert "Please answer by <b>31 March 2027</b>." in invitation
    assert author.last.labels == ["✍️ Answer now"]
    [audit] = [row for row in await app.rows(AuditRow) if row.action == "followup_sent"]
    assert (audit.actor, audit.subject) == (STAFF_ID, "idea:1")
    assert audit.after == {"questionnaire": "complement", "last_day": "2027-03-31"}


async def test_every_kind_of_question_is_answered_checked_and_sent(app: App) -> None:
    author = await invited(app)
    await author.click("✍️ Answer now")
    assert "Questions: 6." in author.shown[-2].text
    assert "<b>Who will carry out the project on the ground?</b>" in author.last.text
    await author.send("Me and the neighbours")
    assert author.last.labels == ["✅ Yes", "❌ No", "⬅ Back", "⏸ Finish later"]
    await author.click("✅ Yes")
    assert "Type an amount in euros" in author.last.text
    await author.send("12 500")
    assert "<i>Optional.</i>" in author.last.text
    await author.click("6 to 12 months")
    await author.send_document("quote.pdf")
    assert "How many people would take part?" in author.last.text
    await author.send("25")
    summary = author.last.text
    assert "<b>Is the land or building concerned public property?</b>\n✅ Yes" in summary
    assert "€12,500" in summary
    assert "6 to 12 months" in summary
    assert "📎 quote.pdf" in summary
    assert "<b>How many people would take part?</b>\n25" in summary
    await author.click(SEND)
    assert author.last.text.startswith("🙏 Thank you! Your answers to the Complementary form")
    [row] = await app.rows(FollowUpRow)
    assert row.answered_at is not None
    assert row.answers == {
        "carrier": "Me and the neighbours",
        "land": True,
        "cost": 1_250_000,
        "duration": 1,
        "quote": {"kind": "document", "file_id": "doc-quote.pdf", "name": "quote.pdf"},
        "people": 25,
    }


async def test_the_staff_member_who_sent_it_gets_the_answers_and_the_documents(app: App) -> None:
    author = await at_summary(app)
    await author.click(SEND)
    staff = app.simulator.users[STAFF_ID]
    told = [shown.text for shown in staff.shown]
    assert any(
        text.startswith("📋 The author of idea no. 1 “We could plant an orchard” answered")
        and "• Who will carry out the project on the ground?: Me and the neighbours" in text
        for text in told
    )
    [document] = [
        method for method in app.simulator.session.requests if isinstance(method, SendDocument)
    ]
    assert (document.chat_id, document.document) == (STAFF_ID, "doc-quote.pdf")
    assert document.caption == "📎 Idea no. 1: Do you have a quote? Send it here."


async def test_a_long_answer_is_shortened_in_the_summary_and_sent_whole_to_staff(
    app: App,
) -> None:
    author = await invited(app)
    await author.click("✍️ Answer now")
    carrier = "The association of neighbours, " * 32  # 991 characters, once trimmed
    await author.send(carrier)
    await author.click("✅ Yes")
    await author.send("12 500")
    await author.click("Skip ⏭")
    await author.click("Skip ⏭")
    await author.click("Skip ⏭")
    shortened = ("The association of neighbours, " * 10)[:299] + "…"
    assert f"<b>Who will carry out the project on the ground?</b>\n{shortened}\n" in (
        author.last.text
    )
    await author.click(SEND)
    [row] = await app.rows(FollowUpRow)
    assert row.answers["carrier"] == carrier.strip()
    staff = app.simulator.users[STAFF_ID]
    assert any(carrier.strip() in shown.text for shown in staff.shown)


async def test_optional_questions_are_skipped_and_back_shows_the_answer_given(app: App) -> None:
    author = await at_question(app, 4)
    await author.click("Skip ⏭")
    assert "Question 5 of 6" in author.last.text
    await author.click("⬅ Back")
    assert "Question 4 of 6" in author.last.text
    await author.click("⬅ Back")
    assert "Current answer: €12,500" in author.last.text
    await author.click("Keep ✔")
    await author.click("Skip ⏭")
    await author.click("Skip ⏭")
    await author.click("Skip ⏭")
    assert "<b>How long would it take to carry out?</b>\n—" in author.last.text
    await author.click(SEND)
    [row] = await app.rows(FollowUpRow)
    assert set(row.answers) == {"carrier", "land", "cost"}


@pytest.mark.parametrize(
    ("question", "send", "refusal"),
    [
        (1, lambda author: author.send_photo(), "Please answer with text."),
        (1, lambda author: author.send("x" * 1001), "That is 1,001 characters; the limit is 1,000"),
        (2, lambda author: author.send_photo(), "Please choose with the buttons."),
        (2, lambda author: author.send("perhaps"), "Please choose with the buttons."),
        (3, lambda author: author.send("a lot"), "That is not an amount."),
        (3, lambda author: author.send("-200"), "The amount cannot be negative."),
        (3, lambda author: author.send_sticker(), "Please type the amount in euros"),
        (4, lambda author: author.send("Tomorrow"), "Please choose with the buttons."),
        (5, lambda author: author.send("I have one"), "Please send a document or a photo"),
        (6, lambda author: author.send("twenty"), "That is not a number."),
        (6, lambda author: author.send("-3"), "The number cannot be negative."),
    ],
)
async def test_an_answer_of_the_wrong_kind_is_refused_and_changes_nothing(
    app: App, question: int, send: Callable[[Citizen], Awaitable[None]], refusal: str
) -> None:
    author = await at_question(app, question)
    [before] = await app.rows(FollowUpRow)
    await send(author)
    assert refusal in author.last.text
    assert "⏸ Finish later" in author.last.labels, "the question's buttons are still there"
    await author.click("⏸ Finish later")
    await author.click("✍️ Continue answering")
    assert f"Question {question} of 6" in author.last.text
    [after] = await app.rows(FollowUpRow)
    assert (after.answers, after.answered_at) == (before.answers, None)


async def test_an_option_can_be_typed_and_a_photo_stands_for_a_document(app: App) -> None:
    author = await at_question(app, 4)
    await author.send("more than a year")
    await author.send_photo("photo-of-the-quote")
    await author.click("Skip ⏭")
    assert "<b>How long would it take to carry out?</b>\nMore than a year" in author.last.text
    assert "📷 a photo" in author.last.text


async def test_an_answer_is_changed_from_the_summary(app: App) -> None:
    author = await at_summary(app)
    await author.click("✏️ Change an answer")
    await author.click("1. Who will carry out the proj…")
    assert "Change this answer" in author.last.text
    assert "Current answer: Me and the neighbours" in author.last.text
    await author.send("The orchard association")
    assert "<b>Who will carry out the project on the ground?</b>\nThe orchard association" in (
        author.last.text
    )


async def test_answers_are_kept_across_a_restart(app: App) -> None:
    await at_question(app, 3)
    app.start()  # the bot restarts
    author = app.citizen(1)
    await author.send("12 500")
    assert "Question 4 of 6" in author.last.text
    await author.press(card_button(1, "answer"))
    assert author.shown[-2].text == "✍️ Here are your answers, where you left them."
    assert "Question 4 of 6" in author.last.text


async def test_an_author_who_finishes_later_types_freely_and_comes_back(app: App) -> None:
    author = await at_question(app, 2)
    await author.click("⏸ Finish later")
    assert "Your answers are kept. Come back before the end of 31 March 2027" in author.last.text
    await author.send("Hello")
    assert "Question" not in author.last.text, "what is typed meanwhile is not an answer"
    await author.click("✍️ Continue answering")
    assert "Question 2 of 6" in author.last.text


async def test_writing_an_idea_meanwhile_takes_what_is_typed(app: App) -> None:
    author = await at_question(app, 3)
    await author.send("/start")
    await author.click("💡 Deposit an idea")
    await author.click("✍️ Start my idea")
    await author.click("🙋 Myself")
    await author.send("We could light the footpath")
    assert "Describe" in author.last.text, "the title went to the idea form"
    await author.click("✍️ Answer now", author.shown[0])
    await author.send("12 500")
    assert "Question 4 of 6" in author.last.text
    await author.send("/start")
    assert "✏️ Continue my idea" in author.last.labels, "the draft waits meanwhile"


async def test_a_button_of_an_earlier_question_is_recognised(app: App) -> None:
    author = await at_question(app, 2)
    yes_no = author.last
    await author.click("✅ Yes")
    await author.click("❌ No", yes_no)
    assert author.alerts[-1] == (
        "This button belongs to an earlier question. Please use the latest message."
    )
    await author.send("12 500")
    await author.click("⬅ Back")
    await author.click("⬅ Back")
    assert "Current answer: ✅ Yes" in author.last.text


async def test_sending_twice_keeps_the_first_answers(app: App) -> None:
    author = await at_summary(app)
    summary = author.last
    await author.click(SEND, summary)
    await author.click(SEND, summary)
    assert author.alerts[-1] == (
        "This questionnaire is no longer open here. Use /start to see the menu."
    )
    await author.click("✍️ Answer now", author.shown[0])
    assert author.last.text.startswith("You sent your answers on 1 December 2026.")
    assert len(await app.rows(FollowUpRow)) == 1


async def test_after_the_deadline_answering_is_refused(app: App) -> None:
    author = await at_question(app, 2)
    app.clock.now = AFTER_THE_DEADLINE
    await author.click("✅ Yes")
    assert author.alerts[-1] == (
        "The answers to this questionnaire were expected by 31 March 2027: it is closed now."
    )
    await author.click("✍️ Answer now", author.shown[0])
    assert author.last.text == (
        "The answers to this questionnaire were expected by 31 March 2027: it is closed now."
    )
    await author.send("Me again")
    assert "Question" not in author.last.text
    [row] = await app.rows(FollowUpRow)
    assert row.answered_at is None


async def test_only_the_author_can_open_the_questionnaire(app: App) -> None:
    await invited(app)
    other = author_of(app, 2)
    await other.press(card_button(1, "answer"))
    assert other.alerts[-1] == "This button does not work here."
    await other.press(card_button(10**12, "answer"))
    assert other.alerts[-1] == "This button does not work here."


# -- staff send it --------------------------------------------------------------------------


async def test_staff_send_it_to_the_authors_of_every_idea_in_a_status(app: App) -> None:
    staff = await staff_member(app)
    await staff.send("/followup send complement published 2027-03-15")
    assert staff.last.text == (
        "📋 Complementary form sent to the authors. New: 2 (ideas 1, 2) · already sent before: 0."
        " Answers expected by 15 March 2027."
    )
    assert "Please answer by <b>15 March 2027</b>." in author_of(app, 2).last.text
    assert not app.sent_to(3), "the idea waiting for moderation is not concerned"
    await staff.send("/followup send complement published")
    assert staff.last.text == (
        "The Complementary form had already been sent for all these ideas (2): nothing new was"
        " sent."
    )
    rows = await follow_ups(app)
    assert sorted(rows) == [1, 2]
    assert all(row.deadline == datetime(2027, 3, 16, tzinfo=BRUSSELS) for row in rows.values())
    assert len([row for row in await app.rows(AuditRow) if row.action == "followup_sent"]) == 2


async def test_sending_again_with_new_ideas_counts_only_those(app: App) -> None:
    staff = await staff_member(app)
    await staff.press(card_button(1))
    await staff.send("/followup send complement published")
    assert "New: 1 (ideas 2) · already sent before: 1." in staff.last.text


@pytest.mark.parametrize(
    ("command", "answer"),
    [
        (
            "/followup send complement winner",
            "No idea has the status 🏆 Winner: will be carried out: nothing was sent.",
        ),
        (
            "/followup send complement published 2026-11-30",
            "30 November 2026 has passed. Choose today or a day to come; nothing was sent.",
        ),
        (
            "/followup send complement published 9999-12-31",
            "31 December 9999 is more than a year away. Choose a day within a year; nothing was"
            " sent.",
        ),
        (
            "/followup send complement published 2027-12-03",
            "3 December 2027 is more than a year away. Choose a day within a year; nothing was"
            " sent.",
        ),
        (
            "/followup send complement published 15/03/2027",
            "“15/03/2027” is not a day. Write it as YYYY-MM-DD, for example 2027-03-15.",
        ),
        (
            "/followup send complement published 2027-02-30",
            "“2027-02-30” is not a day. Write it as YYYY-MM-DD, for example 2027-03-15.",
        ),
        (
            "/followup send survey published",
            "There is no questionnaire “survey”. The edition's questionnaires: complement.",
        ),
    ],
)
async def test_a_send_that_cannot_be_done_says_why_and_sends_nothing(
    app: App, command: str, answer: str
) -> None:
    staff = await staff_member(app)
    await staff.send(command)
    assert staff.last.text == answer
    assert await app.count(FollowUpRow) == 0
    assert not app.sent_to(1)


async def test_an_unknown_status_is_refused_with_the_list(app: App) -> None:
    staff = await staff_member(app)
    await staff.send("/followup send complement approved")
    assert staff.last.text.startswith("“approved” is not a status. The statuses: submitted,")
    await staff.send("/followup")
    assert "Questionnaires: complement" in staff.last.text


async def test_the_card_button_twice_sends_once_and_says_when(app: App) -> None:
    staff = await staff_member(app)
    await staff.press(card_button(1))
    await staff.press(card_button(1))
    assert staff.last.text == (
        "The Complementary form was already sent for idea no. 1 on 1 December 2026; answers are"
        " expected by 31 March 2027. Nothing was sent again."
    )
    assert len(app.sent_to(1)) == 1


async def test_after_the_analysis_the_default_deadline_is_two_weeks(app: App) -> None:
    app.clock.now = datetime(2027, 4, 20, 12, tzinfo=BRUSSELS)
    staff = await staff_member(app)
    await staff.press(card_button(2))
    assert staff.last.text.endswith("Answers expected by 4 May 2027.")


async def test_an_analyst_may_send_it_a_committee_member_may_not(app: App) -> None:
    staff = await staff_member(app)
    await staff.send("/staff add 50 analyst")
    await staff.send("/staff add 51 committee")
    analyst, member = await consented(app, 50), await consented(app, 51)
    await member.press(card_button(1))
    assert member.alerts[-1] == "This button is not valid any more."
    await member.send("/followup send complement published")
    assert member.shown[-2].text == "I do not know this command."
    assert await app.count(FollowUpRow) == 0
    await analyst.press(card_button(1))
    assert analyst.last.text.startswith("📋 Complementary form sent to the author of idea no. 1.")


async def test_a_citizen_pressing_the_card_button_changes_nothing_and_is_logged(app: App) -> None:
    citizen = author_of(app, 2)
    await citizen.press(card_button(1))
    assert citizen.alerts[-1] == "This button is not valid any more."
    assert await app.count(FollowUpRow) == 0
    [refused] = await app.rows(AuditRow)
    assert (refused.actor, refused.action, refused.subject) == (2, "refused_button", "idea:1")


async def test_a_card_button_naming_an_unknown_idea_is_refused(app: App) -> None:
    staff = await staff_member(app)
    await staff.press(card_button(999))
    assert staff.alerts[-1] == "This button does not work here."
    await staff.press(FollowUpButton(action="send", idea=1, questionnaire="survey").pack())
    assert staff.alerts[-1] == "This button does not work here."
    assert await app.count(FollowUpRow) == 0


async def test_a_citizen_typing_followup_gets_the_unknown_command_answer(app: App) -> None:
    citizen = author_of(app, 2)
    await citizen.send("/followup send complement published")
    assert citizen.shown[-2].text == "I do not know this command."
    assert await app.count(FollowUpRow) == 0


# -- staff see the answers ------------------------------------------------------------------


async def test_staff_see_who_answered_and_who_is_waiting(app: App) -> None:
    staff = await staff_member(app)
    await staff.send("/followup status complement")
    assert staff.last.text == "The Complementary form has not been sent to anyone yet."
    await staff.send("/followup send complement published")
    author = author_of(app, 1)
    await author.click("✍️ Answer now")
    await author.send("Me and the neighbours")
    await author.click("✅ Yes")
    await author.send("12 500")
    await author.click("Skip ⏭")
    await author.click("Skip ⏭")
    await author.click("Skip ⏭")
    await author.click(SEND)
    await staff.send("/followup status complement")
    assert staff.last.text == (
        "📋 <b>Complementary form</b>\nSent: 2\n✅ Answered: 1 · ideas 1\n⏳ Waiting: 1 · ideas 2"
    )
    app.clock.now = AFTER_THE_DEADLINE
    await staff.send("/followup status complement")
    assert staff.last.text.endswith(
        "⏳ Waiting: 0 · ideas —\n⌛ No answer by the deadline: 1 · ideas 2"
    )


async def test_the_idea_card_lists_the_answers(app: App) -> None:
    author = await at_summary(app)
    await author.click(SEND)
    await app.simulator.users[STAFF_ID].press(card_button(2))
    async with UnitOfWork(app.sessionmaker) as uow:
        stored = await uow.editions.current()
        assert stored is not None
        answered = await answers_for_card(uow, stored.edition, 1)
        waiting = await answers_for_card(uow, stored.edition, 2)
    renderer = Renderer(create_i18n())
    lines = [renderer.text(line, "en") for line in answered]
    assert lines[0] == "📋 Complementary form, answered on 1 December 2026:"
    assert "• Is the land or building concerned public property?: ✅ Yes" in lines
    assert "• What is the estimated total cost, VAT included?: €12,500" in lines
    assert "• How many people would take part?: 25" in lines
    assert [renderer.text(line, "en") for line in waiting] == [
        "📋 Complementary form: no answers yet (expected by 31 March 2027)"
    ]


# -- reminders ------------------------------------------------------------------------------


async def test_authors_who_have_not_answered_are_reminded_once_two_days_before(app: App) -> None:
    staff = await staff_member(app)
    await staff.send("/followup send complement published")
    author = author_of(app, 1)
    await author.click("✍️ Answer now")
    await author.send("Me and the neighbours")
    await author.click("✅ Yes")
    await author.send("12 500")
    await author.click("Skip ⏭")
    await author.click("Skip ⏭")
    await author.click("Skip ⏭")
    await author.click(SEND)
    assert await remind_follow_ups(app, datetime(2027, 3, 29, 9, tzinfo=BRUSSELS)) == 0
    assert await remind_follow_ups(app, datetime(2027, 3, 29, 10, tzinfo=BRUSSELS)) == 1
    late = author_of(app, 2)
    assert late.last.text.startswith(
        "⏰ <b>Complementary form</b>: answers are expected by <b>31 March 2027</b>"
    )
    assert "“A repair café in Couvin”" in late.last.text
    assert await remind_follow_ups(app, datetime(2027, 3, 30, 10, tzinfo=BRUSSELS)) == 0
    assert len(app.sent_to(2)) == 2, "the questionnaire, then one reminder"
    assert author.last.text.startswith("🙏 Thank you!"), "who answered is not reminded"
    await late.click("✍️ Answer now")
    assert "Question 1 of 6" in late.last.text


async def test_a_questionnaire_sent_shortly_before_its_deadline_gets_no_reminder(app: App) -> None:
    app.clock.now = datetime(2027, 3, 30, 12, tzinfo=BRUSSELS)
    staff = await staff_member(app)
    await staff.press(card_button(1))
    assert await remind_follow_ups(app, datetime(2027, 3, 30, 13, tzinfo=BRUSSELS)) == 0
    assert len(app.sent_to(1)) == 1


# -- export ---------------------------------------------------------------------------------


ANSWERED_AT = datetime(2027, 2, 16, 14, 3, tzinfo=BRUSSELS)


async def sent_and_partly_answered(database: Path) -> None:
    """Two ideas got the complementary form; the author of the first answered it."""
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    sessionmaker = create_sessionmaker(engine)
    async with UnitOfWork(sessionmaker) as uow:
        stored = await uow.editions.current()
        assert stored is not None
    first = await idea_in_status(sessionmaker, stored.id, 1, "We could plant an orchard")
    second = await idea_in_status(sessionmaker, stored.id, 2, 'A "repair café", in Couvin')
    deadline = deadline_of(date(2027, 3, 31), BRUSSELS)
    answers = {
        "carrier": "Me and the neighbours",
        "land": False,
        "cost": 1_250_050,
        "duration": 1,
        "quote": {"kind": "document", "file_id": "f1", "name": "devis.pdf"},
    }
    async with UnitOfWork(sessionmaker) as uow:
        await uow.follow_ups.send([first, second], "complement", deadline, STAFF_ID, ANSWERED_AT)
        follow_up = await uow.follow_ups.get(first, "complement")
        assert follow_up is not None
        assert await uow.follow_ups.answer(follow_up.id, answers, ANSWERED_AT)
        await uow.commit()
    await engine.dispose()


def test_staff_export_the_answers_one_row_per_idea(edition_dir: Path) -> None:
    asyncio.run(sent_and_partly_answered(edition_dir / "pbbot.db"))
    result = CliRunner().invoke(followup_app, ["export", "complement", "--csv", "answers.csv"])
    assert (result.exit_code, result.output) == (
        0,
        "2 ideas (1 answered) written to answers.csv.\n",
    )
    exported = (edition_dir / "answers.csv").read_text(encoding="utf-8-sig")
    assert exported.splitlines() == [
        "idea,title,carrier,land,cost,duration,quote,answered_at",
        "1,We could plant an orchard,Me and the neighbours,no,12500.50,De 6 à 12 mois,devis.pdf,"
        "2027-02-16 14:03",
        '2,"A ""repair café"", in Couvin",,,,,,',
    ]
    on_screen = CliRunner().invoke(followup_app, ["export", "complement"])
    assert on_screen.output == exported


async def formulas_typed_by_citizens(database: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    sessionmaker = create_sessionmaker(engine)
    async with UnitOfWork(sessionmaker) as uow:
        stored = await uow.editions.current()
        assert stored is not None
    title = '=HYPERLINK("https://evil.example","Click")'
    number = await idea_in_status(sessionmaker, stored.id, 1, title)
    async with UnitOfWork(sessionmaker) as uow:
        deadline = deadline_of(date(2027, 3, 31), BRUSSELS)
        await uow.follow_ups.send([number], "complement", deadline, STAFF_ID, ANSWERED_AT)
        follow_up = await uow.follow_ups.get(number, "complement")
        assert follow_up is not None
        answers = {"carrier": "@SUM(1+1)", "land": True}
        assert await uow.follow_ups.answer(follow_up.id, answers, ANSWERED_AT)
        await uow.commit()
    await engine.dispose()


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_that_a_spreadsheet_would_run_is_made_text(start: str) -> None:
    assert inert(f"{start}1+1") == f"'{start}1+1"
    assert inert(f"a{start}1") == f"a{start}1"


def test_formulas_typed_by_citizens_are_exported_as_text(edition_dir: Path) -> None:
    asyncio.run(formulas_typed_by_citizens(edition_dir / "pbbot.db"))
    result = CliRunner().invoke(followup_app, ["export", "complement"])
    assert result.exit_code == 0
    assert result.output.splitlines()[1] == (
        """1,"'=HYPERLINK(""https://evil.example"",""Click"")",'@SUM(1+1),yes,,,,2027-02-16 14:03"""
    )


def test_exporting_an_unknown_questionnaire_names_the_edition_s(edition_dir: Path) -> None:
    result = CliRunner().invoke(followup_app, ["export", "survey"])
    assert result.exit_code == 2
    assert result.output == "pbbot: no questionnaire 'survey'; the edition's: complement\n"


ANSWER_IN_MENU = "✍️ Answer: Complementary form (idea no. 1)"


async def test_an_author_who_lost_the_invitation_answers_from_my_ideas_or_the_menu(
    app: App,
) -> None:
    author = await invited(app)
    await author.send("/myideas")
    assert (
        "📋 Complementary form for idea no. 1: the team waits for your answers until "
        "31 March 2027." in author.last.text
    )
    await author.click(ANSWER_IN_MENU)
    assert "Question 1 of 6" in author.last.text
    await author.click("⏸ Finish later")
    await author.send("/start")
    await author.click(ANSWER_IN_MENU)
    assert "Question 1 of 6" in author.last.text
    other = author_of(app, 2)
    await other.send("/myideas")
    assert "Complementary form" not in other.last.text, "nothing was asked of idea 2's author"
    assert not any(label.startswith("✍️") for label in other.last.labels)


async def test_an_answered_or_late_questionnaire_leaves_my_ideas_and_the_menu(app: App) -> None:
    author = await at_summary(app)
    await author.click(SEND)
    await author.send("/myideas")
    assert ANSWER_IN_MENU not in author.last.labels
    assert "Complementary form" not in author.last.text
    await app.simulator.users[STAFF_ID].press(card_button(2))
    late = author_of(app, 2)
    app.clock.now = AFTER_THE_DEADLINE
    await late.send("/start")
    assert not any(label.startswith("✍️") for label in late.last.labels)


@pytest.mark.parametrize("arg", ["1.complement", "2.nonsense", "x.complement", "99999999999."])
async def test_an_answer_button_for_someone_else_s_idea_opens_nothing(app: App, arg: str) -> None:
    await invited(app)
    other = author_of(app, 2)
    await other.press(f"m:answer:{arg}")
    assert other.alerts[-1].startswith("This button")
    assert not other.shown, "no questionnaire opened"
