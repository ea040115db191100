"""/myideas: a citizen's own ideas and where each one stands."""

from bot.runtime.callbacks import MenuButton
from tests.support.app import App, at_preview, consented, fill_form_to_preview


async def test_my_ideas_lists_each_idea_with_its_status(app: App) -> None:
    citizen = await consented(app)
    await citizen.send("/myideas")
    assert "You have not deposited any idea yet." in citizen.last.text
    await fill_form_to_preview(citizen, "We could plant an orchard")
    await citizen.click("✅ Publish")
    await fill_form_to_preview(citizen, "A cycle lane to the station")
    await citizen.click("✅ Publish")
    await citizen.send("/myideas")
    text = citizen.last.text
    assert "<b>Your ideas</b> (2)" in text
    assert "No. 1 · <b>We could plant an orchard</b>\n⏳ Waiting for moderation" in text
    assert "deposited on 1 December 2026" in text
    assert "No. 2 · <b>A cycle lane to the station</b>" in text


async def test_my_ideas_shows_only_ones_own_ideas(app: App) -> None:
    author = await at_preview(app)
    await author.click("✅ Publish")
    other = await consented(app, 2)
    await other.send("/myideas")
    assert "You have not deposited any idea yet." in other.last.text


async def test_a_forged_change_button_naming_no_idea_is_refused(app: App) -> None:
    author = await at_preview(app)
    await author.click("✅ Publish")
    for arg in ("9" * 30, "²", "-1"):
        await author.press(MenuButton(action="edit_idea", arg=arg).pack())
        assert author.alerts[-1] == "This button is not valid any more.", arg
