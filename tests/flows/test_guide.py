"""The guide before the idea form: the edition's admissibility criteria as a checklist, and
its inspiring examples, in the citizen's language; the answers reach the moderators."""

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.runtime.callbacks import GuideButton
from conversations.guide import GuideAction
from storage.tables import IdeaRow
from tests.support.app import (
    STAFF_ID,
    App,
    consented,
    idea_in_status,
)

# Each language's way through the checklist: the menu's button, the answers' buttons, the
# first criterion and the advice after its "no", as the example edition gives them.
LANGUAGES = {
    "en": (
        "💡 Deposit an idea",
        ("1 ❌ No", "2 ✅ Yes", "3 ❔ Not sure"),
        "On public land in the province",
        "The budget only pays for projects on public land.",
        "A repair café in Couvin",
    ),
    "fr": (
        "💡 Déposer une idée",
        ("1 ❌ Non", "2 ✅ Oui", "3 ❔ Pas sûr·e"),
        "Sur un terrain public de la province",
        "Le budget ne peut financer que des projets sur un terrain public.",
        "repair café à Couvin",
    ),
    "nl": (
        "💡 Een idee indienen",
        ("1 ❌ Nee", "2 ✅ Ja", "3 ❔ Niet zeker"),
        "Op openbaar terrein in de provincie",
        "De begroting financiert alleen projecten op openbaar terrein.",
        "repaircafé in Couvin",
    ),
    "de": (
        "💡 Idee einreichen",
        ("1 ❌ Nein", "2 ✅ Ja", "3 ❔ Nicht sicher"),
        "Auf öffentlichem Gelände der Provinz",
        "Der Haushalt finanziert nur Projekte auf öffentlichem Gelände.",
        "Repair-Café in Couvin",
    ),
}
START = {
    "en": "✍️ Start my idea",
    "fr": "✍️ Commencer mon idée",
    "nl": "✍️ Mijn idee beginnen",
    "de": "✍️ Meine Idee beginnen",
}
EXAMPLES = {
    "en": "🌟 See examples",
    "fr": "🌟 Voir des exemples",
    "nl": "🌟 Voorbeelden bekijken",
    "de": "🌟 Beispiele ansehen",
}


@pytest.mark.parametrize("lang", list(LANGUAGES))
async def test_the_checklist_and_examples_come_from_the_edition_in_each_language(
    app: App, lang: str
) -> None:
    deposit, answers, first, advice, example = LANGUAGES[lang]
    citizen = await consented(app, 10, language_code=lang)
    await citizen.click(deposit)
    checklist = citizen.last
    assert first in checklist.text
    assert len(checklist.labels) == 3 * 3 + 2, "yes / no / not sure for each of 3, examples, start"
    assert advice not in checklist.text
    for answer in answers:
        await citizen.click(answer)
    assert citizen.last is checklist, "answered in place, one message"
    assert "❌ <b>1.</b> " + first in checklist.text
    assert advice in checklist.text, "a no says why and how to adapt the idea"
    assert "✅ <b>2.</b>" in checklist.text and "❔ <b>3.</b>" in checklist.text
    shown = len(citizen.shown)
    await citizen.click(EXAMPLES[lang])
    photos = [message for message in citizen.shown[shown:] if message.photo]
    assert len(photos) == 2
    assert photos[0].photo == (
        "https://www.province.namur.be/images/budget-participatif/vergers.jpg"
    )
    assert any(example in message.text for message in photos)
    await citizen.click(START[lang])
    assert len(citizen.last.labels) == 4, "the form's first question: three authors, cancel"


async def test_a_no_does_not_block_and_the_moderator_sees_the_answers(app: App) -> None:
    citizen = await consented(app, 11)
    await citizen.click("💡 Deposit an idea")
    await citizen.click("1 ❌ No")
    await citizen.click("3 ❔ Not sure")
    assert "Not sure? Deposit your idea anyway" in citizen.last.text
    await citizen.click("✍️ Start my idea")
    assert "🙋 Myself" in citizen.last.labels
    await citizen.click("🙋 Myself")
    await citizen.send("A shelter on the school's land")
    await citizen.send("A wooden shelter where pupils wait for the bus.")
    for label in ("Skip ⏭", "Skip ⏭", "Mobility", "Skip ⏭", "Skip ⏭", "Skip ⏭"):
        await citizen.click(label)
    await citizen.send("60 000")
    await citizen.click("Skip ⏭")
    await citizen.click("✅ Publish")
    [idea] = await app.rows(IdeaRow)
    assert idea.checklist == {"public_land": "no", "cost": "unsure"}

    moderator = await consented(app, STAFF_ID)
    await moderator.send("/pending")
    card = moderator.last.text
    assert "🧭 <b>Their answers to the criteria:</b>" in card
    assert "❌ On public land in the province" in card
    assert "❔ Between €5,000 and €50,000" in card
    assert "An investment, not running costs" not in card, "unanswered: not shown"

    # A rejection reason that points to a criterion tells the author which one, and how.
    await moderator.click("⛔ Reject")
    await moderator.click("Outside the province's territory")
    told = citizen.last.text
    assert (
        "Outside the province&#x27;s territory (criterion: On public land in the province)" in told
    )
    assert "Look for a public place nearby" in told


async def test_straight_to_the_form_without_criteria_or_with_a_draft(
    sessionmaker: async_sessionmaker[AsyncSession], edition_id: int, app: App
) -> None:
    citizen = await consented(app, 12)
    await citizen.click("💡 Deposit an idea")
    await citizen.click("✍️ Start my idea")
    await citizen.click("🙋 Myself")
    await citizen.send("/start")
    await citizen.click("✏️ Continue my idea")
    assert "<i>Question 2 of 11</i>" in citizen.last.text, "the draft, no guide again"
    # Someone else's forged guide button changes nothing.
    other = await consented(app, 13)
    await other.press(GuideButton(token="abcdef", seq=0, action=GuideAction.START).pack())
    assert other.alerts[-1] == "This button is from an older message."
    assert await idea_in_status(sessionmaker, edition_id, 14, "Later idea") > 0
