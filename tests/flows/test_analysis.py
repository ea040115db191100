"""Staff open an idea's card (/idea N); analysts find it feasible or not, set its cost after
analysis, keep notes, and merge look-alike ideas (/merge). Authors are told in their language."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.rehearsal.simulator import Citizen
from bot.runtime.callbacks import AnalysisButton, FollowUpButton, MergeButton
from bot.runtime.i18n import create_i18n
from bot.runtime.render import Renderer
from budget.roles import Role
from conversations.replies import Text
from storage.tables import AuditRow, IdeaRow, SupportRow
from storage.unit_of_work import UnitOfWork
from tests.conftest import EXAMPLE_EDITION
from tests.support.app import (
    DURING_ANALYSIS,
    DURING_VOTE,
    STAFF_ID,
    App,
    consented,
    idea_in_status,
    idea_supported_by,
)

Sessionmaker = async_sessionmaker[AsyncSession]
ANALYST_ID = 900_002
COMMITTEE_ID = 900_003
AUTHOR_ID = 101
OTHER_AUTHOR_ID = 102
ORCHARD = "Fruit trees in the school yards of Jambes: apple trees and pear trees for the pupils."
ORCHARD_AGAIN = "Apple trees and pear trees in the Jambes school yards, fruit for the pupils."
CYCLE_LANE = "A safe cycle lane along the Meuse from Namur to Dinant, away from the cars."
REPAIR = "A repair café in Couvin where volunteers mend the appliances of the inhabitants."
REPAIR_AGAIN = "Volunteers mend appliances of Couvin inhabitants: a repair café every month."


@pytest.fixture
def app(sessionmaker: Sessionmaker, edition_id: int) -> App:
    app = App(sessionmaker)
    app.clock.now = DURING_ANALYSIS
    return app


async def give_role(sessionmaker: Sessionmaker, member: int, role: Role) -> None:
    async with UnitOfWork(sessionmaker) as uow:
        await uow.staff.add(member, role.value, STAFF_ID, datetime.now(UTC))
        await uow.commit()


async def idea(app: App, edition_id: int, title: str = "Orchards in the schools") -> int:
    return await idea_supported_by(
        app.sessionmaker, edition_id, AUTHOR_ID, title, ORCHARD, supporters=(201, 202)
    )


async def stored(app: App, number: int) -> IdeaRow:
    rows: list[IdeaRow] = await app.rows(IdeaRow)
    [row] = [row for row in rows if row.id == number]
    return row


async def audited(app: App, action: str) -> list[AuditRow]:
    return [row for row in await app.rows(AuditRow) if row.action == action]


async def open_card(app: App, number: int, member: int = STAFF_ID) -> Citizen:
    staff = app.citizen(member)
    await staff.send(f"/idea {number}")
    return staff


def in_language(text: Text, lang: str) -> str:
    return Renderer(create_i18n()).text(text, lang)


# -- the card --------------------------------------------------------------------------------


async def test_the_card_shows_everything_about_the_idea_and_the_analysts_buttons(
    app: App, edition_id: int
) -> None:
    number = await idea(app, edition_id)
    staff = await open_card(app, number)
    card, analysis = staff.shown[-2], staff.shown[-1]
    assert f"Idea no. {number}</b> · ✅ Published" in card.text
    assert "<b>Orchards in the schools</b>" in card.text
    assert "👤 Deposited by a citizen in their own name" in card.text
    assert ORCHARD in card.text
    assert "👍 Supports: 2" in card.text
    assert "⚖️ Feasibility: not judged yet" in analysis.text
    assert "💶 Cost after analysis: not set yet" in analysis.text
    assert analysis.labels == [
        "✅ Feasible",
        "❌ Not feasible",
        "💶 Cost after analysis",
        "📝 Notes",
        "🔀 Merge",
        "📋 Send Complementary form",
    ]
    send = analysis.buttons[-1][0]
    assert send.callback_data == (
        FollowUpButton(action="send", idea=number, questionnaire="complement").pack()
    )


async def test_a_committee_member_sees_the_card_but_no_analysis_buttons(
    app: App, edition_id: int
) -> None:
    await give_role(app.sessionmaker, COMMITTEE_ID, Role.COMMITTEE)
    number = await idea(app, edition_id)
    member = await open_card(app, number, COMMITTEE_ID)
    assert "⚖️ Feasibility: not judged yet" in member.last.text
    assert member.last.labels == []


async def test_a_wrong_or_unknown_number_is_answered_clearly(app: App, edition_id: int) -> None:
    staff = app.citizen(STAFF_ID)
    await staff.send("/idea")
    assert staff.last.text == "Write /idea followed by the idea's number, for example /idea 12."
    await staff.send("/idea orchard")
    assert "for example /idea 12" in staff.last.text
    await staff.send("/idea 9999999999")
    assert staff.last.text == "There is no idea no. 9,999,999,999 in this edition."


async def test_a_citizen_typing_a_staff_command_gets_the_unknown_command_answer(
    app: App, edition_id: int
) -> None:
    number = await idea(app, edition_id)
    citizen = await consented(app, 300)
    for command in (f"/idea {number}", "/merge"):
        before = len(citizen.shown)
        await citizen.send(command)
        assert citizen.shown[before].text == "I do not know this command."


# -- feasibility -----------------------------------------------------------------------------


async def test_found_feasible_the_idea_goes_under_analysis_and_its_author_is_told(
    app: App, edition_id: int
) -> None:
    number = await idea(app, edition_id)
    author = app.citizen(AUTHOR_ID)
    staff = await open_card(app, number)
    analysis = staff.last
    await staff.click("✅ Feasible")
    assert staff.alerts[-1] == f"✅ Idea no. {number} is marked feasible; its author was told."
    assert staff.last is analysis, "the analysis is shown again in place"
    assert "🔎 Under analysis" in analysis.text and "✅ Feasible" in analysis.text
    assert "✅ Feasible" not in analysis.labels
    row = await stored(app, number)
    assert (row.status, row.feasible) == ("under_analysis", True)
    assert "can be carried out" in author.last.text
    [entry] = await audited(app, "idea_feasible")
    assert (entry.actor, entry.subject) == (STAFF_ID, f"idea:{number}")
    assert entry.before == {"status": "published", "feasible": None, "status_reason": None}
    assert entry.after == {"status": "under_analysis", "feasible": True, "status_reason": None}


async def test_not_feasible_asks_why_and_the_author_reads_it_in_their_language(
    app: App, edition_id: int
) -> None:
    number = await idea_supported_by(
        app.sessionmaker, edition_id, AUTHOR_ID, "Orchards", ORCHARD, language="fr"
    )
    author = app.citizen(AUTHOR_ID, "fr")
    staff = await open_card(app, number)
    await staff.click("❌ Not feasible")
    assert "Why can idea no." in staff.last.text and "at most 500 characters" in staff.last.text
    await staff.send_photo()
    assert staff.last.text == "Please type your answer as a text message."
    await staff.send("x" * 501)
    assert staff.last.text.startswith("That is 501 characters long; at most 500")
    assert (await stored(app, number)).status == "published"
    reason = "The school yards belong to the town, which plans to rebuild them in 2028."
    await staff.send(reason)
    row = await stored(app, number)
    assert (row.status, row.feasible, row.status_reason) == ("not_feasible", False, reason)
    assert staff.shown[-2].text == (
        f"❌ Idea no. {number} is marked not feasible; its author was told why."
    )
    assert f"❌ Not feasible: {reason}" in staff.last.text
    told = Text("analysis.told.not_feasible", number=number, title="Orchards", reason=reason)
    assert author.last.text == in_language(told, "fr")
    [entry] = await audited(app, "idea_not_feasible")
    assert entry.after == {"status": "not_feasible", "feasible": False, "status_reason": reason}


async def test_an_analyst_can_change_their_mind_and_the_author_hears_it(
    app: App, edition_id: int
) -> None:
    number = await idea(app, edition_id)
    author = app.citizen(AUTHOR_ID)
    staff = await open_card(app, number)
    await staff.click("❌ Not feasible")
    await staff.send("The land is private.")
    assert staff.last.labels[0] == "✅ Feasible"
    assert "❌ Not feasible" not in staff.last.labels
    await staff.click("✅ Feasible")
    row = await stored(app, number)
    assert (row.status, row.feasible, row.status_reason) == ("under_analysis", True, None)
    assert "After a second look" in author.last.text


async def test_two_analysts_pressing_at_once_have_one_effect_and_the_second_is_told(
    app: App, edition_id: int
) -> None:
    await give_role(app.sessionmaker, ANALYST_ID, Role.ANALYST)
    number = await idea(app, edition_id)
    author = app.citizen(AUTHOR_ID)
    first = await open_card(app, number)
    second = await open_card(app, number, ANALYST_ID)
    await asyncio.gather(first.click("✅ Feasible"), second.click("✅ Feasible"))
    assert len(await audited(app, "idea_feasible")) == 1
    assert len(author.shown) == 1
    alerts = sorted(first.alerts + second.alerts)
    assert alerts == [
        f"Someone else changed idea no. {number} meanwhile, so nothing was changed. "
        "Here is how it stands now.",
        f"✅ Idea no. {number} is marked feasible; its author was told.",
    ]


async def test_a_reason_typed_after_someone_else_decided_changes_nothing(
    app: App, edition_id: int
) -> None:
    await give_role(app.sessionmaker, ANALYST_ID, Role.ANALYST)
    number = await idea(app, edition_id)
    slow = await open_card(app, number, ANALYST_ID)
    await slow.click("❌ Not feasible")
    fast = await open_card(app, number)
    await fast.click("✅ Feasible")
    await slow.send("Too expensive.")
    row = await stored(app, number)
    assert (row.status, row.feasible) == ("under_analysis", True)
    assert "Someone else changed idea no." in slow.shown[-2].text
    assert "✅ Feasible" in slow.last.text


async def test_an_old_card_cannot_override_a_newer_decision(app: App, edition_id: int) -> None:
    number = await idea(app, edition_id)
    staff = await open_card(app, number)
    [[_, not_feasible], *_] = staff.last.buttons
    await staff.click("✅ Feasible")
    assert not_feasible.callback_data is not None
    await staff.press(not_feasible.callback_data)
    assert staff.alerts[-1].startswith(f"Someone else changed idea no. {number} meanwhile")
    assert (await stored(app, number)).status == "under_analysis"


async def test_once_the_vote_is_open_feasibility_no_longer_changes(
    app: App, edition_id: int
) -> None:
    number = await idea(app, edition_id)
    staff = await open_card(app, number)
    app.clock.now = DURING_VOTE
    await staff.click("✅ Feasible")
    assert staff.alerts[-1] == (
        "The vote has opened: feasibility and merges can no longer be changed."
    )
    assert (await stored(app, number)).status == "published"


async def test_a_non_staff_press_changes_nothing_and_is_written_to_the_audit_log(
    app: App, edition_id: int
) -> None:
    number = await idea(app, edition_id)
    citizen = await consented(app, 300)
    forged = AnalysisButton(action="feasible", idea=number, status="published").pack()
    await citizen.press(forged)
    assert citizen.alerts[-1] == "This button is not valid any more."
    assert (await stored(app, number)).status == "published"
    [entry] = await audited(app, "refused_button")
    assert (entry.actor, entry.subject) == (300, f"idea:{number}")
    await citizen.press(MergeButton(action="confirm", idea=number, other=number + 1).pack())
    assert len(await audited(app, "refused_button")) == 2


async def test_a_forged_button_naming_another_editions_idea_is_refused(
    app: App, edition_id: int
) -> None:
    source = EXAMPLE_EDITION.read_text(encoding="utf-8").replace('slug = "namur"', 'slug = "liege"')
    async with UnitOfWork(app.sessionmaker) as uow:
        other = await uow.editions.save(source, datetime.now(UTC) - timedelta(days=30))
        await uow.commit()
    theirs = await idea_in_status(app.sessionmaker, other.id, AUTHOR_ID, "Liège's orchard")
    ours = await idea(app, edition_id)
    staff = app.citizen(STAFF_ID)
    await staff.press(AnalysisButton(action="feasible", idea=theirs, status="published").pack())
    assert staff.alerts[-1] == f"There is no idea no. {theirs} in this edition."
    await staff.press(MergeButton(action="confirm", idea=theirs, other=ours).pack())
    assert staff.alerts[-1] == f"There is no idea no. {theirs} in this edition."
    assert {row.status for row in await app.rows(IdeaRow)} == {"published"}
    await staff.send(f"/idea {theirs}")
    assert staff.last.text == f"There is no idea no. {theirs} in this edition."


# -- cost and notes --------------------------------------------------------------------------


async def test_the_cost_after_analysis_must_be_a_positive_amount(app: App, edition_id: int) -> None:
    number = await idea(app, edition_id)
    staff = await open_card(app, number)
    await staff.click("💶 Cost after analysis")
    assert "Its author estimated €12,500." in staff.last.text
    refusals = {
        "about fifty thousand": "That is not an amount.",
        "-5 000": "A cost cannot be negative.",
        "0": "A cost must be more than zero.",
        "12 500,5055": "At most two digits after the comma",
    }
    for typed, answer in refusals.items():
        await staff.send(typed)
        assert staff.last.text.startswith(answer), typed
    assert (await stored(app, number)).analysed_cost_cents is None
    await staff.send("48 000")
    assert staff.shown[-2].text == f"💶 Cost after analysis of idea no. {number}: €48,000."
    assert "💶 Cost after analysis: €48,000" in staff.last.text
    assert (await stored(app, number)).analysed_cost_cents == 48_000_00
    [entry] = await audited(app, "idea_cost")
    assert (entry.before, entry.after) == (
        {"analysed_cost_cents": None},
        {"analysed_cost_cents": 48_000_00},
    )


async def test_a_cost_above_the_editions_envelope_is_refused(app: App, edition_id: int) -> None:
    number = await idea(app, edition_id)
    staff = await open_card(app, number)
    await staff.click("💶 Cost after analysis")
    for typed in ("5 000 000", "200 000,01", "99999999999999999999"):
        await staff.send(typed)
        assert staff.last.text.startswith(
            "A cost cannot exceed the edition's envelope of €200,000."
        ), typed
    assert (await stored(app, number)).analysed_cost_cents is None
    await staff.send("200 000")
    assert (await stored(app, number)).analysed_cost_cents == 200_000_00


async def test_notes_are_kept_for_staff_and_never_shown_to_citizens(
    app: App, edition_id: int
) -> None:
    number = await idea(app, edition_id)
    author = app.citizen(AUTHOR_ID)
    staff = await open_card(app, number)
    await staff.click("📝 Notes")
    await staff.send("x" * 2001)
    assert staff.last.text.startswith("That is 2,001 characters long; at most 2,000")
    await staff.send("Call the headmistress before Friday.")
    assert "🔒 Staff notes (never shown to citizens): Call the headmistress" in staff.last.text
    [entry] = await audited(app, "idea_notes")
    assert entry.after == {"staff_notes": "Call the headmistress before Friday."}
    await author.send("/myideas")
    await author.send(f"/idea {number}")
    assert author.last.text != staff.last.text
    assert not [text for text in author.texts() if "headmistress" in text]


async def test_cancel_leaves_the_idea_as_it_was_and_later_texts_are_not_answers(
    app: App, edition_id: int
) -> None:
    number = await idea(app, edition_id)
    staff = await open_card(app, number)
    await staff.click("❌ Not feasible")
    await staff.click("✖ Cancel")
    assert staff.last.text == "Cancelled: nothing was changed."
    await staff.click("💶 Cost after analysis")
    app.clock.now = DURING_ANALYSIS + timedelta(hours=2)
    await staff.send("48 000")
    row = await stored(app, number)
    assert (row.status, row.analysed_cost_cents) == ("published", None)


# -- merging look-alikes ---------------------------------------------------------------------


async def look_alikes(app: App, edition_id: int) -> tuple[int, int, int, int, int]:
    """Five published ideas, two pairs of them alike: orchards (supported by 201 and 202, then
    202 and 203) and repair cafés."""
    make = app.sessionmaker
    orchard = await idea_supported_by(
        make, edition_id, AUTHOR_ID, "Orchards in the schools", ORCHARD, (201, 202)
    )
    lane = await idea_supported_by(make, edition_id, 103, "A cycle lane", CYCLE_LANE)
    repair = await idea_supported_by(make, edition_id, 104, "Repair café", REPAIR)
    again = await idea_supported_by(
        make, edition_id, OTHER_AUTHOR_ID, "School orchards", ORCHARD_AGAIN, (202, 203)
    )
    repair_again = await idea_supported_by(make, edition_id, 105, "Mend it", REPAIR_AGAIN)
    return orchard, lane, repair, again, repair_again


async def test_merge_proposes_the_look_alike_pairs_one_at_a_time_most_alike_first(
    app: App, edition_id: int
) -> None:
    orchard, _, repair, again, repair_again = await look_alikes(app, edition_id)
    staff = app.citizen(STAFF_ID)
    await staff.send("/merge")
    screen = staff.last
    assert "<b>Look-alike ideas</b> (1 of 2)" in screen.text
    assert f"No. {orchard} · Orchards in the schools" in screen.text
    assert f"No. {again} · School orchards" in screen.text
    assert screen.labels == [
        f"🔀 Merge no. {again} into no. {orchard}",
        f"🔀 Merge no. {orchard} into no. {again}",
        "🙅 Not the same",
        "Next ▶",
    ]
    await staff.click("Next ▶")
    assert staff.last is screen
    assert "(2 of 2)" in screen.text
    assert f"No. {repair} · Repair café" in screen.text and f"No. {repair_again}" in screen.text
    await staff.click("Next ▶")
    assert (
        screen.text == "That was the last look-alike pair. /merge starts again from the most alike."
    )


async def test_a_confirmed_merge_combines_the_supports_and_tells_both_authors(
    app: App, edition_id: int
) -> None:
    orchard, *_, again, _ = await look_alikes(app, edition_id)
    kept_author, absorbed_author = app.citizen(AUTHOR_ID), app.citizen(OTHER_AUTHOR_ID)
    staff = app.citizen(STAFF_ID)
    await staff.send("/merge")
    await staff.click(f"🔀 Merge no. {again} into no. {orchard}")
    assert "both authors will be told" in staff.last.text
    assert (await stored(app, again)).status == "published", "nothing before the confirmation"
    await staff.click("✅ Yes, merge them")
    assert staff.last.text == (
        f"✅ Idea no. {again} is merged into no. {orchard}. Supports moved: 1; citizens who "
        "supported both now count once: 1. Both authors were told."
    )
    absorbed = await stored(app, again)
    assert (absorbed.status, absorbed.merged_into_id) == ("merged", orchard)
    supports = await app.rows(SupportRow)
    assert sorted(support.idea_id for support in supports) == [orchard] * 3
    assert f"Your idea no. {again} “School orchards” is very much like" in (
        absorbed_author.last.text
    )
    assert f"Idea no. {again} “School orchards” was very much like yours" in kept_author.last.text
    [entry] = await audited(app, "idea_merge")
    assert entry.subject == f"idea:{again}"
    assert entry.after is not None and entry.after["merged_into_id"] == orchard
    await staff.send(f"/idea {orchard}")
    assert "👍 Supports: 3" in staff.shown[-2].text
    assert f"Ideas merged into this one: no. {again}" in staff.last.text
    await staff.send(f"/idea {again}")
    assert f"🔗 Merged into idea no. {orchard}" in staff.last.text
    assert "🔀 Merge" not in staff.last.labels


async def test_not_the_same_is_never_proposed_again(app: App, edition_id: int) -> None:
    orchard, *_, again, _ = await look_alikes(app, edition_id)
    staff = app.citizen(STAFF_ID)
    await staff.send("/merge")
    await staff.click("🙅 Not the same")
    assert staff.alerts[-1] == "Noted: these two ideas will not be proposed together again."
    assert "(1 of 1)" in staff.last.text and "Repair café" in staff.last.text
    await staff.send("/merge")
    assert "Orchards in the schools" not in staff.last.text
    [entry] = await audited(app, "merge_dismissed")
    assert entry.subject == f"ideas:{orchard}+{again}"


async def test_merges_that_cannot_be_are_refused_clearly(app: App, edition_id: int) -> None:
    orchard, lane, repair, again, _ = await look_alikes(app, edition_id)
    staff = app.citizen(STAFF_ID)
    await staff.send("/merge")
    await staff.click(f"🔀 Merge no. {again} into no. {orchard}")
    [[yes], _] = staff.last.buttons
    await staff.click("✅ Yes, merge them")
    assert yes.callback_data is not None
    await staff.press(yes.callback_data)
    assert staff.alerts[-1] == f"Idea no. {again} was already merged into no. {orchard}."
    await staff.press(MergeButton(action="confirm", idea=lane, other=again).pack())
    assert staff.alerts[-1] == (
        f"Idea no. {again} was itself merged into no. {orchard}: merge into that one instead."
    )
    await staff.press(MergeButton(action="confirm", idea=lane, other=lane).pack())
    assert staff.alerts[-1] == "An idea cannot be merged into itself."
    not_feasible = await idea_in_status(app.sessionmaker, edition_id, 106, "A zoo", "not_feasible")
    await staff.press(MergeButton(action="confirm", idea=not_feasible, other=repair).pack())
    assert staff.alerts[-1] == (
        f"Idea no. {not_feasible} is ❌ Not feasible: only published ideas and ideas under "
        "analysis can be merged."
    )
    assert len(await audited(app, "idea_merge")) == 1
    assert (await stored(app, lane)).status == "published"


async def test_two_staff_confirming_the_same_merge_at_once_merge_once(
    app: App, edition_id: int
) -> None:
    await give_role(app.sessionmaker, ANALYST_ID, Role.ANALYST)
    orchard, *_, again, _ = await look_alikes(app, edition_id)
    staff = [app.citizen(STAFF_ID), app.citizen(ANALYST_ID)]
    for member in staff:
        await member.send("/merge")
        await member.click(f"🔀 Merge no. {again} into no. {orchard}")
    await asyncio.gather(*(member.click("✅ Yes, merge them") for member in staff))
    assert len(await audited(app, "idea_merge")) == 1
    assert len(await app.rows(SupportRow)) == 3
    assert len(app.sent_to(OTHER_AUTHOR_ID)) == 1
    alerts = [alert for member in staff for alert in member.alerts]
    assert alerts == [f"Idea no. {again} was already merged into no. {orchard}."]


async def test_an_idea_is_merged_from_its_card_with_the_number_of_the_other(
    app: App, edition_id: int
) -> None:
    orchard, lane, *_ = await look_alikes(app, edition_id)
    staff = await open_card(app, lane)
    await staff.click("🔀 Merge")
    assert "Which idea is no." in staff.last.text
    assert len(staff.last.labels) == 4, "the three most alike, and Cancel"
    await staff.send("the orchard one")
    assert staff.last.text == "Please type the number of the other idea, for example 7."
    await staff.send(f"no. {orchard}")
    assert "Merge these two ideas?" in staff.last.text
    await staff.click(f"🔀 Merge no. {lane} into no. {orchard}")
    await staff.click("✅ Yes, merge them")
    assert (await stored(app, lane)).merged_into_id == orchard
