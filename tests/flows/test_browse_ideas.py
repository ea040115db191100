"""Citizens browse the published ideas, support them and suggest improvements."""

import asyncio
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.rehearsal.simulator import Citizen, Shown
from budget.ideas import IdeaStatus
from storage.ideas import NewIdea
from storage.tables import CitizenRow, IdeaRow, SuggestionRow, SupportRow
from storage.unit_of_work import UnitOfWork
from tests.conftest import EXAMPLE_EDITION
from tests.support.app import (
    DURING_ANALYSIS,
    DURING_VOTE,
    STAFF_ID,
    App,
    at_title,
    consented,
    open_card,
)

Sessionmaker = async_sessionmaker[AsyncSession]
NOW = datetime(2026, 12, 1, 11, tzinfo=UTC)


@dataclass(frozen=True)
class Published:
    title: str
    theme: str
    district: str | None
    status: IdeaStatus


# What the list holds: seven ideas on two pages, over several themes, districts and stages.
PUBLIC = [
    Published("A shaded playground in Jambes", "youth", "namur", IdeaStatus.PUBLISHED),
    Published("Repair café in Couvin", "social", "philippeville", IdeaStatus.PUBLISHED),
    Published("Cycle lane along the Meuse", "mobility", "dinant", IdeaStatus.UNDER_ANALYSIS),
    Published("Orchards in the schools", "environment", "namur", IdeaStatus.PUBLISHED),
    Published("Open-air library", "culture", "dinant", IdeaStatus.PUBLISHED),
    Published("Nature trail for the blind", "environment", None, IdeaStatus.PUBLISHED),
    Published("Outdoor fitness in Ciney", "sport", "dinant", IdeaStatus.NOT_FEASIBLE),
]
# Never shown to citizens.
HIDDEN = [
    Published("Waiting for moderation", "culture", "namur", IdeaStatus.SUBMITTED),
    Published("Sent back for changes", "culture", "namur", IdeaStatus.CHANGES_ASKED),
    Published("Merged into another", "culture", "namur", IdeaStatus.MERGED),
    Published("Refused by moderation", "culture", "namur", IdeaStatus.REJECTED),
]


async def deposit(
    sessionmaker: Sessionmaker,
    edition_id: int,
    idea: Published,
    author: int = 500,
    **changes: Any,
) -> int:
    """An idea deposited by the citizen `author` (a Telegram id), in `idea.status`."""
    answers = NewIdea(
        author_kind="myself",
        organisation=None,
        title=idea.title,
        description=f"What {idea.title.lower()} would bring.",
        objectives=None,
        beneficiaries=None,
        theme=idea.theme,
        implementation=None,
        latitude=None,
        longitude=None,
        address=None,
        budget_cents=10_000_00,
        image_file_id=None,
    )
    answers = replace(answers, **changes)
    async with UnitOfWork(sessionmaker) as uow:
        citizen = await uow.citizens.consent(author, "en", None, NOW)
        row = await uow.ideas.submit(edition_id, citizen.id, answers, NOW)
        await uow.session.execute(
            update(IdeaRow)
            .where(IdeaRow.id == row.id)
            .values(status=idea.status.value, district=idea.district, published_at=NOW)
        )
        await uow.commit()
        return row.id


async def publish_suggestion(
    sessionmaker: Sessionmaker, idea_id: int, text: str, status: str = "published"
) -> None:
    async with UnitOfWork(sessionmaker) as uow:
        citizen = await uow.citizens.consent(600, "en", None, NOW)
        uow.session.add(
            SuggestionRow(idea_id=idea_id, citizen_id=citizen.id, text=text, status=status, at=NOW)
        )
        await uow.commit()


@pytest.fixture
async def ideas(sessionmaker: Sessionmaker, edition_id: int) -> dict[str, int]:
    """The ideas' numbers by title."""
    numbers = {}
    for author, idea in enumerate(PUBLIC + HIDDEN, start=500):
        numbers[idea.title] = await deposit(sessionmaker, edition_id, idea, author)
    return numbers


def titles_on(shown: Shown) -> list[str]:
    return [idea.title for idea in PUBLIC + HIDDEN if f"<b>{idea.title}</b>" in shown.text]


async def browse(app: App, user_id: int = 1) -> Citizen:
    citizen = await consented(app, user_id)
    await citizen.click("🔎 Browse the ideas")
    return citizen


def callback(shown: Shown, label: str) -> str:
    data = next(b.callback_data for row in shown.buttons for b in row if b.text == label)
    assert data is not None
    return data


def token_and_seq(shown: Shown) -> tuple[str, str]:
    data = next(b.callback_data for row in shown.buttons for b in row if b.callback_data)
    assert data is not None and data.startswith("i:")
    token, seq = data.split(":")[1:3]
    return token, seq


# -- the list ---------------------------------------------------------------------------------


async def test_the_published_ideas_come_five_a_page_in_one_message(
    app: App, ideas: dict[str, int]
) -> None:
    citizen = await browse(app)
    page = citizen.last
    assert "💡 <b>The ideas</b>: 7 · page 1 of 2" in page.text
    assert "in an order of their own" in page.text
    first, first_text = titles_on(page), page.text
    assert len(first) == 5
    assert len([label for label in page.labels if label[0].isdigit()]) == 5
    await citizen.click("Next ▶")
    assert citizen.last is page, "the same message is kept up to date"
    assert "page 2 of 2" in page.text
    second = titles_on(page)
    assert sorted(first + second) == sorted(idea.title for idea in PUBLIC)
    # A stage other than "published" is named on the line.
    assert "🏷 Sport and health · ❌ Not feasible · 👍 0" in first_text + page.text


async def test_unpublished_ideas_are_never_listed(app: App, ideas: dict[str, int]) -> None:
    citizen = await browse(app)
    seen = titles_on(citizen.last)
    await citizen.click("Next ▶")
    seen += titles_on(citizen.last)
    assert not set(seen) & {idea.title for idea in HIDDEN}


async def test_each_citizen_has_an_order_of_their_own_that_stays_the_same(
    app: App, ideas: dict[str, int]
) -> None:
    first = await browse(app, 1)
    second = await browse(app, 2)
    order = titles_on(first.last)
    assert order != titles_on(second.last)
    await first.send("/ideas")
    assert titles_on(first.last) == order


async def test_each_line_gives_the_theme_and_the_supports(
    app: App, ideas: dict[str, int], edition_id: int
) -> None:
    await support(app, edition_id, ideas["Orchards in the schools"], supporters=[701, 702])
    citizen = await browse(app)
    await citizen.click("🏷 Theme")
    await citizen.click("Environment and biodiversity (2)")
    assert "<b>Orchards in the schools</b>\n🏷 Environment and biodiversity · 👍 2" in (
        citizen.last.text
    )


async def support(app: App, edition_id: int, idea_id: int, supporters: list[int]) -> None:
    async with UnitOfWork(app.sessionmaker) as uow:
        for telegram_id in supporters:
            citizen = await uow.citizens.consent(telegram_id, "en", None, NOW)
            await uow.browsing.support(edition_id, idea_id, citizen.id, NOW, ["published"])
        await uow.commit()


async def test_the_list_can_be_filtered_by_theme(app: App, ideas: dict[str, int]) -> None:
    citizen = await browse(app)
    await citizen.click("🏷 Theme")
    assert "Culture and heritage (1)" in citizen.last.labels
    assert "Rural life and farming (0)" not in citizen.last.labels, "no idea, no choice"
    await citizen.click("Environment and biodiversity (2)")
    assert "🔎 Theme: Environment and biodiversity · District: All · Stage: All" in (
        citizen.last.text
    )
    assert sorted(titles_on(citizen.last)) == [
        "Nature trail for the blind",
        "Orchards in the schools",
    ]
    await citizen.click("✖ Show all the ideas")
    assert "💡 <b>The ideas</b>: 7 · page 1 of 2" in citizen.last.text


async def test_the_list_can_be_filtered_by_district(app: App, ideas: dict[str, int]) -> None:
    citizen = await browse(app)
    await citizen.click("📍 District")
    await citizen.click("Dinant district (3)")
    assert sorted(titles_on(citizen.last)) == [
        "Cycle lane along the Meuse",
        "Open-air library",
        "Outdoor fitness in Ciney",
    ]


async def test_the_list_can_be_filtered_by_stage(app: App, ideas: dict[str, int]) -> None:
    citizen = await browse(app)
    await citizen.click("📌 Stage")
    assert citizen.last.labels[:3] == [
        "✅ Published (5)",
        "🔎 Under analysis (1)",
        "❌ Not feasible (1)",
    ]
    await citizen.click("🔎 Under analysis (1)")
    assert titles_on(citizen.last) == ["Cycle lane along the Meuse"]
    assert "🏷 Mobility · 🔎 Under analysis · 👍 0" in citizen.last.text


async def test_filters_add_up_and_say_when_nothing_matches(app: App, ideas: dict[str, int]) -> None:
    citizen = await browse(app)
    await citizen.click("🏷 Theme")
    await citizen.click("Youth and education (1)")
    await citizen.click("📍 District")
    await citizen.click("Dinant district (3)")
    assert "No idea matches these filters." in citizen.last.text
    assert "✖ Show all the ideas" in citizen.last.labels


async def test_before_any_idea_is_published_the_list_says_so_and_offers_the_form(
    app: App,
) -> None:
    citizen = await browse(app)
    assert "No idea has been published yet." in citizen.last.text
    await citizen.click("💡 Deposit an idea")
    await citizen.click("✍️ Start my idea")
    assert "🙋 Myself" in citizen.last.labels


async def test_the_menu_offers_the_ideas_while_they_take_supports(app: App) -> None:
    citizen = await consented(app)
    assert "🔎 Browse the ideas" in citizen.last.labels
    app.clock.now = DURING_ANALYSIS
    await citizen.send("/start")
    assert "🔎 Browse the ideas" in citizen.last.labels
    app.clock.now = DURING_VOTE
    await citizen.send("/start")
    assert "🔎 Browse the ideas" not in citizen.last.labels


# -- the card ---------------------------------------------------------------------------------


async def test_the_card_shows_everything_the_author_gave(
    app: App, sessionmaker: Sessionmaker, edition_id: int
) -> None:
    idea = Published("A repair café for bicycles", "mobility", "namur", IdeaStatus.PUBLISHED)
    await deposit(
        sessionmaker,
        edition_id,
        idea,
        author_kind="organisation",
        organisation="Gembloux <Cyclists>",
        description="Volunteers repair bicycles every Saturday.",
        objectives="Fewer cars in town.",
        beneficiaries="Students and families.",
        implementation="A room lent by the commune, tools bought once.",
        address="Rue de la Station 1, 5030 Gembloux",
        budget_cents=12_500_00,
        attachments=[("document", "doc-plan", "plan.pdf")],
    )
    citizen = await browse(app)
    list_message = citizen.last
    await citizen.click("1. A repair café for bicyc…")
    card = citizen.last
    assert card is list_message, "the list becomes the card"
    for shown in (
        "💡 <b>A repair café for bicycles</b>",
        "🏢 Proposed by an organisation: Gembloux &lt;Cyclists&gt;",
        "🏷 Mobility",
        "📍 Namur district",
        "📌 ✅ Published",
        "📝 Volunteers repair bicycles every Saturday.",
        "🎯 <b>Objectives:</b> Fewer cars in town.",
        "👥 <b>For whom:</b> Students and families.",
        "🛠 <b>How to carry it out:</b> A room lent by the commune, tools bought once.",
        "🗺 <b>Place:</b> Rue de la Station 1, 5030 Gembloux",
        "💶 <b>Estimated budget:</b> €12,500",
        "👍 <b>Supports:</b> 0",
    ):
        assert shown in card.text
    assert card.labels == [
        "👍 Support this idea",
        "✍️ Suggest an improvement",
        "📎 Documents (1)",
        "⬅ Back to the ideas",
    ]
    await citizen.click("📎 Documents (1)")
    assert citizen.shown[-1].document == "doc-plan"
    await citizen.click("⬅ Back to the ideas", card)
    assert "💡 <b>The ideas</b>: 1 · page 1 of 1" in card.text


async def test_an_idea_without_implementation_asks_for_suggestions_and_its_image_comes_first(
    app: App, sessionmaker: Sessionmaker, edition_id: int
) -> None:
    idea = Published("Benches along the Sambre", "social", None, IdeaStatus.PUBLISHED)
    await deposit(
        sessionmaker,
        edition_id,
        idea,
        image_file_id="photo-benches",
        latitude=50.46,
        longitude=4.87,
    )
    citizen = await browse(app)
    await citizen.click("1. Benches along the Sambre")
    photo, card = citizen.shown[-2:]
    assert photo.photo == "photo-benches"
    assert "the author asks for your suggestions" in card.text
    assert 'href="https://www.openstreetmap.org/?mlat=50.46000&amp;mlon=4.87000' in card.text


async def test_a_long_description_is_cut_on_the_card_and_can_be_read_in_full(
    app: App, sessionmaker: Sessionmaker, edition_id: int
) -> None:
    idea = Published("A long idea", "social", None, IdeaStatus.PUBLISHED)
    description = "All about it. " * 140
    await deposit(sessionmaker, edition_id, idea, description=description.strip())
    citizen = await browse(app)
    await citizen.click("1. A long idea")
    assert description.strip() not in citizen.last.text
    assert "…" in citizen.last.text
    await citizen.click("📖 Read in full")
    assert description.strip() in citizen.shown[-1].text


async def test_published_suggestions_are_shown_under_the_idea(
    app: App, ideas: dict[str, int]
) -> None:
    orchards = ideas["Orchards in the schools"]
    for number in range(1, 5):
        await publish_suggestion(app.sessionmaker, orchards, f"Suggestion number {number}")
    await publish_suggestion(app.sessionmaker, orchards, "Not checked yet", status="submitted")
    citizen = await browse(app)
    await open_card(citizen, "Orchards in the schools")
    card = citizen.last.text
    assert "💬 <b>Suggestions:</b> 4" in card
    assert "• Suggestion number 4" in card
    assert "Suggestion number 1" not in card, "the latest three on the card"
    assert "Not checked yet" not in card
    await citizen.click("💬 All the suggestions (4)")
    assert all(f"• Suggestion number {n}" in citizen.shown[-1].text for n in range(1, 5))


# -- supports ---------------------------------------------------------------------------------


async def test_a_support_is_counted_in_place_and_can_be_withdrawn(
    app: App, ideas: dict[str, int]
) -> None:
    citizen = await browse(app)
    await open_card(citizen, "Orchards in the schools")
    card = citizen.last
    await citizen.click("👍 Support this idea")
    assert citizen.last is card, "the card is redrawn in place"
    assert "👍 <b>Supports:</b> 1" in card.text
    assert "✅ You support this idea." in card.text
    assert "↩ Withdraw my support" in card.labels
    other = await browse(app, 2)
    await open_card(other, "Orchards in the schools")
    await other.click("👍 Support this idea")
    assert "👍 <b>Supports:</b> 2" in other.last.text
    await citizen.click("↩ Withdraw my support")
    assert "👍 <b>Supports:</b> 1" in card.text, "the other citizen's support counts too"
    assert "You support this idea" not in card.text
    [support] = await app.rows(SupportRow)
    assert support.idea_id == ideas["Orchards in the schools"]


async def test_support_tapped_twice_quickly_counts_once(app: App, ideas: dict[str, int]) -> None:
    citizen = await browse(app)
    await open_card(citizen, "Orchards in the schools")
    card = citizen.last
    support = callback(card, "👍 Support this idea")
    await asyncio.gather(citizen.press(support, card), citizen.press(support, card))
    await citizen.press(support, card)
    assert await app.count(SupportRow) == 1
    assert "👍 <b>Supports:</b> 1" in card.text
    assert citizen.alerts == []


async def test_an_idea_the_analysis_found_not_feasible_takes_no_support(
    app: App, ideas: dict[str, int]
) -> None:
    citizen = await browse(app)
    await open_card(citizen, "Outdoor fitness in Ciney")
    card = citizen.last
    assert "👍 Support this idea" not in card.labels
    token, seq = token_and_seq(card)
    await citizen.press(f"i:{token}:{seq}:support:{ideas['Outdoor fitness in Ciney']}", card)
    assert citizen.alerts[-1] == (
        "This idea can no longer be supported or improved: ❌ Not feasible."
    )
    assert await app.count(SupportRow) == 0


async def test_a_support_button_pressed_after_the_analysis_gets_the_closing_date(
    app: App, ideas: dict[str, int]
) -> None:
    citizen = await browse(app)
    await open_card(citizen, "Orchards in the schools")
    card = citizen.last
    app.clock.now = DURING_VOTE
    await citizen.click("👍 Support this idea", card)
    assert citizen.alerts[-1] == "Supporting and improving ideas closed on 31 March 2027."
    assert await app.count(SupportRow) == 0
    await citizen.send("/ideas")
    await open_card(citizen, "Orchards in the schools")
    assert "👍 Support this idea" not in citizen.last.labels
    assert "✍️ Suggest an improvement" not in citizen.last.labels


async def test_supports_are_taken_during_the_analysis(app: App, ideas: dict[str, int]) -> None:
    app.clock.now = DURING_ANALYSIS
    citizen = await browse(app)
    await open_card(citizen, "Cycle lane along the Meuse")
    await citizen.click("👍 Support this idea")
    assert await app.count(SupportRow) == 1


# -- suggestions ------------------------------------------------------------------------------


async def at_suggestion(app: App, title: str = "Orchards in the schools") -> Citizen:
    citizen = await browse(app)
    await open_card(citizen, title)
    await citizen.click("✍️ Suggest an improvement")
    return citizen


async def test_a_suggestion_is_kept_for_moderation_and_the_citizen_told(
    app: App, ideas: dict[str, int]
) -> None:
    citizen = await at_suggestion(app)
    assert "Write your suggestion for <b>Orchards in the schools</b>" in citizen.last.text
    assert "at most 500 characters" in citizen.last.text
    await citizen.send("  Plant old local apple varieties.  ")
    assert "Your suggestion will be shown under the idea once the team has checked it." in (
        citizen.shown[-2].text
    )
    assert "💡 <b>Orchards in the schools</b>" in citizen.last.text, "the card comes back"
    [suggestion] = await app.rows(SuggestionRow)
    [author] = [row for row in await app.rows(CitizenRow) if row.telegram_id == 1]
    assert (suggestion.idea_id, suggestion.citizen_id) == (
        ideas["Orchards in the schools"],
        author.id,
    )
    assert (suggestion.text, suggestion.status) == ("Plant old local apple varieties.", "submitted")
    await citizen.send("And pears too.")
    assert await app.count(SuggestionRow) == 1, "one suggestion per request"


async def test_a_suggestion_left_for_a_command_takes_no_later_text(
    app: App, ideas: dict[str, int]
) -> None:
    citizen = await at_suggestion(app)
    await citizen.send("/start")
    await citizen.send("Hello, what can I do here?")
    assert await app.count(SuggestionRow) == 0


async def test_a_suggestion_over_500_characters_is_refused_with_the_count(
    app: App, ideas: dict[str, int]
) -> None:
    citizen = await at_suggestion(app)
    await citizen.send("x" * 501)
    assert citizen.last.text == (
        "Your suggestion is 501 characters long; 500 at most, please. Shorten it and send it again."
    )
    assert citizen.last.labels == ["✖ Cancel"]
    assert await app.count(SuggestionRow) == 0
    await citizen.send("x" * 500)
    assert await app.count(SuggestionRow) == 1


@pytest.mark.parametrize("send", ["send_photo", "send_sticker", "send_voice"])
async def test_anything_but_text_for_a_suggestion_gets_a_clear_answer(
    app: App, ideas: dict[str, int], send: str
) -> None:
    citizen = await at_suggestion(app)
    await getattr(citizen, send)()
    assert citizen.last.text == "Please write your suggestion as a text message, or tap Cancel."
    assert await app.count(SuggestionRow) == 0


async def test_cancel_brings_the_card_back_and_keeps_nothing(
    app: App, ideas: dict[str, int]
) -> None:
    citizen = await at_suggestion(app)
    await citizen.click("✖ Cancel")
    assert "💡 <b>Orchards in the schools</b>" in citizen.last.text
    await citizen.send("Hello")
    assert await app.count(SuggestionRow) == 0
    assert "🔎 Browse the ideas" in citizen.last.labels, "text outside a question: the menu"


async def test_a_suggestion_request_left_for_the_idea_form_leaves_the_draft_its_answers(
    app: App, ideas: dict[str, int]
) -> None:
    citizen = await at_suggestion(app)
    await citizen.send("/start")
    await citizen.click("💡 Deposit an idea")
    await citizen.click("✍️ Start my idea")
    await citizen.click("🙋 Myself")
    await citizen.send("We could plant an orchard")
    assert await app.count(SuggestionRow) == 0
    assert "<b>Describe</b> your idea" in citizen.last.text


async def test_the_idea_form_waits_while_a_suggestion_is_written(
    app: App, ideas: dict[str, int]
) -> None:
    citizen = await at_title(app)
    await citizen.send("/ideas")
    await open_card(citizen, "Orchards in the schools")
    await citizen.click("✍️ Suggest an improvement")
    await citizen.send("Plant old local apple varieties.")
    assert await app.count(SuggestionRow) == 1
    await citizen.send("/start")
    assert "✏️ Continue my idea" in citizen.last.labels, "the draft is kept"


async def test_an_author_cannot_suggest_to_their_own_idea(
    app: App, sessionmaker: Sessionmaker, edition_id: int
) -> None:
    author = await consented(app, 1)
    own = Published("My own idea", "social", None, IdeaStatus.PUBLISHED)
    number = await deposit(sessionmaker, edition_id, own, author=1)
    await author.click("🔎 Browse the ideas")
    await author.click("1. My own idea")
    card = author.last
    assert "🙋 This is your idea." in card.text
    assert "✍️ Suggest an improvement" not in card.labels
    token, seq = token_and_seq(card)
    await author.press(f"i:{token}:{seq}:suggest:{number}", card)
    assert author.alerts[-1] == "This is your own idea: others can suggest improvements to it."
    await author.send("A suggestion to myself")
    assert await app.count(SuggestionRow) == 0


# -- bad buttons ------------------------------------------------------------------------------


async def test_a_forged_button_naming_another_editions_idea_is_refused(
    app: App, ideas: dict[str, int], sessionmaker: Sessionmaker
) -> None:
    source = EXAMPLE_EDITION.read_text(encoding="utf-8").replace(
        'slug = "namur"', 'slug = "elsewhere"'
    )
    async with UnitOfWork(sessionmaker) as uow:
        # Loaded earlier: the bot goes on serving Namur's edition.
        other = await uow.editions.save(source, datetime.now(UTC) - timedelta(days=1))
        await uow.commit()
    foreign = await deposit(
        sessionmaker,
        other.id,
        Published("An idea from elsewhere", "social", None, IdeaStatus.PUBLISHED),
    )
    citizen = await browse(app)
    page = citizen.last
    token, seq = token_and_seq(page)
    for action in ("card", "support"):
        await citizen.press(f"i:{token}:{seq}:{action}:{foreign}", page)
        assert citizen.alerts[-1] == (
            "This idea cannot be shown: it does not exist here or is not published."
        )
    assert await app.count(SupportRow) == 0
    assert "💡 <b>The ideas</b>: 7" in page.text, "the list is left as it was"


async def test_a_forged_button_naming_an_unpublished_idea_is_refused(
    app: App, ideas: dict[str, int]
) -> None:
    citizen = await browse(app)
    token, seq = token_and_seq(citizen.last)
    for hidden in HIDDEN:
        await citizen.press(f"i:{token}:{seq}:card:{ideas[hidden.title]}", citizen.last)
        assert citizen.alerts[-1].startswith("This idea cannot be shown")
    assert not set(titles_on(citizen.last)) & {hidden.title for hidden in HIDDEN}


@pytest.mark.parametrize("arg", ["abc", "-1", "99999999999", "²", "١"])
async def test_a_page_that_is_not_a_number_is_refused(
    app: App, ideas: dict[str, int], arg: str
) -> None:
    citizen = await browse(app)
    token, seq = token_and_seq(citizen.last)
    await citizen.press(f"i:{token}:{seq}:page:{arg}", citizen.last)
    assert citizen.alerts[-1] == "This button does not work here."
    assert "page 1 of 2" in citizen.last.text


@pytest.mark.parametrize("arg", ["²", "9" * 30])
async def test_a_card_button_naming_no_number_is_refused(
    app: App, ideas: dict[str, int], arg: str
) -> None:
    citizen = await browse(app)
    token, seq = token_and_seq(citizen.last)
    await citizen.press(f"i:{token}:{seq}:card:{arg}", citizen.last)
    assert citizen.alerts[-1].startswith("This idea cannot be shown")


async def test_an_old_pages_buttons_are_recognised(app: App, ideas: dict[str, int]) -> None:
    citizen = await browse(app)
    page = citizen.last
    next_page = callback(page, "Next ▶")
    first_card = page.buttons[0][0].callback_data
    await citizen.click("Next ▶")
    for old in (next_page, first_card):
        assert old is not None
        await citizen.press(old, page)
        assert citizen.alerts[-1] == (
            "This button belongs to an earlier screen. Please use the latest message."
        )
    assert "page 2 of 2" in page.text


async def test_a_citizen_who_has_not_consented_is_asked_to_first(
    app: App, ideas: dict[str, int]
) -> None:
    stranger = app.citizen(7, "en")
    await stranger.send("/ideas")
    assert "Your privacy" in stranger.last.text
    await stranger.press(f"i:abcdef:1:card:{ideas['Orchards in the schools']}")
    assert "Your privacy" in stranger.last.text
    assert [row.telegram_id for row in await app.rows(CitizenRow)].count(7) == 0


async def test_an_idea_with_a_photo_names_its_title_once(app: App) -> None:
    author = await at_title(app, 7)
    await author.send("We could plant an orchard")
    await author.send("Twenty apple trees by the school of Jambes.")
    for _ in range(2):
        await author.click("Skip ⏭")
    await author.click("Environment and biodiversity")
    for _ in range(3):
        await author.click("Skip ⏭")
    await author.send("12 500")
    await author.send_photo("orchard-photo")
    await author.click("✅ Publish")
    staff = await consented(app, STAFF_ID)
    await staff.send("/pending")
    await staff.click("✅ Publish")
    friend = await consented(app, 2)
    await friend.send("/ideas")
    await open_card(friend, "We could plant")
    photo, card = friend.shown[-2:]
    assert photo.photo == "orchard-photo"
    assert (photo.text + card.text).count("We could plant an orchard") == 1
