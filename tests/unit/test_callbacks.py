"""Buttons carry only the actions their conversation declares."""

import pytest
from aiogram.filters.callback_data import CallbackData

from bot.runtime import callbacks
from bot.runtime.callbacks import ScreenFields, VoteButton, encode_screen
from conversations.menu import MenuAction
from conversations.replies import Button
from conversations.vote import VoteAction


def test_a_screen_button_packs_token_screen_action_and_argument() -> None:
    encode = encode_screen(VoteButton, "ab12", 3)
    data = encode(Button("vote.button.add", VoteAction.ADD, "5"))
    assert data == "v:ab12:3:add:5"
    assert VoteButton.unpack(data).action is VoteAction.ADD


def test_the_menu_s_actions_open_the_menu_from_any_screen() -> None:
    encode = encode_screen(VoteButton, "ab12", 3)
    assert encode(Button("menu.open", MenuAction.MENU)) == "m:menu:"


def test_an_undeclared_action_cannot_be_put_on_a_button() -> None:
    encode = encode_screen(VoteButton, "ab12", 3)
    with pytest.raises(TypeError):
        encode(Button("vote.button.add", "add"))


def test_another_conversation_s_action_cannot_be_put_on_a_vote_button() -> None:
    from conversations.idea_form import FormAction

    encode = encode_screen(VoteButton, "ab12", 3)
    with pytest.raises(TypeError, match="VoteButton"):
        encode(Button("form.button.publish", FormAction.PUBLISH))


SCREENS = [
    cls
    for cls in vars(callbacks).values()
    if isinstance(cls, type) and issubclass(cls, ScreenFields) and cls is not ScreenFields
]


def test_every_screen_s_buttons_are_checked_below() -> None:
    assert {callbacks.FormButton, callbacks.VoteButton, callbacks.GuideButton} <= set(SCREENS)


@pytest.mark.parametrize("button_type", SCREENS, ids=lambda cls: cls.__name__)
def test_a_screen_s_buttons_carry_what_aiogram_would_pack_and_unpack(
    button_type: type[ScreenFields],
) -> None:
    actions = button_type.model_fields["action"].annotation
    assert isinstance(actions, type)
    encode = encode_screen(button_type, "k3Xp9q", 12)
    for action in actions:
        for arg in ("", "7", "fr", "ab-cd_1.2"):
            data = encode(Button("label", action, arg))
            fields = button_type(token="k3Xp9q", seq=12, action=action, arg=arg)
            assert isinstance(fields, CallbackData)
            assert data == fields.pack()
            assert button_type.unpack(data) == fields


def test_an_argument_holding_the_separator_cannot_be_put_on_a_button() -> None:
    encode = encode_screen(VoteButton, "ab12", 3)
    with pytest.raises(ValueError, match="separator"):
        encode(Button("vote.button.add", VoteAction.ADD, "5:6"))


def test_a_button_longer_than_telegram_allows_is_refused() -> None:
    encode = encode_screen(VoteButton, "ab12", 3)
    with pytest.raises(ValueError, match="64 bytes"):
        encode(Button("vote.button.add", VoteAction.ADD, "é" * 30))


def test_a_token_holding_the_separator_is_refused_with_its_screen() -> None:
    with pytest.raises(ValueError, match="separator"):
        encode_screen(VoteButton, "ab:12", 3)
