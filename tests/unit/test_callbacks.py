"""Buttons carry only the actions their conversation declares."""

import pytest
from pydantic import ValidationError

from bot.runtime.callbacks import VoteButton, encode_screen
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
    with pytest.raises(ValidationError, match="action"):
        encode(Button("form.button.publish", FormAction.PUBLISH))
