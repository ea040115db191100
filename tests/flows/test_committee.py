"""Citizens volunteer for the selection committee, the committee's citizens are drawn by lot,
accept or decline; members give their view on each feasible idea; an admin confirms the
selection, which puts the retained ideas on the ballot and tells every author."""

import asyncio
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from typer.testing import CliRunner

from bot.cli.committee import committee_app
from bot.rehearsal.simulator import Citizen
from bot.runtime.callbacks import InvitationButton, ReviewButton, SelectionButton, VolunteerButton
from budget.sortition import Draw
from storage.tables import (
    AuditRow,
    CitizenRow,
    CommitteeVoteRow,
    IdeaRow,
    ProjectRow,
    StaffRoleRow,
    VolunteerRow,
)
from storage.unit_of_work import UnitOfWork
from tests.support.app import (
    DURING_ANALYSIS,
    DURING_VOTE,
    STAFF_ID,
    App,
    consented,
    idea_in_status,
    ideas_for_the_committee,
)
from tests.support.fake_bot_api import FakeBotApi

SEED = "Lotto 2027-01-30: 3 11 19 27 38 44"
UNKNOWN_COMMAND = "I do not know this command."
NOT_FOR_YOU = "This button does not work here."


def committee(*args: str) -> tuple[int, str]:
    """`pbbot committee ...`, as staff would type it."""
    result = CliRunner().invoke(committee_app, list(args))
    return result.exit_code, result.output


async def close_list() -> str:
    """`pbbot committee close`: the list of volunteers published, before the seed."""
    code, output = await asyncio.to_thread(committee, "close")
    assert code == 0, output
    return output


async def volunteer(app: App, user_id: int, district: str = "Namur district") -> Citizen:
    citizen = await consented(app, user_id)
    await citizen.send("/volunteer")
    await citizen.click(district)
    return citizen


async def states(app: App) -> dict[int, str]:
    """Telegram id -> where the volunteer stands."""
    telegram_ids = {row.id: row.telegram_id for row in await app.rows(CitizenRow)}
    return {telegram_ids[row.citizen_id]: row.state for row in await app.rows(VolunteerRow)}


async def recorded_draw(app: App) -> Draw:
    [record] = [row for row in await app.rows(AuditRow) if row.action == "committee_draw"]
    return Draw.from_dict(record.after)


async def telegram_ids(app: App) -> dict[int, int]:
    return {row.id: row.telegram_id for row in await app.rows(CitizenRow)}


# -- volunteering -------------------------------------------------------------------------


async def test_a_citizen_volunteers_for_their_district(app: App) -> None:
    citizen = await consented(app, 1)
    await citizen.send("/volunteer")
    assert "A mixed committee of officials, staff and citizens drawn by lot" in citizen.last.text
    assert citizen.last.labels == ["Namur district", "Dinant district", "Philippeville district"]
    await citizen.click("Dinant district")
    assert "you volunteered for Dinant district" in citizen.last.text
    [row] = await app.rows(VolunteerRow)
    assert (row.district, row.state) == ("dinant", "volunteered")


async def test_volunteering_again_says_so_and_lets_them_change_district_or_withdraw(
    app: App,
) -> None:
    citizen = await volunteer(app, 1)
    await citizen.send("/volunteer")
    assert "You have already volunteered, for Namur district" in citizen.last.text
    await citizen.click("🔁 Change my district")
    await citizen.click("Philippeville district")
    assert "You are now a volunteer for Philippeville district" in citizen.last.text
    [row] = await app.rows(VolunteerRow)
    assert row.district == "philippeville"
    await citizen.send("/volunteer")
    await citizen.click("🚪 Withdraw")
    assert "You have withdrawn" in citizen.last.text
    assert await app.rows(VolunteerRow) == []


async def test_a_district_tapped_twice_makes_one_volunteer(app: App) -> None:
    citizen = await consented(app, 1)
    await citizen.send("/volunteer")
    question = citizen.last
    namur = question.buttons[0][0].callback_data
    assert namur is not None
    # A double tap on a slow connection: the same button twice, before the message changes.
    await citizen.press(namur, question)
    await citizen.press(namur, question)
    assert "You have already volunteered, for Namur district" in citizen.last.text
    assert len(await app.rows(VolunteerRow)) == 1


async def test_a_forged_district_changes_nothing(app: App) -> None:
    citizen = await consented(app, 1)
    await citizen.press(VolunteerButton(action="district", arg="atlantis").pack())
    assert citizen.alerts[-1] == NOT_FOR_YOU
    assert await app.rows(VolunteerRow) == []


async def test_once_the_vote_opened_volunteering_is_over(app: App) -> None:
    citizen = await consented(app, 1)
    await citizen.send("/volunteer")
    app.clock.now = DURING_VOTE
    await citizen.click("Namur district")
    assert "finished its work" in citizen.last.text
    assert await app.rows(VolunteerRow) == []


# -- the draw -----------------------------------------------------------------------------


async def test_the_draw_announces_its_seed_and_says_who_is_drawn_and_why(
    app: App, workdir: Path
) -> None:
    for user_id, district in [
        (1, "Namur district"),
        (2, "Namur district"),
        (3, "Namur district"),
        (4, "Dinant district"),
    ]:
        await volunteer(app, user_id, district)
    await close_list()
    code, output = await asyncio.to_thread(committee, "draw", "--seed", SEED, "--seats", "3")
    assert code == 0, output
    lines = output.splitlines()
    assert lines[0] == f"Seed (announced before the draw): {SEED!r}"
    draw = await recorded_draw(app)
    namur, dinant = draw.district("namur"), draw.district("dinant")
    assert namur is not None and dinant is not None
    # Three seats, Namur has more volunteers: two seats there, one in Dinant.
    assert (namur.seats, dinant.seats) == (2, 1)
    assert "namur: seats 2, volunteers 3" in output
    first = namur.order[0]
    assert any(line.startswith(f"  drawn   no. {first} ") and "rank 1" in line for line in lines)
    assert f"  reserve no. {namur.order[2]} " in output
    assert "BOT_TOKEN is not set: nobody has been told yet" in output
    ids = await telegram_ids(app)
    drawn = {ids[number] for number in draw.drawn}
    assert {user: state for user, state in (await states(app)).items()} == {
        user: "asked" if user in drawn else "volunteered" for user in (1, 2, 3, 4)
    }


async def test_the_same_seed_draws_the_same_people_and_a_draw_is_made_once(
    app: App, workdir: Path
) -> None:
    for user_id in (1, 2, 3):
        await volunteer(app, user_id)
    await close_list()
    await asyncio.to_thread(committee, "draw", "--seed", SEED, "--seats", "1")
    code, output = await asyncio.to_thread(committee, "draw", "--seed", "another", "--seats", "1")
    assert code == 2
    assert f"already drawn (seed {SEED!r}); a draw is made once" in output
    assert list((await states(app)).values()).count("asked") == 1


async def test_once_the_list_is_closed_nobody_joins_changes_district_or_withdraws(
    app: App, workdir: Path
) -> None:
    first = await volunteer(app, 1)
    await first.send("/volunteer")
    standing = first.last
    second = await volunteer(app, 2)
    await second.send("/volunteer")
    second_standing = second.last
    newcomer = await consented(app, 3)
    await newcomer.send("/volunteer")
    question = newcomer.last
    await close_list()
    locked = (
        "The list of volunteers is closed for the draw: nobody can join, change district or "
        "withdraw any more."
    )
    # Buttons shown before the list was closed: a ticket known from the seed must not lead
    # anyone to another district, in or out of the draw.
    await first.click("🔁 Change my district", standing)
    assert first.alerts[-1] == locked
    assert "You are on the list of volunteers for Namur district" in first.last.text
    assert first.last.buttons == []
    await first.press(VolunteerButton(action="district", arg="dinant").pack())
    assert first.alerts[-1] == locked
    await second.click("🚪 Withdraw", second_standing)
    assert second.alerts[-1] == locked
    await newcomer.click("Dinant district", question)
    assert newcomer.alerts[-1] == locked
    assert "The list of volunteers has been closed and published" in newcomer.last.text
    await newcomer.send("/volunteer")
    assert "volunteering is over" in newcomer.last.text
    assert newcomer.last.buttons == []
    assert await states(app) == {1: "volunteered", 2: "volunteered"}
    assert {row.district for row in await app.rows(VolunteerRow)} == {"namur"}


async def test_the_list_is_closed_once_and_recorded_with_its_time(app: App, workdir: Path) -> None:
    code, output = await asyncio.to_thread(committee, "close")
    assert code == 2
    assert "nobody has volunteered yet" in output
    for user_id in (1, 2):
        await volunteer(app, user_id)
    await volunteer(app, 3, "Dinant district")
    await close_list()
    code, output = await asyncio.to_thread(committee, "close")
    assert code == 2
    assert "the list of volunteers was closed on " in output
    [closed] = [
        row for row in await app.rows(AuditRow) if row.action == "committee_volunteers_closed"
    ]
    numbers = {telegram_id: number for number, telegram_id in (await telegram_ids(app)).items()}
    assert closed.after == {
        "volunteers": [[numbers[1], "namur"], [numbers[2], "namur"], [numbers[3], "dinant"]]
    }
    assert closed.at is not None


async def test_drawing_before_the_list_is_closed_is_refused(app: App, workdir: Path) -> None:
    for user_id in (1, 2):
        await volunteer(app, user_id)
    code, output = await asyncio.to_thread(committee, "draw", "--seed", SEED, "--seats", "1")
    assert code == 2
    assert (
        "the list of volunteers is not closed: publish it first with `pbbot committee close`"
        in (" ".join(output.split()))
    )
    assert [row.action for row in await app.rows(AuditRow)] == []
    assert await states(app) == {1: "volunteered", 2: "volunteered"}


async def test_the_draw_starts_from_exactly_the_closed_list(
    app: App, workdir: Path, sessionmaker: async_sessionmaker[AsyncSession], edition_id: int
) -> None:
    for user_id in (1, 2, 3):
        await volunteer(app, user_id)
    await close_list()
    # A row that got in by another way than the bot (by hand in the database, say) after the
    # list was published: not on the list, so not in the draw.
    async with UnitOfWork(sessionmaker) as uow:
        late = await uow.citizens.consent(4, "en", None, DURING_ANALYSIS)
        assert await uow.committee.join(edition_id, late.id, "namur", DURING_ANALYSIS)
        await uow.commit()
    code, output = await asyncio.to_thread(committee, "draw", "--seed", SEED, "--seats", "1")
    assert code == 0, output
    assert "3 volunteers; seats: 1." in output
    [closed] = [
        row for row in await app.rows(AuditRow) if row.action == "committee_volunteers_closed"
    ]
    draw = await recorded_draw(app)
    namur = draw.district("namur")
    assert namur is not None
    assert sorted(namur.order) == sorted(number for number, _ in closed.after["volunteers"])
    assert late.id not in namur.order
    [record] = [row.after for row in await app.rows(AuditRow) if row.action == "committee_draw"]
    assert record["volunteers"] == closed.after["volunteers"]
    assert (await states(app))[4] == "volunteered"


async def test_a_quota_must_name_a_district_of_the_edition(app: App, workdir: Path) -> None:
    await volunteer(app, 1)
    await close_list()
    code, output = await asyncio.to_thread(
        committee, "draw", "--seed", SEED, "--quota", "atlantis=2"
    )
    assert code == 2
    assert "'atlantis' is not one of the districts (namur, dinant, philippeville)" in output
    assert list((await states(app)).values()) == ["volunteered"]


async def test_a_drawn_volunteer_accepts_and_gets_the_committee_role(
    app: App, workdir: Path
) -> None:
    admin = await consented(app, STAFF_ID)
    citizen = await volunteer(app, 1)
    await close_list()
    await asyncio.to_thread(committee, "draw", "--seed", SEED, "--seats", "1")
    await citizen.send("/volunteer")
    assert "You were drawn by lot" in citizen.last.text
    invitation = citizen.last
    accept = invitation.buttons[0][0].callback_data
    assert accept is not None
    await citizen.press(accept, invitation)
    assert "Welcome to the selection committee" in citizen.last.text
    assert citizen.last.buttons == [], "the invitation now says it was answered"
    await citizen.press(accept, invitation)
    assert citizen.alerts[-1] == "You have already accepted: send /committee to review the ideas."
    roles = [(row.telegram_id, row.role) for row in await app.rows(StaffRoleRow)]
    assert roles == [(1, "committee")]
    assert await states(app) == {1: "accepted"}
    assert [row.action for row in await app.rows(AuditRow)] == [
        "committee_volunteers_closed",
        "committee_draw",
        "committee_accepted",
    ]
    assert "Volunteer no. " in admin.last.text and "accepted a seat" in admin.last.text
    await citizen.send("/volunteer")
    assert "You sit on the selection committee" in citizen.last.text


async def test_declining_passes_the_seat_to_the_next_of_the_district_reserve(
    app: App, workdir: Path
) -> None:
    admin = await consented(app, STAFF_ID)
    seen = len(admin.shown)
    citizens = {user_id: await volunteer(app, user_id) for user_id in (1, 2, 3)}
    await close_list()
    await asyncio.to_thread(committee, "draw", "--seed", SEED, "--seats", "1")
    namur = (await recorded_draw(app)).district("namur")
    assert namur is not None
    ids = await telegram_ids(app)
    first, second, third = (ids[number] for number in namur.order)
    await citizens[first].send("/volunteer")
    invitation = citizens[first].last
    accept = invitation.buttons[0][0].callback_data
    assert accept is not None
    await citizens[first].click("❌ I decline", invitation)
    assert "The seat goes to the next volunteer of your district" in citizens[first].last.text
    assert "You were drawn by lot" in citizens[second].last.text
    assert await states(app) == {first: "refused", second: "asked", third: "volunteered"}
    # The old invitation: declined stays declined.
    await citizens[first].press(accept, invitation)
    assert citizens[first].alerts[-1] == "You declined this seat; it has gone to another volunteer."
    assert await app.rows(StaffRoleRow) == []
    await citizens[second].click("❌ I decline")
    await citizens[third].click("❌ I decline")
    told = admin.texts()[seen:]
    assert "has been invited" in told[0]
    assert "nobody is left on the reserve list: the seat stays empty" in told[-1]
    await citizens[third].send("/volunteer")
    assert "You declined your seat" in citizens[third].last.text


async def test_someone_elses_invitation_does_nothing(app: App, workdir: Path) -> None:
    await volunteer(app, 1)
    await close_list()
    await asyncio.to_thread(committee, "draw", "--seed", SEED, "--seats", "1")
    [row] = await app.rows(VolunteerRow)
    intruder = await consented(app, 2)
    for forged in (row.id, 10**30):
        await intruder.press(InvitationButton(action="accept", volunteer=forged).pack())
        assert intruder.alerts[-1] == NOT_FOR_YOU
    assert await states(app) == {1: "asked"}
    assert await app.rows(StaffRoleRow) == []


async def test_with_a_bot_token_the_draw_tells_each_volunteer_where_they_stand(
    app: App, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await volunteer(app, 1)
    await volunteer(app, 2)
    await volunteer(app, 3, "Dinant district")
    api = FakeBotApi(blocked=frozenset({3}))
    runner, url = await api.start()
    await close_list()
    monkeypatch.setenv("BOT_TOKEN", "123456:TEST-token")
    monkeypatch.setenv("BOT_API_URL", url)
    try:
        code, output = await asyncio.to_thread(committee, "draw", "--seed", SEED, "--seats", "1")
    finally:
        await runner.cleanup()
    assert code == 0, output
    # One seat: it goes to Namur, the district with the most volunteers.
    namur = (await recorded_draw(app)).district("namur")
    assert namur is not None
    ids = await telegram_ids(app)
    drawn, reserve = (ids[number] for number in namur.order)
    [invitation] = api.sent_texts(drawn)
    assert "You were drawn by lot" in invitation
    [notice] = api.sent_texts(reserve)
    assert "you are no. 1 on the reserve list of Namur district" in notice
    dinant = next(number for number, telegram_id in ids.items() if telegram_id == 3)
    assert "Invitations sent: 1; reserve notices: 2; not delivered: 1." in output
    assert f"no. {dinant}: blocked the bot" in output


async def test_the_list_to_publish_and_invitations_sent_once_the_token_is_set(
    app: App, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for user_id in (1, 2):
        await volunteer(app, user_id)
    ids = {telegram_id: number for number, telegram_id in (await telegram_ids(app)).items()}
    code, listing = await asyncio.to_thread(committee, "volunteers")
    assert code == 0
    assert "Volunteering is open: this list can still change" in listing
    assert f"namur (2): {ids[1]}, {ids[2]}" in listing
    published = await close_list()
    assert "Publish this list, then announce the seed" in published
    assert f"namur (2): {ids[1]}, {ids[2]}" in published
    _, listing = await asyncio.to_thread(committee, "volunteers")
    assert "the list published, what the draw starts from" in listing
    await asyncio.to_thread(committee, "draw", "--seed", SEED, "--seats", "1")
    _, listing = await asyncio.to_thread(committee, "volunteers")
    assert "(asked)" in listing and "(volunteered)" in listing
    api = FakeBotApi()
    runner, url = await api.start()
    monkeypatch.setenv("BOT_TOKEN", "123456:TEST-token")
    monkeypatch.setenv("BOT_API_URL", url)
    try:
        code, output = await asyncio.to_thread(committee, "invite")
        assert code == 0
        assert "Invitations sent: 1; reserve notices: 0; not delivered: 0." in output
        await asyncio.to_thread(committee, "invite", "--reserve")
    finally:
        await runner.cleanup()
    drawn = next(user for user, state in (await states(app)).items() if state == "asked")
    assert len(api.sent_texts(drawn)) == 2
    assert "reserve list" in api.sent_texts(3 - drawn)[0]


# -- members give their view --------------------------------------------------------------

IDEAS: list[tuple[str, int | None]] = [
    ("Orchards in the schools", 49_548),
    ("Repair café in Couvin", 8_500),
    ("A cycle lane along the Meuse", 120_000),
]
AUTHOR = 500
MEMBERS = (701, 702)


@pytest.fixture
async def ideas(
    app: App, sessionmaker: async_sessionmaker[AsyncSession], edition_id: int
) -> list[int]:
    """Three feasible ideas under analysis, two committee members, the analysis phase."""
    app.clock.now = DURING_ANALYSIS
    async with UnitOfWork(sessionmaker) as uow:
        for member in MEMBERS:
            await uow.staff.add(member, "committee", STAFF_ID, DURING_ANALYSIS)
        await uow.commit()
    return await ideas_for_the_committee(sessionmaker, edition_id, IDEAS, author=AUTHOR)


async def views(app: App) -> dict[tuple[int, int], bool]:
    return {(row.member, row.idea_id): row.retain for row in await app.rows(CommitteeVoteRow)}


async def test_a_member_reviews_the_feasible_ideas_one_at_a_time(
    app: App, ideas: list[int]
) -> None:
    member = app.citizen(MEMBERS[0])
    await member.send("/committee")
    card = member.last
    assert "Idea 1 of 3" in card.text
    assert "Orchards in the schools" in card.text
    assert "Cost after analysis: €49,548" in card.text
    assert "Your view: not given yet" in card.text
    await member.click("✅ Retain")
    assert member.last is card, "the same message shows the next idea"
    assert "Idea 2 of 3</b> · your views given: 1" in card.text
    await member.click("❌ Not retain")
    await member.click("✅ Retain")
    assert "You have given your view on every idea (3)" in card.text
    first, second, third = ideas
    assert await views(app) == {
        (MEMBERS[0], first): True,
        (MEMBERS[0], second): False,
        (MEMBERS[0], third): True,
    }
    await member.send("/committee")
    assert "Idea 1 of 3</b> · your views given: 3" in member.last.text


async def test_a_member_changes_their_mind_and_one_view_is_kept(app: App, ideas: list[int]) -> None:
    member = app.citizen(MEMBERS[0])
    await member.send("/committee")
    await member.click("✅ Retain")
    await member.click("◀ Previous")
    assert "Orchards in the schools" in member.last.text
    assert "Your view: ✅ Retain" in member.last.text
    await member.click("❌ Not retain")
    assert await views(app) == {(MEMBERS[0], ideas[0]): False}
    logged = [(row.before, row.after) for row in await app.rows(AuditRow)]
    assert logged == [(None, {"retain": True}), ({"retain": True}, {"retain": False})]


async def test_outside_the_analysis_phase_views_are_refused_and_nothing_is_stored(
    app: App, ideas: list[int]
) -> None:
    member = app.citizen(MEMBERS[0])
    await member.send("/committee")
    app.clock.now = DURING_VOTE
    await member.click("✅ Retain")
    assert member.alerts[-1] == (
        "The analysis phase ended on 31 March 2027: the committee's views can no longer change."
    )
    await member.send("/committee")
    assert "can no longer change" in member.last.text
    assert await views(app) == {}


async def test_a_view_on_an_idea_not_waiting_for_the_committee_is_refused(
    app: App, ideas: list[int], sessionmaker: async_sessionmaker[AsyncSession], edition_id: int
) -> None:
    published = await idea_in_status(sessionmaker, edition_id, AUTHOR, "Not analysed yet")
    member = app.citizen(MEMBERS[0])
    for idea in (published, 999_999):
        await member.press(ReviewButton(action="retain", idea=idea).pack())
        assert member.alerts[-1] == "This idea is not waiting for the committee's view."
    assert await views(app) == {}


async def test_a_citizen_typing_committee_or_selection_gets_the_unknown_command_answer(
    app: App, ideas: list[int]
) -> None:
    citizen = await consented(app, 1)
    for command in ("/committee", "/selection"):
        await citizen.send(command)
        assert UNKNOWN_COMMAND in citizen.texts()[-2]
    # A committee member is not an admin.
    member = await consented(app, MEMBERS[0])
    await member.send("/selection")
    assert UNKNOWN_COMMAND in member.texts()[-2]


async def test_a_committee_button_pressed_by_a_citizen_changes_nothing_and_is_logged(
    app: App, ideas: list[int]
) -> None:
    citizen = await consented(app, 1)
    await citizen.press(ReviewButton(action="retain", idea=ideas[0]).pack())
    await citizen.press(SelectionButton(action="confirm", check="whatever").pack())
    assert citizen.alerts == ["This button is not valid any more."] * 2
    assert await views(app) == {}
    assert [row.action for row in await app.rows(AuditRow)] == ["refused_button"] * 2
    assert [row.status for row in await app.rows(IdeaRow)] == ["under_analysis"] * 3


# -- the selection ------------------------------------------------------------------------


async def give_views(app: App, member_id: int, choices: list[str]) -> None:
    member = app.citizen(member_id)
    await member.send("/committee")
    for choice in choices:
        await member.click(choice)


RETAIN, NOT_RETAIN = "✅ Retain", "❌ Not retain"


async def test_confirming_the_selection_puts_the_retained_ideas_on_the_ballot_and_tells_authors(
    app: App, ideas: list[int]
) -> None:
    author = app.citizen(AUTHOR)
    await give_views(app, MEMBERS[0], [RETAIN, RETAIN, NOT_RETAIN])
    await give_views(app, MEMBERS[1], [RETAIN, NOT_RETAIN])
    admin = app.citizen(STAFF_ID)
    await admin.send("/selection")
    tally = admin.last.text
    assert "feasible ideas: 3 · committee members: 2" in tally
    lines = tally.splitlines()
    assert lines[1] == f"✅ 1. Orchards in the schools (no. {ideas[0]})"
    assert lines[2].strip() == "retain 2 · not retain 0 · no view 0 · €49,548"
    # A tie (one each) leaves the repair café out; one member gave no view on the cycle lane.
    assert f"❌ 2. Repair café in Couvin (no. {ideas[1]})" in tally
    assert "retain 0 · not retain 1 · no view 1 · €120,000" in tally
    assert "Retained: 1 · cost in all: €49,548 · envelope: €200,000" in tally
    assert "Views not given yet: 1. Confirming now decides without them." in tally
    await admin.click("✅ Confirm this selection")
    assert "Selection confirmed. On the ballot: 1 · not retained: 2" in admin.last.text
    [project] = await app.rows(ProjectRow)
    assert (project.idea_id, project.cost_cents, project.district) == (ideas[0], 49_548_00, "namur")
    statuses = {row.id: (row.status, row.status_reason) for row in await app.rows(IdeaRow)}
    assert statuses[ideas[0]] == ("retained", None)
    assert statuses[ideas[1]] == (
        "not_retained",
        "The selection committee decides by majority; its views on this idea: retain 1, "
        "not retain 1.",
    )
    told = author.texts()
    assert len(told) == 3
    assert any("retained your idea “Orchards in the schools”" in text for text in told)
    assert any("cost after analysis of €49,548" in text for text in told)
    assert any(
        "“A cycle lane along the Meuse” was not retained" in text
        and "retain 0, not retain 1" in text
        for text in told
    )
    decided = [row for row in await app.rows(AuditRow) if row.action == "selection_decided"]
    assert len(decided) == 3


async def test_confirming_twice_puts_each_idea_on_the_ballot_once(
    app: App, ideas: list[int]
) -> None:
    author = app.citizen(AUTHOR)
    await give_views(app, MEMBERS[0], [RETAIN, RETAIN, RETAIN])
    admin = app.citizen(STAFF_ID)
    await admin.send("/selection")
    tally = admin.last
    await admin.click("✅ Confirm this selection", tally)
    await admin.click("✅ Confirm this selection", tally)
    assert (
        admin.alerts[-1] == "The selection has been confirmed already; nothing is waiting for it."
    )
    assert len(await app.rows(ProjectRow)) == 3
    assert len(author.texts()) == 3
    await admin.send("/selection")
    assert "confirmed already" in admin.last.text


async def test_a_retained_idea_without_a_cost_after_analysis_blocks_the_confirmation(
    app: App, ideas: list[int], sessionmaker: async_sessionmaker[AsyncSession], edition_id: int
) -> None:
    [uncosted] = await ideas_for_the_committee(
        sessionmaker, edition_id, [("A bench by the river", None)], author=AUTHOR
    )
    await give_views(app, MEMBERS[0], [RETAIN, RETAIN, RETAIN, RETAIN])
    admin = app.citizen(STAFF_ID)
    await admin.send("/selection")
    assert "A bench by the river" in admin.last.text and "no cost yet" in admin.last.text
    await admin.click("✅ Confirm this selection")
    blocked = admin.last.text
    assert "have no cost after analysis: set it before confirming" in blocked
    assert f"No. {uncosted} · A bench by the river" in blocked
    assert await app.rows(ProjectRow) == []
    assert {row.status for row in await app.rows(IdeaRow)} == {"under_analysis"}


async def test_views_changed_after_the_tally_was_shown_are_shown_again_before_confirming(
    app: App, ideas: list[int]
) -> None:
    await give_views(app, MEMBERS[0], [RETAIN, RETAIN, RETAIN])
    admin = app.citizen(STAFF_ID)
    await admin.send("/selection")
    shown = admin.last
    await give_views(app, MEMBERS[1], [NOT_RETAIN, NOT_RETAIN, NOT_RETAIN])
    await admin.click("✅ Confirm this selection", shown)
    assert admin.alerts[-1] == (
        "Views or costs changed since this list was shown: check it again, then confirm."
    )
    assert await app.rows(ProjectRow) == []
    assert "Retained: 0" in admin.last.text
    await admin.click("✅ Confirm this selection")
    assert "On the ballot: 0 · not retained: 3" in admin.last.text


async def test_once_the_vote_opened_the_selection_cannot_be_confirmed(
    app: App, ideas: list[int]
) -> None:
    await give_views(app, MEMBERS[0], [RETAIN])
    admin = app.citizen(STAFF_ID)
    await admin.send("/selection")
    app.clock.now = DURING_VOTE
    await admin.click("✅ Confirm this selection")
    assert admin.alerts[-1] == "The vote has opened: the projects on the ballot are fixed."
    assert await app.rows(ProjectRow) == []
