"""/start, the privacy notice and consent, the language, the help and the phase-aware menu."""

from datetime import UTC, datetime

import pytest
from aiogram.types import Chat, Message, Update

from storage.tables import CitizenRow, ConversationStateRow, IdeaRow
from tests.support.app import (
    BEFORE_DEPOSIT,
    DURING_ANALYSIS,
    App,
    at_preview,
    at_title,
    consented,
    deposit_idea,
    publish_everything_pending,
)


async def test_start_welcomes_with_the_edition_and_asks_consent_before_storing_anything(
    app: App,
) -> None:
    citizen = app.citizen(1, "en")
    await citizen.send("/start")
    welcome, notice = citizen.shown
    assert "Welcome to the <b>Province of Namur participatory budget</b>" in welcome.text
    assert "Your privacy" in notice.text
    assert "budget.participatif@province.namur.example" in notice.text
    assert notice.labels == ["✅ I agree", "No, thank you", "🌐 Language"]
    assert await app.count(CitizenRow) == 0
    assert await app.count(ConversationStateRow) == 0


async def test_consent_stores_the_citizen_with_the_deep_link_source_then_shows_the_menu(
    app: App,
) -> None:
    citizen = app.citizen(1, "en")
    await citizen.send("/start poster_dinant")
    await citizen.click("✅ I agree")
    [row] = await app.rows(CitizenRow)
    assert (row.telegram_id, row.language, row.source) == (1, "en", "poster_dinant")
    assert "Thank you! You can now take part." in citizen.texts()
    assert citizen.last.labels == [
        "💡 Deposit an idea",
        "🔎 Browse the ideas",
        "📋 My ideas",
        "🌐 Language",
        "❓ Help",
    ]
    assert "Ideas can be deposited until 31 January 2027." in citizen.last.text


async def test_declining_keeps_nothing(app: App) -> None:
    citizen = app.citizen(1, "en")
    await citizen.send("/start")
    await citizen.click("No, thank you")
    assert "nothing has been kept" in citizen.last.text
    assert await app.count(CitizenRow) == 0


async def test_a_button_of_the_menu_before_consent_asks_for_consent(app: App) -> None:
    citizen = app.citizen(1, "en")
    await citizen.press("m:deposit:")
    assert "Your privacy" in citizen.last.text
    assert await app.count(ConversationStateRow) == 0


@pytest.mark.parametrize(
    ("language_code", "welcome"),
    [
        ("fr", "Bienvenue au"),
        ("nl", "Welkom bij"),
        ("de-BE", "Willkommen"),
        ("en-GB", "Welcome to"),
        ("pt-br", "Bienvenue au"),
        (None, "Bienvenue au"),
    ],
)
async def test_the_language_comes_from_telegram_else_french(
    app: App, language_code: str | None, welcome: str
) -> None:
    citizen = app.citizen(1, language_code)
    await citizen.send("/start")
    assert welcome in citizen.shown[0].text


async def test_the_language_can_be_chosen_before_consent_and_is_kept(app: App) -> None:
    citizen = app.citizen(1, "en")
    await citizen.send("/start poster_namur")
    await citizen.click("🌐 Language")
    assert citizen.last.labels == ["Français", "Nederlands", "Deutsch", "English"]
    await citizen.click("Nederlands")
    assert "Welkom bij" in citizen.texts()[-2]
    await citizen.click("✅ Ik ga akkoord")
    [row] = await app.rows(CitizenRow)
    assert (row.language, row.source) == ("nl", "poster_namur")


async def test_language_changes_at_any_time(app: App) -> None:
    citizen = await consented(app)
    await citizen.send("/language")
    await citizen.click("Deutsch")
    assert "Ich spreche ab jetzt Deutsch" in citizen.texts()[-2]
    assert "💡 Idee einreichen" in citizen.last.labels
    [row] = await app.rows(CitizenRow)
    assert row.language == "de"


async def test_changing_language_in_the_form_asks_the_same_question_again(app: App) -> None:
    citizen = await at_title(app)
    await citizen.send("/language")
    await citizen.click("Français")
    assert "Quel est le <b>titre</b>" in citizen.last.text


async def test_help_gives_the_contact_email_and_phone(app: App) -> None:
    citizen = app.citizen(1, "en")
    await citizen.send("/help")
    assert "📧 budget.participatif@province.namur.example" in citizen.last.text
    assert "📞 +32 81 00 00 00" in citizen.last.text


async def test_an_unknown_command_is_said_so(app: App) -> None:
    citizen = await consented(app)
    await citizen.send("/launch_rockets")
    assert "I do not know this command." in citizen.texts()


async def test_outside_the_deposit_phase_the_menu_offers_no_form(app: App) -> None:
    app.clock.now = DURING_ANALYSIS
    citizen = await consented(app)
    assert "The ideas are being analysed until 31 March 2027." in citizen.last.text
    assert "💡 Deposit an idea" not in citizen.last.labels


async def test_before_the_deposit_the_form_says_when_ideas_open(app: App) -> None:
    app.clock.now = BEFORE_DEPOSIT
    citizen = await consented(app)
    assert "Ideas can be deposited from 1 November 2026." in citizen.last.text
    await citizen.press("m:deposit:")
    assert citizen.last.text == "Ideas can be deposited from 1 November 2026. See you then!"


async def test_a_draft_left_when_the_deposit_closed_gets_the_closing_date(app: App) -> None:
    citizen = await at_preview(app)
    app.clock.now = DURING_ANALYSIS
    await citizen.click("✅ Publish")
    assert citizen.alerts[-1] == "The deposit of ideas closed on 31 January 2027."
    assert len(await app.drafts()) == 1, "the draft is kept, not thrown away"


async def test_a_shared_idea_link_says_it_waits_for_moderation_and_shows_nothing_of_it(
    app: App,
) -> None:
    author = await at_preview(app)
    await author.click("✅ Publish")
    [row] = await app.rows(IdeaRow)
    friend = await consented(app, 2)
    await friend.send(f"/start i_{row.share_code}")
    assert "Idea no. 1 is waiting for moderation." in friend.texts()[-2]
    assert "orchard" not in " ".join(friend.texts())


async def test_an_idea_a_stranger_may_not_see_is_never_shown_by_a_link_nor_by_its_number(
    app: App,
) -> None:
    author = await at_preview(app, title="We could insult the neighbours")
    await author.click("✅ Publish")
    [row] = await app.rows(IdeaRow)
    stranger = await consented(app, 2)
    await stranger.send("/start idea_1")
    assert "This link leads to no idea" in stranger.texts()[-2], "a number tells nothing"
    await reject(app, row.id)
    await stranger.send(f"/start i_{row.share_code}")
    assert "This link leads to no idea" in stranger.texts()[-2]
    assert "insult" not in " ".join(stranger.texts())
    await stranger.send("/start i_guessed12345")
    assert "This link leads to no idea" in stranger.texts()[-2]


async def test_a_published_idea_opens_by_its_link_and_by_its_number(app: App) -> None:
    await deposit_idea(app)
    await publish_everything_pending(app)
    [row] = await app.rows(IdeaRow)
    friend = await consented(app, 2)
    await friend.send(f"/start i_{row.share_code}")
    assert "We could plant an orchard" in friend.last.text
    await friend.send("/start idea_1")
    assert "We could plant an orchard" in friend.last.text


async def test_the_bot_stays_silent_in_a_group(app: App) -> None:
    citizen = app.citizen(1, "en")
    group = Message(
        message_id=1,
        date=datetime.now(UTC),
        chat=Chat(id=-100, type="group"),
        from_user=citizen.user,
        text="/start",
    )
    await app.simulator.feed(Update(update_id=99, message=group))
    assert app.simulator.session.requests == []


@pytest.mark.parametrize("payload", ["idea_99999999999999999999", "idea_", "idea_-3", "idea_2"])
async def test_a_link_to_an_idea_that_does_not_exist_says_so(app: App, payload: str) -> None:
    citizen = await consented(app)
    await citizen.send(f"/start {payload}")
    assert "This link leads to no idea of this participatory budget" in citizen.texts()[-2]
    assert "💡 Deposit an idea" in citizen.last.labels


async def reject(app: App, number: int) -> None:
    from sqlalchemy import update

    async with app.sessionmaker() as session:
        await session.execute(update(IdeaRow).where(IdeaRow.id == number).values(status="rejected"))
        await session.commit()


@pytest.mark.parametrize(
    ("language_code", "territory"),
    [
        ("fr", "vos idées pour la Province de Namur,"),
        ("nl", "uw ideeën voor de Provincie Namen"),
        ("de", "Ihre Ideen für die Provinz Namur"),
        ("en", "your ideas for the Province of Namur,"),
    ],
)
async def test_the_territory_is_named_in_each_language_with_its_article(
    app: App, language_code: str, territory: str
) -> None:
    citizen = app.citizen(1, language_code)
    await citizen.send("/start")
    welcome, notice = citizen.shown
    assert territory in welcome.text
    assert "Province de Namur" not in notice.text or language_code == "fr"


async def test_each_menu_button_has_an_emoji_of_its_own(app: App) -> None:
    citizen = await consented(app)
    emojis = [label.split()[0] for label in citizen.last.labels]
    assert len(set(emojis)) == len(emojis), emojis


async def test_text_typed_at_the_menu_is_said_not_to_be_understood_here(app: App) -> None:
    citizen = await consented(app)
    await citizen.send("hello, where do I vote?")
    said, menu = citizen.shown[-2:]
    assert said.text == "I did not understand this message here. Please choose from the menu."
    assert "📋 My ideas" in menu.labels
