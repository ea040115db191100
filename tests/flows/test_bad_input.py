"""Whatever a citizen sends at the wrong moment gets a clear answer and changes nothing else."""

import asyncio
from typing import Any

import pytest

from storage.tables import IdeaRow
from tests.support.app import App, at_preview, at_title, change_answer


async def draft_of(app: App) -> dict[str, Any]:
    [draft] = await app.drafts()
    return draft


async def test_title_over_140_characters_is_refused_with_the_count(app: App) -> None:
    citizen = await at_title(app)
    before = await draft_of(app)
    await citizen.send("x" * 152)
    assert "That is 152 characters; the limit is 140." in citizen.last.text
    assert citizen.last.labels == ["⬅ Back", "✖ Cancel"], "the question's buttons stay at hand"
    assert await draft_of(app) == before


@pytest.mark.parametrize("title", ["", "   ", "\n\t "])
async def test_an_empty_or_blank_title_is_refused(app: App, title: str) -> None:
    citizen = await at_title(app)
    await citizen.send(title)
    assert "This answer cannot be empty." in citizen.last.text


async def test_a_5000_character_description_is_refused_with_the_documented_limit(app: App) -> None:
    citizen = await at_title(app)
    await citizen.send("We could plant an orchard")
    await citizen.send("word " * 1000)
    assert "That is 4,999 characters; the limit is 2,000." in citizen.last.text
    assert (await draft_of(app))["draft"]["description"] is None


@pytest.mark.parametrize(
    "send", ["send_sticker", "send_voice", "send_gif", "send_photo", "send_location"]
)
async def test_anything_but_text_at_the_title_step_gets_a_clear_answer(app: App, send: str) -> None:
    citizen = await at_title(app)
    before = await draft_of(app)
    sender = getattr(citizen, send)
    await (sender(50.0, 4.0) if send == "send_location" else sender())
    assert "Please answer with text." in citizen.last.text
    assert await draft_of(app) == before


async def test_html_and_markdown_are_shown_as_typed_never_interpreted(app: App) -> None:
    citizen = await at_preview(app, title='<a href="http://x">*bold* _it_</a>')
    assert "&lt;a href=&quot;http://x&quot;&gt;*bold* _it_&lt;/a&gt;" in citizen.last.text
    await citizen.click("✅ Publish")
    [idea] = await app.rows(IdeaRow)
    assert idea.title == '<a href="http://x">*bold* _it_</a>'


async def test_a_location_at_the_budget_step_is_refused(app: App) -> None:
    citizen = await at_preview(app)
    await change_answer(citizen, "Cost")
    await citizen.send_location(50.0, 4.0)
    assert "Please type the amount in euros" in citizen.last.text


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("0", "The cost must be more than zero."),
        ("-500", "The cost cannot be negative."),
        ("a lot", "That is not an amount."),
        ("12,345", None),
        ("12,555.555", "Cents have two digits at most"),
        ("999999999", "That is more than the whole envelope (€200,000)."),
    ],
)
async def test_zero_negative_and_absurd_budgets_are_refused_with_a_reason(
    app: App, typed: str, answer: str | None
) -> None:
    citizen = await at_preview(app)
    await change_answer(citizen, "Cost")
    await citizen.send(typed)
    if answer is None:
        assert "Preview of your idea" in citizen.last.text
        assert "€12,345" in citizen.last.text
    else:
        assert answer in citizen.last.text
        assert "Preview" not in citizen.last.text


async def test_a_button_from_an_earlier_question_is_refused_and_changes_nothing(app: App) -> None:
    citizen = await at_title(app)
    await citizen.send("We could plant an orchard")
    await citizen.send("Twenty apple trees.")
    objectives = citizen.last
    await citizen.click("Skip ⏭")
    before = await draft_of(app)
    await citizen.click("Skip ⏭", objectives)
    assert (
        citizen.alerts[-1]
        == "This button belongs to an earlier question. Please use the latest message."
    )
    assert await draft_of(app) == before


async def test_the_same_button_tapped_twice_quickly_has_one_effect(app: App) -> None:
    citizen = await at_preview(app)
    preview = citizen.last
    await asyncio.gather(citizen.click("✅ Publish", preview), citizen.click("✅ Publish", preview))
    assert await app.count(IdeaRow) == 1
    assert citizen.alerts == ["This form is no longer open. Use /start to see the menu."]


async def test_a_button_of_a_published_draft_gets_a_clear_answer(app: App) -> None:
    citizen = await at_preview(app)
    preview = citizen.last
    await citizen.click("✅ Publish")
    await citizen.click("✏️ Change an answer", preview)
    assert citizen.alerts[-1] == "This form is no longer open. Use /start to see the menu."
    assert await app.count(IdeaRow) == 1


async def test_a_button_of_an_abandoned_draft_does_not_touch_the_new_one(app: App) -> None:
    citizen = await at_title(app)
    await citizen.send("First idea")
    first = citizen.last
    await citizen.click("✖ Cancel")
    await citizen.click("🗑 Yes, delete my draft")
    await citizen.click("🏠 Menu")
    await citizen.click("💡 Deposit an idea")
    await citizen.click("✍️ Start my idea")
    await citizen.click("🙋 Myself")
    await citizen.send("Second idea")
    before = await draft_of(app)
    await citizen.click("⬅ Back", first)
    assert (
        citizen.alerts[-1]
        == "This button belongs to an earlier question. Please use the latest message."
    )
    assert await draft_of(app) == before


@pytest.mark.parametrize(
    "data",
    [
        "nonsense",
        "f:zzz:1:publish:",
        "f:abc:notanumber:back:",
        "m:self_destruct:",
        "c:agree",
        "l:xx:",
    ],
)
async def test_a_forged_callback_gets_a_clear_answer_and_changes_nothing(
    app: App, data: str
) -> None:
    citizen = await at_title(app)
    before = await draft_of(app)
    await citizen.press(data)
    assert citizen.alerts[-1] in {
        "This button is not valid any more.",
        "This button belongs to an earlier question. Please use the latest message.",
        "This button does not work here.",
        "You have already agreed.",
    }
    assert await draft_of(app) == before
    assert await app.count(IdeaRow) == 0


async def test_a_forged_theme_is_refused(app: App) -> None:
    citizen = await at_title(app)
    await citizen.send("A title")
    await citizen.send("A description")
    await citizen.click("Skip ⏭")
    await citizen.click("Skip ⏭")
    theme_button = citizen.last.buttons[0][0].callback_data
    assert theme_button is not None
    await citizen.press(theme_button.replace("environment", "casino"))
    assert citizen.alerts[-1] == "This button does not work here."
    assert (await draft_of(app))["draft"]["theme"] is None


@pytest.mark.parametrize("command", ["/start", "/myideas", "/help", "/language", "/whatever"])
async def test_a_command_in_the_middle_of_the_form_keeps_the_draft(app: App, command: str) -> None:
    citizen = await at_title(app)
    await citizen.send("We could plant an orchard")
    await citizen.send(command)
    draft = await draft_of(app)
    assert draft["draft"]["title"] == "We could plant an orchard"
    if command in {"/start", "/myideas", "/whatever"}:
        assert "✏️ Continue my idea" in citizen.last_labels()
        await citizen.click("✏️ Continue my idea")
    assert "Describe" in citizen.texts()[-1] or command in {"/help", "/language"}
    await citizen.send("Twenty apple trees.")
    assert (await draft_of(app))["draft"]["description"] == "Twenty apple trees."


async def test_a_message_after_the_menu_does_not_answer_a_hidden_question(app: App) -> None:
    citizen = await at_title(app)
    await citizen.send("/start")
    await citizen.send("hello")
    assert (await draft_of(app))["draft"]["title"] is None
    assert "✏️ Continue my idea" in citizen.last.labels


async def test_a_misspelt_action_on_a_live_button_is_refused_and_changes_nothing(
    app: App,
) -> None:
    """The right draft and question, an action no conversation declares: it must not fall
    through to a handler that guesses."""
    citizen = await at_title(app)
    await citizen.send("A title")
    back = citizen.last.buttons[-1][0].callback_data
    assert back is not None and ":back:" in back
    before = await draft_of(app)
    await citizen.press(back.replace(":back:", ":bakc:"))
    assert citizen.alerts[-1] == "This button is not valid any more."
    assert await draft_of(app) == before
