"""/privacy: a citizen sees what is kept about them, gets a copy, and has it erased; a cast
ballot stays counted, a published idea stays, neither says whose it is any more."""

import json

from aiogram.methods import SendDocument
from aiogram.types import BufferedInputFile

from storage.tables import CitizenRow, ConversationStateRow, IdeaRow
from tests.support.app import (
    DURING_VOTE,
    App,
    at_envelope,
    at_title,
    cast_ballot,
    consented,
    deposit_idea,
    publish_everything_pending,
    put_projects_on_the_ballot,
)


async def test_a_stranger_is_told_nothing_is_kept(app: App) -> None:
    stranger = app.citizen(5, "en")
    await stranger.send("/privacy")
    assert stranger.last.text.startswith("🔒 Nothing is kept about you")


async def test_a_citizen_sees_what_is_kept_and_gets_a_copy(app: App) -> None:
    author = await deposit_idea(app, title="We could plant an orchard")
    await publish_everything_pending(app)
    await author.send("/privacy")
    screen = author.last.text
    assert "<b>What is kept about you</b>" in screen
    assert "Your ideas: 1 (published: 1)" in screen
    assert "Reminders: on" in screen
    await author.click("📦 Send me a copy")
    [document] = [
        method
        for method in app.simulator.session.requests
        if isinstance(method, SendDocument) and int(method.chat_id) == author.user.id
    ]
    assert isinstance(document.document, BufferedInputFile)
    copy = json.loads(document.document.data)
    assert copy["telegram_id"] == author.user.id
    assert copy["ideas"][0]["title"] == "We could plant an orchard"


async def test_erasing_keeps_the_ballot_counted_and_the_published_idea_without_its_author(
    app: App, sessionmaker, edition_id: int
) -> None:
    author = await deposit_idea(app, title="We could plant an orchard")
    await publish_everything_pending(app)
    drafting = await at_title(app, 8)
    await drafting.send("A draft nobody will read")
    await put_projects_on_the_ballot(sessionmaker, edition_id)
    app.clock.now = DURING_VOTE
    voter = await at_envelope(app, 7)
    await cast_ballot(voter, ["Repair café in Couvin"])

    await voter.send("/privacy")
    assert "Your ballot, sealed" in voter.last.text
    assert (
        "• Your identity reference, only as a fingerprint nobody can read back (until the vote "
        "closes)"
    ) in voter.last.text
    await voter.click("🗑 Erase my data")
    assert "Your cast ballot stays counted" in voter.last.text
    await voter.click("🗑 Yes, erase everything")
    assert voter.last.text.startswith("✅ Your data is erased.")
    assert len(await app.ballots()) == 1, "the ballot still counts"

    await author.send("/privacy")
    await author.click("🗑 Erase my data")
    await author.click("🗑 Yes, erase everything")
    [idea] = await app.rows(IdeaRow)
    assert idea.title == "We could plant an orchard" and idea.organisation is None
    telegram_ids = {row.telegram_id for row in await app.rows(CitizenRow)}
    assert 1 not in telegram_ids and 7 not in telegram_ids, "no longer anyone's account"
    assert 8 in telegram_ids, "the others are left alone"
    keys = [row.key for row in await app.rows(ConversationStateRow)]
    assert not any(":7:7:" in key or ":1:1:" in key for key in keys)

    await voter.send("/vote")
    assert "Your privacy" in " ".join(voter.texts()[-2:]), "a stranger again: asked to agree"


async def test_a_draft_is_erased_with_the_rest(app: App) -> None:
    citizen = await at_title(app)
    await citizen.send("A draft to forget")
    await citizen.send("/privacy")
    assert "Conversations in progress (a draft, an envelope, answers): 1" in citizen.last.text
    await citizen.click("🗑 Erase my data")
    await citizen.click("🗑 Yes, erase everything")
    assert await app.count(ConversationStateRow) == 0
    await citizen.send("/start")
    await citizen.click("✅ I agree")
    assert "✏️ Continue my idea" not in citizen.last.labels, "the draft went with the rest"
    assert await app.count(IdeaRow) == 0


async def test_someone_erased_can_take_part_again_from_scratch(app: App) -> None:
    citizen = await consented(app)
    await citizen.send("/privacy")
    await citizen.click("🗑 Erase my data")
    await citizen.click("🗑 Yes, erase everything")
    again = await consented(app)
    await again.send("/privacy")
    assert "What is kept about you" in again.last.text
