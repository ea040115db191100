"""Voters spread their envelope over the projects on the ballot, cast it, change it."""

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.rehearsal.simulator import Citizen
from storage.tables import VoterRow
from tests.support.app import (
    DURING_VOTE,
    App,
    add_project,
    at_envelope,
    at_identity_question,
    cast_ballot,
    change_edition,
    consented,
    open_card,
    put_projects_on_the_ballot,
)


@pytest.fixture
async def vote_app(sessionmaker: async_sessionmaker[AsyncSession], edition_id: int) -> App:
    await put_projects_on_the_ballot(sessionmaker, edition_id)
    app = App(sessionmaker)
    app.clock.now = DURING_VOTE
    return app


async def test_the_envelope_comes_first_with_what_is_left(vote_app: App) -> None:
    citizen = await at_envelope(vote_app)
    screen = citizen.last.text
    assert "<b>€200,000</b> left to spend out of €200,000" in screen
    assert "▱▱▱▱▱▱▱▱▱▱ 0 %" in screen
    assert "Not cast yet." in screen
    [voter] = await vote_app.rows(VoterRow)
    assert voter.district == "namur"


async def test_a_voter_fills_the_envelope_casts_and_gets_a_receipt(vote_app: App) -> None:
    citizen = await at_envelope(vote_app)
    envelope = citizen.last
    await citizen.click("📋 Choose projects")
    assert citizen.last is envelope, "the same message is kept up to date"
    assert "<b>The projects</b> (page 1 of 2)" in citizen.last.text
    adds = [label for label in citizen.last.labels if label == "➕ Add"]
    assert len(adds) == 5
    await citizen.click("➕ Add")
    await citizen.click("🗳 My envelope")
    assert "✅ Cast my ballot" in citizen.last.labels
    await citizen.click("✅ Cast my ballot")
    assert "Projects: 1 · total" in citizen.last.text
    await citizen.click("✅ Yes, cast my ballot")
    receipt = citizen.shown[-1]
    assert "Your ballot is cast." in receipt.text
    [ballot] = await vote_app.ballots()
    assert ballot.version == 1
    assert ballot.receipt in receipt.text
    assert len(ballot.project_ids) == 1


async def test_a_project_that_does_not_fit_says_how_much_to_free(vote_app: App) -> None:
    citizen = await at_envelope(vote_app)
    await citizen.click("📋 Choose projects")
    await add_project(citizen, "A cycle lane along the Meuse")
    await add_project(citizen, "Youth music studio")
    await open_card(citizen, "Orchards in the schools")
    assert "Does not fit in what is left: free €29,548 to add it." in citizen.last.text
    await citizen.click("➕ Add")
    assert citizen.alerts[-1] == (
        "This project costs €49,548 and €20,000 is left. Remove projects worth €29,548 to add it."
    )
    await citizen.click("⬅ Back to the projects")
    await citizen.click("🗳 My envelope")
    assert "<b>€20,000</b> left to spend" in citizen.last.text
    assert "▰▰▰▰▰▰▰▰▰▱ 90 %" in citizen.last.text


async def test_casting_again_replaces_the_ballot_and_says_which_version_counts(
    vote_app: App,
) -> None:
    citizen = await at_envelope(vote_app)
    await citizen.click("📋 Choose projects")
    await citizen.click("➕ Add")
    await citizen.click("🗳 My envelope")
    await citizen.click("✅ Cast my ballot")
    await citizen.click("✅ Yes, cast my ballot")
    await citizen.click("📋 Choose projects")
    await citizen.click("➕ Add")
    await citizen.click("🗳 My envelope")
    assert "cast it again for the change to count" in citizen.last.text
    await citizen.click("✅ Cast my ballot")
    await citizen.click("✅ Yes, cast my ballot")
    assert "This is version 2: it replaces your earlier ballot" in citizen.shown[-1].text
    [ballot] = await vote_app.ballots()
    assert ballot.version == 2
    assert len(ballot.project_ids) == 2


async def test_an_empty_envelope_cannot_be_cast_when_the_edition_forbids_it(vote_app: App) -> None:
    citizen = await at_envelope(vote_app)
    await citizen.click("✅ Cast my ballot")
    assert citizen.alerts[-1] == "Your envelope is empty. Choose at least one project first."
    assert await vote_app.ballots() == []


async def test_a_voter_can_withdraw_their_ballot(vote_app: App) -> None:
    citizen = await at_envelope(vote_app)
    await citizen.click("📋 Choose projects")
    await citizen.click("➕ Add")
    await citizen.click("🗳 My envelope")
    await citizen.click("✅ Cast my ballot")
    await citizen.click("✅ Yes, cast my ballot")
    await citizen.click("🗳 My envelope")
    await citizen.click("🗑 Withdraw my ballot")
    await citizen.click("🗑 Yes, withdraw it")
    assert await vote_app.ballots() == []
    assert "Your ballot has been withdrawn" in citizen.shown[-1].text


async def test_an_uncast_envelope_is_found_as_it_was_left_and_the_menu_says_so(
    vote_app: App,
) -> None:
    citizen = await at_envelope(vote_app)
    await citizen.click("📋 Choose projects")
    await citizen.click("➕ Add")
    await citizen.send("/start")
    assert "Your envelope is not cast yet." in citizen.last.text
    vote_app.start()  # the bot restarts
    again = vote_app.citizen(1)
    await again.send("/vote")
    assert "• " in again.last.text, "the project is still in the envelope"


async def test_outside_the_vote_phase_nothing_is_accepted(vote_app: App) -> None:
    citizen = await at_envelope(vote_app)
    await citizen.click("📋 Choose projects")
    page = citizen.last
    from tests.support.app import AFTER_VOTE

    vote_app.clock.now = AFTER_VOTE
    await citizen.click("➕ Add", page)
    closed = "The vote closed on 15 May 2027.\n\nThe results are out: /results"
    assert citizen.alerts[-1] == closed
    await citizen.send("/vote")
    assert citizen.last.text == closed
    assert citizen.last.labels == ["🏆 The results"]


async def test_a_forged_project_id_is_refused(vote_app: App) -> None:
    citizen = await at_envelope(vote_app)
    await citizen.click("📋 Choose projects")
    button = citizen.last.buttons[0][1].callback_data
    assert button is not None
    token, seq = button.split(":")[1:3]
    await citizen.press(f"v:{token}:{seq}:add:999999")
    assert citizen.alerts[-1] == "This button does not work here."
    await citizen.press(f"v:{token}:{seq}:page:abc")
    assert citizen.alerts[-1] == "This button does not work here."
    await citizen.press(f"v:{token}:{seq}:page:²")
    assert citizen.alerts[-1] == "This button does not work here."
    await citizen.press(f"v:{token}:{seq}:card:²")
    assert citizen.alerts[-1] == "This button does not work here."


async def test_ranking_shows_the_live_standings_where_the_edition_shows_them(vote_app: App) -> None:
    citizen = await at_envelope(vote_app)
    await citizen.click("📋 Choose projects")
    await citizen.click("➕ Add")
    await citizen.click("🗳 My envelope")
    await citizen.click("✅ Cast my ballot")
    await citizen.click("✅ Yes, cast my ballot")
    other = await consented(vote_app, 2)
    await other.send("/ranking")
    assert "<b>Standings</b> · ballots cast: 1" in other.last.text
    assert ": 1" in other.last.text


async def test_results_show_the_winners_the_money_used_the_turnout_and_a_chart(
    vote_app: App,
) -> None:
    first = await at_envelope(vote_app, 1)
    await cast_ballot(first, ["A cycle lane along the Meuse", "Repair café in Couvin"])
    second = await at_envelope(vote_app, 2)
    await cast_ballot(second, ["A cycle lane along the Meuse", "Youth music studio"])
    early = await consented(vote_app, 3)
    await early.send("/results")
    assert early.last.text == "The results will be announced on 16 May 2027."

    from tests.support.app import AFTER_VOTE

    vote_app.clock.now = AFTER_VOTE
    await early.send("/results")
    chart, screen = early.shown[-2:]
    assert chart.photo == "uploaded"
    text = screen.text
    assert "🗳 Ballots cast: 2" in text
    # Greedy: the cycle lane (2 votes, 120 000 €), then the studio and the café (1 vote each)
    # still fit; 188 500 € of the 200 000 € are used.
    assert "Projects funded: 3, for €188,500 out of €200,000" in text
    assert "<b>A cycle lane along the Meuse</b> — €120,000\nVotes: 2" in text
    assert "taken in order of votes" in text


@pytest.fixture
async def phone_vote_app(sessionmaker: async_sessionmaker[AsyncSession], edition_id: int) -> App:
    await change_edition(sessionmaker, ("ask_phone = false", "ask_phone = true"))
    await put_projects_on_the_ballot(sessionmaker, edition_id)
    app = App(sessionmaker)
    app.clock.now = DURING_VOTE
    return app


async def at_phone_question(app: App, user_id: int) -> Citizen:
    citizen = await at_envelope(app, user_id)
    assert citizen.last.asks_contact
    return citizen


async def test_where_the_edition_asks_for_it_each_phone_number_votes_once(
    phone_vote_app: App,
) -> None:
    first = await at_phone_question(phone_vote_app, 1)
    await first.send("0470 12 34 56")
    assert first.last.text == "Please use the button below to share your phone number."
    await first.share_contact("+32470123456", own=False)
    assert first.last.text.startswith("This is not your own number.")
    assert await phone_vote_app.count(VoterRow) == 0
    await first.share_contact("+32470123456")
    assert "Thank you, your phone number is checked." in [s.text for s in first.shown]
    assert "left to spend" in first.last.text
    [voter] = await phone_vote_app.rows(VoterRow)
    assert voter.phone_hash and "470123456" not in voter.phone_hash

    # A second account with the same number (written differently) is turned away.
    second = await at_phone_question(phone_vote_app, 2)
    await second.share_contact("0032 470 12 34 56")
    assert second.shown[-2].text == (
        "This phone number has already been used to vote from another account. "
        "Each person votes once."
    )
    assert await phone_vote_app.count(VoterRow) == 1
    await second.send("/vote")
    assert second.last.text.startswith("🗳 <b>Before you vote</b>"), "asked again, nothing kept"


async def test_a_contact_nobody_asked_for_changes_nothing(vote_app: App) -> None:
    citizen = await consented(vote_app)
    await citizen.share_contact("+32470123456")
    assert citizen.shown[-2].text == "Thank you, but I did not ask for a phone number here."
    assert await vote_app.count(VoterRow) == 0


async def test_the_ranking_is_hidden_where_the_edition_hides_it(
    sessionmaker: async_sessionmaker[AsyncSession], edition_id: int
) -> None:
    await change_edition(sessionmaker, ("show_ranking = true", "show_ranking = false"))
    app = App(sessionmaker)
    app.clock.now = DURING_VOTE
    citizen = await consented(app)
    await citizen.send("/ranking")
    assert citizen.last.text == "The standings are not shown during this vote."
    assert "📊 Standings" not in citizen.last_labels()


async def test_two_adds_tapped_at_once_when_only_one_fits_add_one(vote_app: App) -> None:
    citizen = await at_envelope(vote_app)
    await citizen.click("📋 Choose projects")
    await add_project(citizen, "A cycle lane along the Meuse")
    while "◀ Previous" in citizen.last.labels:
        await citizen.click("◀ Previous")
    # 80 000 € are left: the studio (60 000 €) and the orchards (49 548 €) do not both fit.
    page = citizen.last
    studio = next(i for i, label in enumerate(page.labels) if "Youth music" in label)
    orchards = next(i for i, label in enumerate(page.labels) if "Orchards" in label)
    flat = [button for row in page.buttons for button in row]
    add_studio, add_orchards = flat[studio + 1], flat[orchards + 1]
    assert add_studio.text == add_orchards.text == "➕ Add"
    await asyncio.gather(
        citizen.press(str(add_studio.callback_data), page),
        citizen.press(str(add_orchards.callback_data), page),
    )
    assert citizen.alerts[-1].startswith("This project costs")
    await citizen.click("🗳 My envelope")
    assert "<b>€20,000</b> left to spend" in citizen.last.text or (
        "<b>€30,452</b> left to spend" in citizen.last.text
    )
    await citizen.click("✅ Cast my ballot")
    await citizen.click("✅ Yes, cast my ballot")
    [ballot] = await vote_app.ballots()
    assert ballot.total_cents in (18_000_000, 16_954_800)


async def test_adding_from_a_card_with_a_photo_updates_that_card_in_place(
    vote_app: App,
) -> None:
    from sqlalchemy import update

    from storage.tables import ProjectRow

    async with vote_app.sessionmaker() as session:
        await session.execute(
            update(ProjectRow)
            .where(ProjectRow.cost_cents == 8_500_00)
            .values(image="https://example.org/repair-cafe.jpg")
        )
        await session.commit()
    citizen = await at_envelope(vote_app)
    await citizen.click("📋 Choose projects")
    await open_card(citizen, "Repair café in Couvin")
    card = citizen.last
    assert card.photo == "https://example.org/repair-cafe.jpg"
    shown_before = len(citizen.shown)
    await citizen.click("➕ Add", card)
    assert len(citizen.shown) == shown_before, "no new message: the card is edited"
    assert "In your envelope" in card.text
    assert "✖ Remove" in card.labels


async def test_a_refused_phone_number_says_what_to_do_next(phone_vote_app: App) -> None:
    first = await at_phone_question(phone_vote_app, 1)
    await first.share_contact("+32470123456")
    second = await at_phone_question(phone_vote_app, 2)
    await second.share_contact("+32470123456")
    refused, next_step = second.shown[-2:]
    assert "already been used to vote from another account" in refused.text
    assert "budget.participatif@province.namur.example" in next_step.text
    assert next_step.labels == ["🏠 Menu"]


async def test_a_contact_nobody_asked_for_leads_back_to_the_menu(vote_app: App) -> None:
    citizen = await consented(vote_app)
    await citizen.share_contact("+32470123456")
    assert "🗳 Vote" in citizen.last.labels


ASK_IDENTITY = (
    "🪪 To make sure each person votes once, online or on paper at a stand, please type your "
    "reference: <b>National register number</b>. It is kept only as a code that cannot be "
    "turned back into it."
)


async def test_the_identity_reference_is_asked_once_fingerprinted_and_not_kept(
    vote_app: App,
) -> None:
    citizen = await at_identity_question(vote_app)
    assert citizen.last.text == ASK_IDENTITY
    assert await vote_app.count(VoterRow) == 0
    await citizen.send("85.07.30-033.61")
    assert "left to spend" in citizen.last.text
    [voter] = await vote_app.rows(VoterRow)
    assert voter.identity_hash and "85073003361" not in voter.identity_hash
    # Once the voter is registered, not even the fingerprint stays with the envelope.
    [state] = (await vote_app.vote_states()).values()
    assert state["identity_hash"] is None
    assert voter.identity_hash not in str(state)

    # Another account, with the same reference written otherwise, is turned away.
    second = await at_identity_question(vote_app, 2)
    await second.send("85 07 30 033 61")
    assert second.shown[-2].text == (
        "This reference (<b>National register number</b>) has already been used to vote from "
        "another account. Each person votes once."
    )
    assert second.last.text.startswith("If this reference is yours and you have not voted")
    assert second.last.labels == ["🏠 Menu"]
    assert await vote_app.count(VoterRow) == 1
    await second.send("Hello")
    assert "left to spend" not in second.last.text, "nobody listens for a reference any more"


@pytest.mark.parametrize(
    ("send", "reason"),
    [
        (lambda c: c.send("   "), "This answer cannot be empty."),
        (lambda c: c.send("8" * 70), "That is 70 characters; the limit is 64."),
        (lambda c: c.send("85-07"), "That does not match <b>National register number</b>"),
        (lambda c: c.send_sticker(), "Please answer with text."),
        (lambda c: c.send_photo(), "Please answer with text."),
        (lambda c: c.share_contact("+32470123456"), "Please answer with text."),
    ],
    ids=["blank", "overlong", "too short", "sticker", "photo", "contact"],
)
async def test_what_cannot_be_an_identity_reference_is_refused_and_changes_nothing(
    vote_app: App, send: Callable[[Citizen], Awaitable[None]], reason: str
) -> None:
    citizen = await at_identity_question(vote_app)
    before = await vote_app.vote_states()
    await send(citizen)
    assert citizen.last.text.startswith(reason)
    assert citizen.last.text.endswith(ASK_IDENTITY), "and the question again"
    assert await vote_app.count(VoterRow) == 0
    assert await vote_app.vote_states() == before
    await citizen.send("85.07.30-033.61")
    assert "left to spend" in citizen.last.text, "the step still listens"
